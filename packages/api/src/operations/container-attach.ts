import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import { endpointOf, runHijackedSession } from '../streams/hijacked-session.js';
import type { StreamOptions } from '../streams/stream-options.js';
import { inspectContainer } from './container-inspect.js';

export interface AttachOptions {
  /** Stream what the container writes from now on. Default true. */
  stream?: boolean | undefined;
  /** Replay the container's logs first (what was written before attaching). Default false. */
  logs?: boolean | undefined;
  /** Attach stdin. Default: whether `streams.stdin` is given (the container needs OpenStdin). */
  stdin?: boolean | undefined;
  /** Attach stdout. Default: whether `streams.stdout` is given. */
  stdout?: boolean | undefined;
  /** Attach stderr. Default: whether `streams.stderr` is given. */
  stderr?: boolean | undefined;
  /** Key sequence that detaches, e.g. "ctrl-p,ctrl-q". */
  detachKeys?: string | undefined;
}

export interface AttachResult {
  /** Whether the output was treated as raw terminal output (the container has a TTY). */
  tty: boolean;
}

/**
 * POST /containers/{id}/attach, hijacked: stdin is piped in (its end half-closes the write
 * side; with `StdinOnce` the container's stdin then closes), output is read until the
 * daemon closes the stream (the container stopped, or detached). Multiplexed unless the
 * container has a TTY (its Config.Tty, inspected when `streams.rawTerminal` is absent).
 */
export async function attachToContainer(
  ctx: ClientContext,
  id: string,
  options: AttachOptions,
  streams: StreamOptions,
  call: CallOptions = {},
): Promise<AttachResult> {
  const tty = streams.rawTerminal ?? (await inspectContainer(ctx, id, {}, call)).Config?.Tty === true;
  const { session } = await openAttach(ctx, id, options, streams, tty, call);
  await session;
  return { tty };
}

/**
 * Sends the attach and resolves once the daemon answered (the connection is hijacked): from
 * then on the container's output reaches `streams` (run() starts the container only then).
 * `session` settles as attachToContainer does.
 */
export async function openAttach(
  ctx: ClientContext,
  id: string,
  options: AttachOptions,
  streams: StreamOptions,
  tty: boolean,
  call: CallOptions = {},
): Promise<{ session: Promise<void> }> {
  const res = await ctx.call(
    'ContainerAttach',
    {
      path: { id },
      query: {
        stream: options.stream ?? true,
        logs: options.logs,
        stdin: options.stdin ?? streams.stdin !== undefined,
        stdout: options.stdout ?? streams.stdout !== undefined,
        stderr: options.stderr ?? streams.stderr !== undefined,
        detachKeys: options.detachKeys,
      },
    },
    call,
  );
  const session = runHijackedSession({ socket: res.socket!, tty, streams, signal: call.signal, operation: 'ContainerAttach', endpoint: endpointOf(ctx) });
  return { session };
}
