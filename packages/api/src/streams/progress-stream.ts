/**
 * The one rule for the Engine API's NDJSON progress streams (pull, push, load, import): read
 * with core's decoder, and an `error` / `errorDetail` line rejects with the daemon's own
 * message (dockerode resolves such streams; we do not). Operations add their own trackers
 * (PullProgressTracker) on top, never their own parsers.
 */
import { DockerError, NotFoundError, ServerError, UnauthorizedError, decodeJsonLines, redactForRequest, type DockerRequest } from '@dockline/core';

/** The error fields any progress line can carry. */
export interface ProgressErrorFields {
  /** Deprecated twin of errorDetail.message, still sent by every daemon. */
  error?: string | undefined;
  errorDetail?: { code?: number | undefined; message?: string | undefined } | undefined;
}

/** The error text of a progress line, if it is an error line. */
export function progressLineError(msg: ProgressErrorFields): string | undefined {
  const text = msg.errorDetail?.message ?? msg.error;
  if (typeof text === 'string' && text !== '') return text;
  if (msg.errorDetail !== undefined || msg.error !== undefined) return 'unknown error (the daemon sent an empty error line)';
  return undefined;
}

/**
 * The class for a failure the daemon reported in words (an error line in the stream, or a
 * 500): the stream has no status code, so the message decides.
 * - UnauthorizedError: "unauthorized", "no basic auth credentials", "authentication required";
 * - NotFoundError: "not found", "manifest unknown", "repository does not exist", "tag does not exist";
 * - ServerError: anything else.
 */
export function progressErrorClass(message: string): typeof NotFoundError | typeof UnauthorizedError | typeof ServerError {
  const m = message.toLowerCase();
  if (/unauthorized|no basic auth credentials|authentication required|incorrect username or password/.test(m)) return UnauthorizedError;
  if (/not found|manifest unknown|does not exist|name unknown/.test(m)) return NotFoundError;
  return ServerError;
}

/** The error for a failure reported in words: "<message> (<operation>: <doing>)". */
export function progressError(message: string, operation: string, doing: string, cause?: unknown, statusCode?: number, request?: DockerRequest): DockerError {
  // Error lines can echo registry URLs with credentials, or the very credentials sent:
  // scrub them like status errors (by pattern, and by value those of `request`).
  const text = redactForRequest(message, request);
  const Class = progressErrorClass(text);
  return new Class(`${text} (${operation}: ${doing})`, { operation, daemonMessage: text, statusCode, cause });
}

/**
 * A 500 answered before the stream started says what went wrong only in words: classify it
 * like a stream error. Anything else is returned unchanged.
 */
export function reclassifyProgressError(err: unknown, operation: string, doing: string): unknown {
  if (err instanceof ServerError && err.statusCode !== undefined && err.daemonMessage !== undefined && err.operation === operation) {
    if (progressErrorClass(err.daemonMessage) !== ServerError) return progressError(err.daemonMessage, operation, doing, err, err.statusCode);
  }
  return err;
}

/**
 * Reads a progress stream to its end, calling `onLine` for every line that is not an error
 * line. The first error line rejects (see progressError) and closes the stream; a throw
 * from `onLine` does too.
 */
export async function readProgress<T extends object>(
  stream: AsyncIterable<Uint8Array>,
  operation: string,
  doing: string,
  onLine: (msg: T) => void,
  /** The request the stream answers: the secrets it sent are scrubbed from error lines. */
  request?: DockerRequest,
): Promise<void> {
  for await (const msg of decodeJsonLines<T>(stream)) {
    const error = progressLineError(msg as ProgressErrorFields);
    if (error !== undefined) throw progressError(error, operation, doing, undefined, undefined, request);
    onLine(msg);
  }
}
