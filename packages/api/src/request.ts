import { InvalidParameterError } from '@dockline/core';
import type { Duplex, Readable } from 'node:stream';
import type { DockerRequest, DockerResponse } from '@dockline/core';
import type { CallOptions } from './call-options.js';
import { operations, type OperationId } from './generated/operations.js';
import type { OperationParams, OperationResult } from './generated/operation-types.js';
import { encodeFilters, type Filters } from './operations/filters.js';

export interface RawParams {
  path?: Record<string, string | number> | undefined;
  query?: Record<string, unknown> | undefined;
  headers?: Record<string, string> | undefined;
  body?: unknown;
}

/**
 * Build a DockerRequest for an operation of the spec: fills the route template, and takes
 * the response kind, idempotency, long-running flag and minimum version from the
 * generated table. Operation code never builds URLs by hand.
 */
export function buildRequest(operation: OperationId, params: RawParams = {}, call: CallOptions = {}): DockerRequest {
  const spec = operations[operation] as (typeof operations)[OperationId] | undefined;
  if (!spec) throw new InvalidParameterError(`dockline: unknown operation ${JSON.stringify(operation)}`);
  let path: string = spec.path;
  for (const name of spec.pathParams) {
    const value = params.path?.[name];
    if (value === undefined || value === null || value === '') {
      throw new InvalidParameterError(`dockline: ${operation} needs the path parameter "${name}"`);
    }
    path = path.replace(`{${name}}`, encodeURIComponent(String(value)));
  }
  const req: DockerRequest = {
    operation,
    method: spec.method,
    path,
    route: spec.path,
    query: params.query as DockerRequest['query'],
    headers: params.headers,
    body: params.body,
    response: spec.response,
    idempotent: spec.idempotent,
    longRunning: spec.longRunning,
    minApiVersion: 'minVersion' in spec ? (spec.minVersion as string | undefined) : undefined,
    signal: call.signal,
    timeoutMs: call.timeoutMs,
    idleTimeoutMs: call.idleTimeoutMs,
    maxResponseBytes: call.maxResponseBytes,
    unref: call.unref,
  };
  return req;
}

/** What `request()` resolves to, by the operation's response kind. */
export type RequestResult<Op extends OperationId> = (typeof operations)[Op]['response'] extends 'stream'
  ? Readable
  : (typeof operations)[Op]['response'] extends 'hijack'
    ? Duplex
    : OperationResult<Op>;

export function resultOf(res: DockerResponse): unknown {
  switch (res.request.response) {
    case 'stream':
      return res.stream;
    case 'hijack':
      return res.socket;
    case 'empty':
      return undefined;
    default:
      return res.body;
  }
}

/** A query whose `filters` (a JSON string on the wire) may also be given as an object of string arrays. */
type WithFilterObject<Q> = Q extends { filters?: unknown } ? Omit<Q, 'filters'> & { filters?: Q['filters'] | Filters } : Q;

/**
 * What `request()` takes: the spec's parameters (OperationParams), except that `filters`
 * may be an object of string arrays (`{ label: ['app=web'] }`) as everywhere else in the
 * client, besides the spec's JSON string.
 */
export type RequestParams<Op extends OperationId> = {
  [K in keyof OperationParams<Op>]: K extends 'query' ? WithFilterObject<OperationParams<Op>[K]> : OperationParams<Op>[K];
};

/** What `requestWithResponse()` resolves to: the answer's status and headers, and its body as `request()` returns it. */
export interface FullResponse<T> {
  statusCode: number;
  /** Header names in lower case, as the daemon sent them. */
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON, the stream (consume or destroy it), the hijacked connection, or undefined for empty answers. */
  body: T;
}

/** request()'s params with an object `filters` checked and encoded (empty lists dropped). */
export function encodeRequestParams(params: RawParams | undefined): RawParams | undefined {
  const filters = params?.query?.filters;
  if (filters === undefined || filters === null || typeof filters === 'string') return params;
  return { ...params, query: { ...params!.query, filters: encodeFilters(filters as Filters) } };
}

export type { OperationId, OperationParams, OperationResult };
