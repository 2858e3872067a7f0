/**
 * Every error dockline throws is a DockerError. Callers branch on the class (or the
 * stable `code`), never on message text.
 */

const kDockerError = Symbol.for('dockline.error');

export interface DockerErrorOptions {
  /** Engine API operation id, e.g. "ContainerInspect". */
  operation?: string | undefined;
  /** HTTP status when the daemon answered. */
  statusCode?: number | undefined;
  /** The daemon's own message (from the JSON `message` field), when it sent one. */
  daemonMessage?: string | undefined;
  /** Redacted endpoint, e.g. "unix:///var/run/docker.sock". */
  endpoint?: string | undefined;
  cause?: unknown;
}

export class DockerError extends Error {
  override name = 'DockerError';
  readonly code: string = 'DOCKLINE_ERR';
  readonly operation: string | undefined;
  readonly statusCode: number | undefined;
  readonly daemonMessage: string | undefined;
  readonly endpoint: string | undefined;

  constructor(message: string, options: DockerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.operation = options.operation;
    this.statusCode = options.statusCode;
    this.daemonMessage = options.daemonMessage;
    this.endpoint = options.endpoint;
  }

  // instanceof works across two installed copies of @dockline/core (as undici does).
  get [kDockerError](): true {
    return true;
  }
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this === DockerError) {
      return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kDockerError] === true;
    }
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }
}

/** 400: the daemon rejected a parameter. */
export class InvalidParameterError extends DockerError {
  override name = 'InvalidParameterError';
  override readonly code = 'DOCKLINE_ERR_INVALID_PARAMETER';
}
/** 401: credentials missing or refused (registry auth, for instance). */
export class UnauthorizedError extends DockerError {
  override name = 'UnauthorizedError';
  override readonly code = 'DOCKLINE_ERR_UNAUTHORIZED';
}
/** 403 */
export class ForbiddenError extends DockerError {
  override name = 'ForbiddenError';
  override readonly code = 'DOCKLINE_ERR_FORBIDDEN';
}
/** 404: no such container, image, exec, network... */
export class NotFoundError extends DockerError {
  override name = 'NotFoundError';
  override readonly code = 'DOCKLINE_ERR_NOT_FOUND';
}
/** 409: the object is in the wrong state (a running container removed without force...). */
export class ConflictError extends DockerError {
  override name = 'ConflictError';
  override readonly code = 'DOCKLINE_ERR_CONFLICT';
}
/** 500 and any other 5xx without a class of its own. */
export class ServerError extends DockerError {
  override name = 'ServerError';
  override readonly code = 'DOCKLINE_ERR_SERVER';
}
/** 501 */
export class NotImplementedError extends DockerError {
  override name = 'NotImplementedError';
  override readonly code = 'DOCKLINE_ERR_NOT_IMPLEMENTED';
}
/** 503 (also used for 429/502/504, which retry treats alike). */
export class UnavailableError extends DockerError {
  override name = 'UnavailableError';
  override readonly code = 'DOCKLINE_ERR_UNAVAILABLE';
}
/** The daemon could not be reached, or the connection broke before an answer. */
export class ConnectionError extends DockerError {
  override name = 'ConnectionError';
  override readonly code = 'DOCKLINE_ERR_CONNECTION';
  /**
   * True when the request provably never reached the daemon (connect failed), so even a
   * non-idempotent request may be retried.
   */
  readonly connectFailed: boolean;
  constructor(message: string, options: DockerErrorOptions & { connectFailed?: boolean } = {}) {
    super(message, options);
    this.connectFailed = options.connectFailed ?? false;
  }
}
/** A deadline passed. The message names the operation and the limit. */
export class TimeoutError extends DockerError {
  override name = 'TimeoutError';
  override readonly code = 'DOCKLINE_ERR_TIMEOUT';
  readonly timeoutMs: number | undefined;
  constructor(message: string, options: DockerErrorOptions & { timeoutMs?: number } = {}) {
    super(message, options);
    this.timeoutMs = options.timeoutMs;
  }
}
/** The caller aborted (AbortSignal). */
export class AbortError extends DockerError {
  override name = 'AbortError';
  override readonly code = 'DOCKLINE_ERR_ABORTED';
}
/** A malformed response or stream (bad frame header, truncated frame, invalid JSON line). */
export class ProtocolError extends DockerError {
  override name = 'ProtocolError';
  override readonly code = 'DOCKLINE_ERR_PROTOCOL';
}
