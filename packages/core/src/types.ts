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
  /**
   * Has no default deadline (pull, logs with follow, attach, exec start, events, wait...).
   * A stream that is finite by its options (logs without follow) is not long-running.
   */
  longRunning: boolean;
  signal?: AbortSignal | undefined;
  /**
   * When the call must be done by (set by the timeout middleware). Core aborts the HTTP
   * exchange when it passes, with `deadline.error()`: for 'json', 'empty' and 'stream'
   * responses the whole body included; for 'hijack' the response head only (the session
   * then lasts as long as its streams). Middleware that wait (backoff, a shared ping) must
   * not wait past it.
   */
  deadline?: Deadline | undefined;
  /** Per-call deadline in ms; wins over the timeout middleware's default. 0: none. */
  timeoutMs?: number | undefined;
  /**
   * Time the operation may legitimately take on top of the default deadline (a stop's
   * grace period); the timeout middleware adds it. Infinity: no default deadline.
   */
  graceMs?: number | undefined;
  /**
   * For 'stream' responses: end the stream with a TimeoutError when no byte arrived for
   * this long (the limit of a follow stream, which has no deadline). Unset: none.
   */
  idleTimeoutMs?: number | undefined;
  /**
   * Cap on a buffered ('json') answer in bytes, enforced while reading; above it the call
   * fails with a ProtocolError and is never resent. Unset: the client's cap (64 MiB).
   */
  maxResponseBytes?: number | undefined;
  /** For 'stream' and 'hijack' responses: the connection and timers do not keep the process alive. */
  unref?: boolean | undefined;
  /**
   * Secrets this request carries outside its headers (a password in a JSON body): scrubbed,
   * with the secret headers' values (X-Registry-Auth...), from every error and span.
   */
  secrets?: readonly string[] | undefined;
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

/**
 * Every field of DockerRequest, required: code that copies or rebuilds a request types its
 * object literal with it, so that a field added to DockerRequest and forgotten there fails
 * to compile.
 */
export type CompleteRequest = { [K in RequestField]: DockerRequest[K] | undefined } & Pick<
  DockerRequest,
  'operation' | 'method' | 'path' | 'route' | 'response' | 'idempotent' | 'longRunning'
>;
// Mapping over an alias (not `keyof` inline) makes every field required while keeping `undefined`.
type RequestField = keyof DockerRequest;
