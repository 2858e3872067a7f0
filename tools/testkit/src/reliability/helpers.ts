// Shared by the reliability suites (fault matrix, restart, leak, secrets).
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { createClient, type DockerClient } from '@dockline/api';

/** Every container and image these suites create carries this label or name prefix; only they remove them. */
export const LABEL = { 'dockline.test': 'reliability' } as const;

export function uniqueName(what: string): string {
  return `dockline-rel-${what}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** A client the way users make one, on a DOCKER_HOST value, ignoring this process's DOCKER_* variables. */
export function clientFor(host: string): DockerClient {
  return createClient({ host, env: {} });
}

export { Collector } from '@dockline/tool-testkit';

/** `data` in pieces of `size` bytes, a few ms apart (a stdin that arrives over time). */
export function trickle(data: Buffer, size: number, gapMs = 2): Readable {
  return Readable.from(
    (async function* () {
      for (let i = 0; i < data.length; i += size) {
        yield data.subarray(i, i + size);
        await new Promise((r) => setTimeout(r, gapMs));
      }
    })(),
    { objectMode: false },
  );
}

/**
 * The container the stream tests read: prints `line-1`, `line-2`... every 20 ms to stdout
 * (and every tenth line to stderr too), exits at once on SIGTERM.
 */
export const TICKER_CMD = ['sh', '-c', 'trap "exit 0" TERM; i=0; while true; do i=$((i+1)); echo line-$i; [ $((i % 10)) -eq 0 ] && echo err-$i >&2; sleep 0.02; done'];

/**
 * Checks that `text` is a run of consecutive `line-N` lines (none lost, none invented),
 * allowing an incomplete last line. Returns how many complete lines there were.
 */
export function consecutiveLines(text: string, prefix = 'line-'): number {
  const lines = text.split('\n');
  lines.pop(); // after the last "\n": '' or a partial line
  let prev: number | undefined;
  for (const l of lines) {
    if (!l.startsWith(prefix)) throw new Error(`not a ${prefix}N line: ${JSON.stringify(l.slice(0, 80))}`);
    const n = Number(l.slice(prefix.length));
    if (!Number.isInteger(n)) throw new Error(`bad line ${JSON.stringify(l.slice(0, 80))}`);
    if (prev !== undefined && n !== prev + 1) throw new Error(`line-${prev} followed by line-${n}: lines lost or repeated`);
    prev = n;
  }
  return lines.length;
}

export interface ProcessFaults {
  /** Unhandled rejections and uncaught exceptions seen since install(). */
  readonly seen: Array<{ kind: 'unhandledRejection' | 'uncaughtException'; error: unknown }>;
  uninstall(): void;
}

/**
 * Collects what would crash a user's process: unhandled rejections and uncaught exceptions
 * (an 'error' event without a listener is one). Vitest reports them too, but only at the
 * end of the run and without saying which test caused them.
 */
export function watchProcessFaults(): ProcessFaults {
  const seen: ProcessFaults['seen'] = [];
  const onRejection = (error: unknown) => seen.push({ kind: 'unhandledRejection', error });
  const onException = (error: unknown) => seen.push({ kind: 'uncaughtException', error });
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    seen,
    uninstall() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

export type Outcome<T> =
  | { kind: 'ok'; value: T; ms: number }
  | { kind: 'error'; error: unknown; ms: number }
  | { kind: 'hung'; ms: number };

/** Runs `fn` with a hard bound: 'hung' when it has not settled after `boundMs`. */
export async function bounded<T>(fn: () => Promise<T>, boundMs: number): Promise<Outcome<T>> {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), boundMs);
  });
  const run = fn().then(
    (value) => ({ kind: 'ok' as const, value }),
    (error: unknown) => ({ kind: 'error' as const, error }),
  );
  const r = await Promise.race([run, hung]);
  clearTimeout(timer);
  const ms = Math.round(performance.now() - start);
  return r === 'hung' ? { kind: 'hung', ms } : { ...r, ms };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The error's class name and message, for assertion messages. */
export function describeOutcome(o: Outcome<unknown>): string {
  if (o.kind === 'ok') return `ok in ${o.ms} ms`;
  if (o.kind === 'hung') return `still pending after ${o.ms} ms`;
  const e = o.error as Error;
  return `${e?.name ?? typeof e}: ${String(e?.message).slice(0, 300)} (${o.ms} ms)`;
}
