import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import { copyOutput } from '../streams/output.js';
import type { StreamOptions } from '../streams/stream-options.js';
import { inspectContainer } from './container-inspect.js';

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

/** Unix seconds with nanoseconds, the form the daemon parses ("1700000000.123000000"). */
export function timestamp(t: Date | number | undefined): string | number | undefined {
  if (t === undefined) return undefined;
  if (t instanceof Date) {
    const ms = t.getTime();
    if (Number.isNaN(ms)) throw new TypeError('dockline: logs since/until is an invalid Date');
    const s = Math.floor(ms / 1000);
    return `${s}.${String((ms - s * 1000) * 1_000_000).padStart(9, '0')}`;
  }
  return t;
}

/**
 * GET /containers/{id}/logs into `streams.stdout` / `streams.stderr`: demultiplexed with
 * backpressure, or, for a container with a TTY, copied raw to stdout. Settles when the log
 * stream ends (with `follow`, when the container exits) and the writables processed
 * everything. Without `streams.rawTerminal`, the container is inspected first to learn
 * whether it has a TTY.
 */
export async function logs(ctx: ClientContext, id: string, options: LogsOptions, streams: StreamOptions, call: CallOptions = {}): Promise<LogsResult> {
  const tty = streams.rawTerminal ?? (await inspectContainer(ctx, id, {}, call)).Config?.Tty === true;
  const res = await ctx.call(
    'ContainerLogs',
    {
      path: { id },
      query: {
        follow: options.follow,
        stdout: options.stdout ?? true,
        stderr: options.stderr ?? true,
        since: timestamp(options.since),
        until: timestamp(options.until),
        timestamps: options.timestamps,
        tail: options.tail,
      },
    },
    call,
  );
  const stream = res.stream!;
  streams.onStarted?.();
  await copyOutput(stream, streams, tty, call.signal);
  return { tty };
}
