import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import { copyOutput } from '../streams/output.js';
import type { StreamOptions } from '../streams/stream-options.js';
import { isMultiplexed } from '../streams/multiplexed.js';
import { unixTime } from './unix-time.js';

export interface LogsOptions {
  /** Keep streaming until the container exits (or the call is aborted). */
  follow?: boolean | undefined;
  /** Include stdout. Default true. */
  stdout?: boolean | undefined;
  /** Include stderr. Default true. */
  stderr?: boolean | undefined;
  /** Only lines after this time: a Date, or Unix seconds (fractions allowed). */
  since?: Date | number | undefined;
  /** Only lines before this time: a Date, or Unix seconds (fractions allowed). */
  until?: Date | number | undefined;
  /** Prefix every line with its RFC3339Nano timestamp. */
  timestamps?: boolean | undefined;
  /** Only the last N lines ('all': everything, the default). */
  tail?: number | 'all' | undefined;
}

export interface LogsResult {
  /** Whether the output was treated as raw terminal output (copied untouched to stdout). */
  tty: boolean;
}

/**
 * GET /containers/{id}/logs into `streams.stdout` / `streams.stderr`: demultiplexed with
 * backpressure, or, for a container with a TTY, copied raw to stdout. Settles when the log
 * stream ends (with `follow`, when the container exits) and the writables processed
 * everything. Without `streams.rawTerminal`, whether the container has a TTY is read from the
 * answer itself (its Content-Type, else its first bytes: streams/multiplexed.ts), with no
 * second request.
 */
export async function logs(ctx: ClientContext, id: string, options: LogsOptions, streams: StreamOptions, call: CallOptions = {}): Promise<LogsResult> {
  const res = await ctx.call(
    'ContainerLogs',
    {
      path: { id },
      query: {
        follow: options.follow,
        stdout: options.stdout ?? true,
        stderr: options.stderr ?? true,
        since: unixTime(options.since, 'logs', 'since'),
        until: unixTime(options.until, 'logs', 'until'),
        timestamps: options.timestamps,
        tail: options.tail,
      },
    },
    call,
    // Without follow the stream is finite: the call's deadline covers all of it.
    { longRunning: options.follow === true },
  );
  const stream = res.stream!;
  let tty: boolean;
  try {
    tty = streams.rawTerminal ?? !(await isMultiplexed(res, stream));
  } catch (err) {
    stream.destroy();
    throw err;
  }
  streams.onStarted?.();
  await copyOutput(stream, streams, tty, call.signal);
  return { tty };
}
