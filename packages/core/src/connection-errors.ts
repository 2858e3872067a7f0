import { abortError } from './abort.js';
import { AbortError, ConnectionError, DockerError, ProtocolError } from './errors.js';

interface ErrnoLike {
  code?: string;
  syscall?: string;
  message?: string;
  name?: string;
}

const CONNECT_HINTS: Record<string, string> = {
  ENOENT: 'no socket there: is the Docker daemon running, and is DOCKER_HOST right?',
  ECONNREFUSED: 'connection refused: nothing listens there; is the daemon running and is the address right?',
  EACCES: 'permission denied: your user may not open the socket; add it to the docker group, or use rootless Docker',
  EPERM: 'operation not permitted: your user may not open the socket',
  ENOTFOUND: 'host name not found: check the host in DOCKER_HOST',
  EAI_AGAIN: 'host name lookup failed (temporary): check DNS and the host in DOCKER_HOST',
  ETIMEDOUT: 'connect timed out: is the host reachable and the port open?',
  EHOSTUNREACH: 'host unreachable: check the address and the network',
  ENETUNREACH: 'network unreachable: check the address and the network',
  ENOTSOCK: 'the path is not a socket',
  ECONNRESET: 'the daemon closed the connection',
};

/** Wrap an error raised while opening a connection: the request never reached the daemon. */
export function connectError(err: unknown, endpoint: string, kind?: string): DockerError {
  if (err instanceof DockerError) return err;
  const e = (err ?? {}) as ErrnoLike;
  if (e.name === 'AbortError') return new AbortError('connect aborted', { endpoint, cause: err });
  const hint = (e.code && CONNECT_HINTS[e.code]) ?? 'could not connect';
  const code = e.code ? ` [${e.code}]` : '';
  return new ConnectionError(`cannot connect to the Docker daemon at ${endpoint}${kind ? ` (${kind})` : ''}: ${hint}${code}`, {
    endpoint,
    cause: err,
    connectFailed: true,
  });
}

/**
 * Map an error raised by undici (or a socket) after the connection was made. Our own
 * DockerErrors pass through (a ConnectionError from connect keeps connectFailed).
 */
export function requestError(err: unknown, ctx: { operation: string; endpoint: string; signal?: AbortSignal | undefined }): DockerError {
  if (ctx.signal?.aborted) return abortError(ctx.signal, ctx.operation, ctx.endpoint);
  if (err instanceof DockerError) {
    return err;
  }
  const e = (err ?? {}) as ErrnoLike;
  if (e.name === 'AbortError' || e.code === 'UND_ERR_ABORTED') {
    return new AbortError(`${ctx.operation} aborted`, { operation: ctx.operation, endpoint: ctx.endpoint, cause: err });
  }
  // undici's HTTPParserError carries no `code` for some parser failures (garbage before the
  // status line): its name is what tells.
  // Protocol violations: a resend would meet the same answer, so they are never retried
  // (an oversized head, a body past undici's size limit, a string too long for V8).
  if (
    e.name === 'HTTPParserError' ||
    e.code?.startsWith('HPE_') ||
    e.code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' ||
    e.code === 'UND_ERR_HEADERS_OVERFLOW' ||
    e.code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE' ||
    e.code === 'ERR_STRING_TOO_LONG'
  ) {
    return new ProtocolError(`${ctx.operation}: malformed HTTP response from ${ctx.endpoint} (${e.code ?? e.name}: ${e.message ?? ''})`, {
      operation: ctx.operation,
      endpoint: ctx.endpoint,
      cause: err,
    });
  }
  const code = e.code ? ` [${e.code}]` : '';
  const what =
    e.code === 'UND_ERR_SOCKET' || e.code === 'ECONNRESET' || e.code === 'EPIPE'
      ? 'the connection to the daemon broke'
      : (e.message ?? 'request failed');
  return new ConnectionError(`${ctx.operation}: ${what} (${ctx.endpoint})${code}`, {
    operation: ctx.operation,
    endpoint: ctx.endpoint,
    cause: err,
    connectFailed: false,
  });
}
