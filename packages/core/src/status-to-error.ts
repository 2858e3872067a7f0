import {
  ConflictError,
  ConnectionError,
  DockerError,
  type DockerErrorOptions,
  ForbiddenError,
  InvalidParameterError,
  NotFoundError,
  NotImplementedError,
  ServerError,
  UnauthorizedError,
  UnavailableError,
} from './errors.js';
import { redactForRequest } from './redact.js';

/** Error bodies are read up to this many bytes, never more: a hostile daemon cannot make us buffer. */
export const MAX_ERROR_BODY_BYTES = 1024 * 1024; // 1 MiB

type ErrorClass = new (message: string, options?: DockerErrorOptions) => DockerError;

/** The one place that maps an HTTP status to an error category. */
export function errorClassForStatus(status: number): ErrorClass {
  switch (status) {
    case 400:
      return InvalidParameterError;
    case 401:
      return UnauthorizedError;
    case 403:
      return ForbiddenError;
    case 404:
      return NotFoundError;
    case 409:
      return ConflictError;
    case 501:
      return NotImplementedError;
    case 429:
    case 502:
    case 503:
    case 504:
      return UnavailableError;
    default:
      return status >= 500 ? ServerError : status === 412 ? ConflictError : InvalidParameterError;
  }
}

/**
 * Extract the daemon's message from an error body: `{"message": "..."}` as the Engine API
 * documents it, else the text itself (proxies and old daemons send plain text).
 */
export function daemonMessageFrom(body: Buffer | string | undefined): string | undefined {
  if (body === undefined) return undefined;
  const text = (typeof body === 'string' ? body : body.toString('utf8')).trim();
  if (text === '') return undefined;
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as { message?: unknown };
      if (typeof parsed.message === 'string') return parsed.message;
    } catch {
      // not JSON after all: fall through to the raw text
    }
  }
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

export function errorFromStatus(
  status: number,
  body: Buffer | string | undefined,
  context: {
    operation?: string | undefined;
    endpoint?: string | undefined;
    truncated?: boolean;
    /** The request answered: every secret it sent is scrubbed from the message by value. */
    request?: { headers?: Record<string, string> | undefined; body?: unknown; secrets?: readonly string[] | undefined } | undefined;
  },
): DockerError {
  // The daemon's message is kept, minus credentials it may echo: registry URLs and tokens
  // by pattern, and every secret this request sent, by value (a registry may quote them).
  const raw = daemonMessageFrom(body);
  const daemonMessage = raw === undefined ? undefined : redactForRequest(raw, context.request);
  if (status === 400 && daemonMessage?.startsWith('Client sent an HTTP request to an HTTPS server')) {
    // Go's TLS listener answers plain HTTP with this 400 before any request reached the daemon.
    return new ConnectionError(
      `${context.endpoint ?? 'the daemon'} is a TLS port: enable TLS (the tls option, DOCKER_TLS_VERIFY=1 with DOCKER_CERT_PATH, or an https:// host) (${context.operation ?? 'request'}: HTTP 400: ${daemonMessage})`,
      { operation: context.operation, statusCode: status, daemonMessage, endpoint: context.endpoint, connectFailed: true },
    );
  }
  const Class = errorClassForStatus(status);
  const op = context.operation ?? 'request';
  const message = `${daemonMessage ?? `HTTP ${status} with no message`} (${op}: HTTP ${status}${context.truncated ? ', error body truncated at 1 MiB' : ''})`;
  return new Class(message, {
    operation: context.operation,
    statusCode: status,
    daemonMessage,
    endpoint: context.endpoint,
  });
}
