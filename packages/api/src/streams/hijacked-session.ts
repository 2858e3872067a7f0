import type { Duplex, Readable } from 'node:stream';
import { DockerError, abortError, requestError } from '@dockline/core';
import { copyOutput } from './output.js';
import type { StreamOptions } from './stream-options.js';

export interface HijackedSessionOptions {
  /** The raw connection of a hijacked attach / exec start (core already read the 101/200 head). */
  socket: Duplex;
  /** Raw terminal output (no stdcopy frames). */
  tty: boolean;
  streams: StreamOptions;
  signal?: AbortSignal | undefined;
  /** For error messages: "ExecStart", "ContainerAttach". */
  operation: string;
  /** Redacted endpoint, for error messages. */
  endpoint: string;
}

/**
 * Holds a hijacked connection the way the kubelet's `holdHijackedConnection` does: fires
 * `onStarted`, pipes `stdin` into the socket and half-closes its write side when `stdin`
 * ends (at once without stdin), and reads the output to its end into the writables.
 * Settles when the output ended and was processed; the socket is always destroyed
 * afterwards, and the caller's stdin unpiped (never destroyed).
 *
 * Failures reject and close the socket: the caller's abort (AbortError), a writable's or
 * stdin's error (DockerError with the cause), a systemerr frame (ServerError with the
 * daemon's message), a broken connection (ConnectionError), a bad frame (ProtocolError).
 */
export async function runHijackedSession(options: HijackedSessionOptions): Promise<void> {
  const { socket, streams, signal, operation, endpoint } = options;
  // Errors reach us through the read loop; this keeps a late one (a write to a socket the
  // daemon closed) from being an uncaught 'error' event.
  socket.on('error', ignore);
  let stopStdin: () => void = noop;
  try {
    if (signal?.aborted) throw abortError(signal, operation, endpoint);
    try {
      streams.onStarted?.();
    } catch (err) {
      // The caller's own error, as is (not a connection problem).
      throw new CallerError(err);
    }
    stopStdin = pumpStdin(streams.stdin, socket, operation);
    await copyOutput(socket, streams, options.tty, signal);
  } catch (err) {
    if (err instanceof CallerError) throw err.error;
    if (signal?.aborted) throw abortError(signal, operation, endpoint);
    throw err instanceof DockerError ? err : requestError(err, { operation, endpoint, signal });
  } finally {
    stopStdin();
    socket.destroy();
  }
}

function pumpStdin(stdin: Readable | undefined, socket: Duplex, operation: string): () => void {
  if (!stdin) {
    socket.end();
    return noop;
  }
  if (stdin.readableEnded) {
    socket.end();
    return noop;
  }
  const onEnd = (): void => {
    // Half-close: the daemon closes the process's stdin; output keeps flowing.
    if (!socket.destroyed) socket.end();
  };
  const onError = (err: unknown): void => {
    socket.destroy(new DockerError(`${operation}: stdin failed: ${err instanceof Error ? err.message : String(err)}`, { operation, cause: err }));
  };
  // The daemon closed its side (the process exited): stop writing at once, before a write
  // to the closed connection fails.
  const onSocketEnd = (): void => {
    stdin.unpipe(socket);
  };
  stdin.on('end', onEnd);
  stdin.on('error', onError);
  socket.once('end', onSocketEnd);
  stdin.pipe(socket, { end: false });
  return () => {
    stdin.unpipe(socket);
    stdin.off('end', onEnd);
    stdin.off('error', onError);
    socket.off('end', onSocketEnd);
  };
}


/** Carries an error thrown by the caller's callback through the mapping of stream errors. */
class CallerError {
  constructor(readonly error: unknown) {}
}

function noop(): void {}
function ignore(): void {}

/** The redacted endpoint of the client behind `ctx`, for error messages. */
export function endpointOf(ctx: object): string {
  try {
    const t = (ctx as { transport?: { endpoint?: unknown } }).transport;
    return typeof t?.endpoint === 'string' ? t.endpoint : 'the Docker daemon';
  } catch {
    return 'the Docker daemon';
  }
}
