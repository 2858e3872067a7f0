import type { Duplex, Readable } from 'node:stream';
import type { Deadline } from './deadline.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

/** How the terminal handler treats the response body. */
export type ResponseKind = 'json' | 'empty' | 'stream' | 'hijack';

export type QueryValue = string | number | boolean | null | undefined | object;

export interface DockerRequest {
  /** Spec operationId, e.g. "ContainerInspect". Low cardinality: safe for span names. */
  operation: string;
  method: HttpMethod;
  /** Filled path without the version prefix, e.g. /containers/abc/json (versionNegotiation adds /vX.Y). */
  path: string;
  /** The route template, e.g. /containers/{id}/json. Never contains ids. */
  route: string;
  /** Wire names. Booleans go as 1/0, objects as JSON, null/undefined are left out. */
  query?: Record<string, QueryValue> | undefined;
  headers?: Record<string, string> | undefined;
  /** A plain object is sent as JSON; a Buffer, string or stream as is. */
  body?: unknown;
  response: ResponseKind;
  /** Safe to send twice (retry uses it). */
  idempotent: boolean;
  /** Has no overall deadline (pull, logs follow, attach, exec start, events, wait...). */
  longRunning: boolean;
  signal?: AbortSignal | undefined;
  /**
   * When the call must be done by (set by the timeout middleware). Core aborts the HTTP
   * request when it passes, with `deadline.error()`; for 'stream' and 'hijack' responses
   * it bounds the response head only. Middleware that wait (backoff, a shared ping) must
   * not wait past it.
   */
  deadline?: Deadline | undefined;
  /** Per-call deadline; wins over the timeout middleware's default. */
  timeoutMs?: number | undefined;
  /** API version the request goes out with; set by versionNegotiation. */
  apiVersion?: string | undefined;
  /** Lowest API version that has this operation (from the spec's changelog). */
  minApiVersion?: string | undefined;
  /**
   * 0 for the first attempt; retry sets it for each resend (tracing reads it as
   * http.request.resend_count).
   */
  attempt?: number | undefined;
}

export interface DockerResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON for 'json' responses (undefined when the body was empty). */
  body?: unknown;
  /** The response body for 'stream' responses. Consume or destroy it. */
  stream?: Readable | undefined;
  /** The raw connection for 'hijack' responses. End it to half-close stdin. */
  socket?: Duplex | undefined;
  /** The request as it finally went out (with version prefix). */
  request: DockerRequest;
}

/** The innermost function: sends a request over a transport. */
export type Handler = (req: DockerRequest) => Promise<DockerResponse>;

/**
 * A middleware wraps the handler after it. It may change the request, retry, time out
 * or observe; it never touches sockets. Calling `next` more than once is allowed only to
 * retry a request (sequentially); compose() refuses concurrent calls.
 */
export type Middleware = (req: DockerRequest, next: Handler) => Promise<DockerResponse>;
