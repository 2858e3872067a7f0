/** Renders packages/api/src/generated/operation-types.ts: type helpers for the typed escape hatch. */

const BODY = `import type { operations as EngineOperations } from './engine-api.js';
import type { OperationId, operations } from './operations.js';

/** What a binary (tar / octet-stream) body may be: a Buffer, a Node Readable or a web ReadableStream. */
export type BinaryBody = Uint8Array | AsyncIterable<Uint8Array>;

type Spec<Op extends OperationId> = (typeof operations)[Op];
type EngineOp<Op extends OperationId> = EngineOperations[Op];
type Defined<T> = Exclude<T, undefined>;

type JsonOf<Content> = Content extends { 'application/json': infer Json } ? Json : Content[keyof Content];

type RequestBodyOf<Op extends OperationId> =
  Spec<Op> extends { body: { kind: 'binary' } }
    ? BinaryBody
    : Spec<Op> extends { body: { kind: 'text' } }
      ? string
      : Defined<EngineOp<Op>['requestBody']> extends { content: infer Content }
        ? JsonOf<Content>
        : never;

/** Body part: absent (never) without a body, optional unless the spec marks the body required. */
type BodyPart<Op extends OperationId> = [Defined<EngineOp<Op>['requestBody']>] extends [never]
  ? { body?: never }
  : undefined extends EngineOp<Op>['requestBody']
    ? { body?: RequestBodyOf<Op> }
    : { body: RequestBodyOf<Op> };

/** A parameter group: absent (never) when the operation has none, required when one of them is. */
type ParamPart<Key extends string, Group> = [Defined<Group>] extends [never]
  ? { [K in Key]?: never }
  : undefined extends Group
    ? { [K in Key]?: Defined<Group> }
    : { [K in Key]: Defined<Group> };

/** Flattens an intersection into one object type (readable hovers and errors). */
type Simplify<T> = { [K in keyof T]: T[K] };

/**
 * The inputs of an operation, typed from the spec: path, query and header parameters by their
 * wire names, and the body. A part is required when the spec requires something in it, and
 * \`?: never\` when the operation has none.
 */
export type OperationParams<Op extends OperationId> = Simplify<
  ParamPart<'path', EngineOp<Op>['parameters']['path']> &
    ParamPart<'query', EngineOp<Op>['parameters']['query']> &
    ParamPart<'headers', EngineOp<Op>['parameters']['header']> &
    BodyPart<Op>
>;

type SuccessResponse<Op extends OperationId> = EngineOp<Op>['responses'] extends infer R
  ? 200 extends keyof R
    ? R[200]
    : 201 extends keyof R
      ? R[201]
      : never
  : never;

type SuccessJson<Op extends OperationId> = SuccessResponse<Op> extends { content: infer Content }
  ? JsonOf<Content>
  : unknown;

/**
 * What an operation resolves to: the JSON type of the 200/201 body for 'json' operations and
 * void for 'empty' ones. Stream and hijack operations have no single result (never): read them
 * through the streaming API; OperationStreamItem gives the item type of an ndjson stream.
 */
export type OperationResult<Op extends OperationId> = Spec<Op>['response'] extends 'json'
  ? SuccessJson<Op>
  : Spec<Op>['response'] extends 'empty'
    ? void
    : never;

/** One message of an ndjson stream, where the spec declares its schema; unknown where it does not. */
export type OperationStreamItem<Op extends OperationId> = Spec<Op> extends { streamFormat: 'ndjson' }
  ? SuccessJson<Op>
  : never;
`;

export function renderOperationTypes(header: string): string {
  return `${header}\n${BODY}`;
}
