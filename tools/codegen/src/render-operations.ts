/** Renders packages/api/src/generated/operations.ts: the runtime operation table. */
import type { ClassifiedOperation, OperationSpecData, ResponseKind } from './classify.js';

const MAX_LINE = 100;

/** A single-quoted TypeScript string literal. */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

function commentText(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/\*\//g, '*\\/');
}

/** Word-wraps one comment paragraph to MAX_LINE columns; continuation lines are indented. */
function wrapComment(prefix: string, text: string): string[] {
  const lines: string[] = [];
  let line = prefix;
  for (const word of commentText(text).split(' ')) {
    if (line.length > prefix.length && line.length + 1 + word.length > MAX_LINE) {
      lines.push(line);
      line = `${prefix}  ${word}`;
    } else {
      line = line.length > prefix.length ? `${line} ${word}` : `${prefix}${word}`;
    }
  }
  lines.push(line);
  return lines;
}

/** The summary as prose: single line, without the quotes a few YAML block scalars carry. */
function cleanSummary(summary: string | undefined): string | undefined {
  const text = summary?.replace(/\s+/g, ' ').trim();
  if (!text) return undefined;
  return /^"[^"]*"$/.test(text) ? text.slice(1, -1) : text;
}

function renderArray(indent: string, key: string, values: readonly string[]): string[] {
  const inline = `${indent}${key}: [${values.map(quote).join(', ')}],`;
  if (inline.length <= MAX_LINE) return [inline];
  return [`${indent}${key}: [`, ...values.map((v) => `${indent}  ${quote(v)},`), `${indent}],`];
}

function renderEntry(op: ClassifiedOperation): string[] {
  const s: OperationSpecData = op.spec;
  const i = '    ';
  const summary = cleanSummary(op.summary);
  const doc = [`${s.method} ${s.path}${summary ? `: ${summary}` : ''}`, ...op.notes];
  const single = `  /** ${commentText(doc[0]!)} */`;
  const lines =
    doc.length === 1 && single.length <= MAX_LINE
      ? [single]
      : ['  /**', ...doc.flatMap((line) => wrapComment('   * ', line)), '   */'];
  lines.push(`  ${op.operationId}: {`);
  lines.push(`${i}method: ${quote(s.method)},`, `${i}path: ${quote(s.path)},`);
  lines.push(...renderArray(i, 'pathParams', s.pathParams));
  lines.push(...renderArray(i, 'queryParams', s.queryParams));
  lines.push(...renderArray(i, 'headerParams', s.headerParams));
  if (s.body) lines.push(`${i}body: { name: ${quote(s.body.name)}, kind: ${quote(s.body.kind)} },`);
  lines.push(`${i}response: ${quote(s.response)},`);
  if (s.streamFormat) lines.push(`${i}streamFormat: ${quote(s.streamFormat)},`);
  lines.push(`${i}idempotent: ${s.idempotent},`, `${i}longRunning: ${s.longRunning},`);
  if (s.minVersion !== undefined) lines.push(`${i}minVersion: ${quote(s.minVersion)},`);
  lines.push(...renderArray(i, 'tags', s.tags));
  lines.push('  },');
  return lines;
}

export function countByResponse(ops: readonly ClassifiedOperation[]): Record<ResponseKind, number> {
  const counts: Record<ResponseKind, number> = { json: 0, empty: 0, stream: 0, hijack: 0 };
  for (const op of ops) counts[op.spec.response] += 1;
  return counts;
}

const PREAMBLE = `/** HTTP methods the Engine API uses. */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

/**
 * How to read the answer:
 * - json: one JSON document (the 200/201 schema);
 * - empty: no body worth reading on success (204, 304, or 200/201 without a schema); drain it;
 * - stream: a long body read incrementally, see streamFormat;
 * - hijack: the connection is upgraded (Connection: Upgrade, answered 101 or 200) and becomes a
 *   bidirectional byte stream.
 */
export type ResponseKind = 'json' | 'empty' | 'stream' | 'hijack';

/**
 * The bytes of a stream or hijacked connection:
 * - ndjson: newline-delimited JSON (progress, events, stats);
 * - multiplexed: stdcopy frames (8-byte header); raw instead when the container or exec has a
 *   TTY, which is only known at run time;
 * - raw: uninterpreted bytes (tar archives, TTY output, upgraded protocols).
 */
export type StreamFormat = 'ndjson' | 'multiplexed' | 'raw';

/** json: a JSON document; binary: bytes (tar/octet-stream); text: a text/plain string. */
export type BodyKind = 'json' | 'binary' | 'text';

export interface OperationSpec {
  method: HttpMethod;
  /** Route template, unversioned, e.g. '/containers/{id}/json'. */
  path: string;
  pathParams: readonly string[];
  /** Wire names exactly as the spec has them (e.g. 'shared-size', 'one-shot'). */
  queryParams: readonly string[];
  headerParams: readonly string[];
  /** The spec's body parameter name and how to encode it. */
  body?: { name: string; kind: BodyKind };
  response: ResponseKind;
  /** Set for stream and hijack responses. */
  streamFormat?: StreamFormat;
  /** Safe to repeat: GET and HEAD, and POSTs the daemon answers 304 when repeated. */
  idempotent: boolean;
  /** May legitimately run without bound (streams, hijacks, waits, large transfers): no default deadline. */
  longRunning: boolean;
  /** Minimum Engine API version; undefined when the operation exists in BASELINE_API_VERSION. */
  minVersion?: string;
  tags: readonly string[];
}
`;

export interface RenderOperationsInput {
  header: string;
  operations: readonly ClassifiedOperation[];
  maxApiVersion: string;
  baselineApiVersion: string;
}

export function renderOperations({ header, operations, maxApiVersion, baselineApiVersion }: RenderOperationsInput): string {
  const counts = countByResponse(operations);
  const summary = (Object.entries(counts) as [ResponseKind, number][]).map(([kind, n]) => `${kind} ${n}`).join(', ');
  const out: string[] = [
    header,
    '/*',
    ` * The runtime table of every Engine API operation, keyed by the spec's operationId.`,
    ` * ${operations.length} operations: ${summary}.`,
    ' * Rules and per-operation judgements: tools/codegen/src/classify.ts and tools/codegen/README.md.',
    ' */',
    '',
    PREAMBLE,
    `/** The spec's info.version: the newest Engine API these types describe. */`,
    `export const MAX_API_VERSION = ${quote(maxApiVersion)};`,
    '',
    `/** Every operation without a minVersion exists in this version (the oldest one checked). */`,
    `export const BASELINE_API_VERSION = ${quote(baselineApiVersion)};`,
    '',
    'export const operations = {',
    ...operations.flatMap(renderEntry),
    '} as const satisfies Record<string, OperationSpec>;',
    '',
    'export type OperationId = keyof typeof operations;',
    '',
  ];
  return out.join('\n');
}
