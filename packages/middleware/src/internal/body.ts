import type { Duplex, Readable } from 'node:stream';
import type { DockerResponse } from '@dockline/core';

/** How a streamed body or hijacked socket ended. */
export interface BodyOutcome {
  /** The error it was destroyed with (an AbortError when the caller aborted); undefined when it ended or was destroyed without one. */
  error: unknown;
}

/**
 * For a 'stream' or 'hijack' response, call `done` once when its body stream or socket
 * closes and return true; for any other response return false and do nothing.
 *
 * Only 'close' is listened to (with `errored` read then): adding an
 * 'error' listener would swallow errors a caller does not handle, and listening to 'data'
 * or 'readable' would start the flow. Readable.from() and sockets auto-destroy, so 'close'
 * always follows 'end', 'error' and destroy().
 */
export function whenBodyDone(res: DockerResponse, done: (outcome: BodyOutcome) => void): boolean {
  const body: Readable | Duplex | undefined = res.stream ?? res.socket;
  if (!body) return false;
  const outcome = (): BodyOutcome => ({ error: body.errored ?? undefined });
  if (body.closed || body.destroyed) {
    done(outcome());
    return true;
  }
  body.once('close', () => done(outcome()));
  return true;
}

/** Free what a response holds (used when nobody will read it). */
export function discardResponse(res: DockerResponse): void {
  res.stream?.destroy();
  res.socket?.destroy();
}
