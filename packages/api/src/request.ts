import { InvalidParameterError } from '@dockline/core';
import type { Duplex, Readable } from 'node:stream';
import type { DockerRequest, DockerResponse } from '@dockline/core';
import type { CallOptions } from './call-options.js';
import { operations, type OperationId } from './generated/operations.js';
import type { OperationParams, OperationResult } from './generated/operation-types.js';

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

export type { OperationId, OperationParams, OperationResult };
