// Shared measurement helpers: one timed batch (wall + client CPU), medians over runs,
// ratios, and the tables printed to the terminal and written to BENCHMARKS.md.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** One timed batch of work. */
export interface Sample {
  wallMs: number;
  /** user + system CPU of this whole process (all threads: GC, libuv pool) during the batch. */
  cpuMs: number;
  /** Operations done in the batch (requests, round trips, frames...). */
  ops: number;
  /** Payload bytes moved in the batch, when that is what counts. */
  bytes: number;
}

/** What a batch reports back to the timer. */
export interface BatchResult {
  ops: number;
  bytes?: number;
}

/** One contender of a comparison: a client library, or a variant of one. */
export interface Subject {
  name: string;
  /** Runs before each measured batch, outside the timed window (e.g. register an SDK). */
  enter?: () => void | Promise<void>;
  /** Runs after each measured batch, outside the timed window. */
  leave?: () => void | Promise<void>;
  /** Untimed warm-up before the first measured batch (JIT, connections, version negotiation). */
  warmup?: () => Promise<void>;
  /** The measured batch. */
  batch: () => Promise<BatchResult>;
}

export type Samples = Map<string, Sample[]>;

let gcFn: (() => void) | null | undefined;

/**
 * A full GC before each timed window, so one subject's garbage is not billed to the next.
 * `--expose-gc` cannot be passed through `npm run bench`, so the flag is set at run time and
 * the function is fetched from a fresh context (where V8 installs `gc` once the flag is on).
 */
export function forceGc(): void {
  if (gcFn === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gcFn = runInNewContext('gc') as () => void;
    } catch {
      gcFn = null;
    }
  }
  gcFn?.();
}

/** Times one batch: wall clock (hrtime) and the process's CPU (process.cpuUsage). */
export async function timeBatch(batch: () => Promise<BatchResult>): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const r = await batch();
  const t1 = process.hrtime.bigint();
  const cpu = process.cpuUsage(cpu0);
  return {
    wallMs: Number(t1 - t0) / 1e6,
    cpuMs: (cpu.user + cpu.system) / 1000,
    ops: r.ops,
    bytes: r.bytes ?? 0,
  };
}

export interface CompareOptions {
  runs: number;
  /** Progress line per batch. */
  log?: (line: string) => void;
}

/**
 * Runs every subject `runs` times, interleaved (run r starts with subject r mod n), so a slow
 * spell of the shared machine or daemon hits every subject rather than one.
 */
export async function compare(subjects: readonly Subject[], options: CompareOptions): Promise<Samples> {
  const out: Samples = new Map(subjects.map((s) => [s.name, []]));
  for (const s of subjects) {
    if (s.warmup) {
      await s.enter?.();
      try {
        await s.warmup();
      } finally {
        await s.leave?.();
      }
    }
  }
  for (let r = 0; r < options.runs; r++) {
    for (let i = 0; i < subjects.length; i++) {
      const s = subjects[(i + r) % subjects.length]!;
      await s.enter?.();
      let sample: Sample;
      try {
        forceGc();
        sample = await timeBatch(s.batch);
      } finally {
        await s.leave?.();
      }
      out.get(s.name)!.push(sample);
      options.log?.(
        `  run ${r + 1}/${options.runs} ${s.name}: ${fmt(sample.wallMs, 0)} ms wall, ${fmt(sample.cpuMs, 0)} ms CPU, ${sample.ops} ops`,
      );
    }
  }
  return out;
}

/** Median; the mean of the two middle values for an even count. NaN for none. */
export function median(values: readonly number[]): number {
  const xs = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (xs.length === 0) return Number.NaN;
  const mid = xs.length >> 1;
  return xs.length % 2 === 1 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
}

/** `min–max` of a per-run statistic: how far apart the runs were. */
export function spread(samples: readonly Sample[], stat: (s: Sample) => number, decimals = 0): string {
  const xs = samples.map(stat).filter((v) => Number.isFinite(v));
  if (xs.length === 0) return 'n/a';
  return `${fmt(Math.min(...xs), decimals)}–${fmt(Math.max(...xs), decimals)}`;
}

/** Median of a per-sample statistic: each run is reduced first, then the runs. */
export function medianOf(samples: readonly Sample[], stat: (s: Sample) => number): number {
  return median(samples.map(stat));
}

export const perSecond = (s: Sample): number => (s.ops * 1000) / s.wallMs;
export const cpuUsPerOp = (s: Sample): number => (s.cpuMs * 1000) / s.ops;
export const wallUsPerOp = (s: Sample): number => (s.wallMs * 1000) / s.ops;
export const mibPerSecond = (s: Sample): number => s.bytes / MiB / (s.wallMs / 1000);
/** CPU seconds per GiB of payload: what a client costs per byte, whatever the daemon's pace. */
export const cpuSecondsPerGiB = (s: Sample): number => s.cpuMs / 1000 / (s.bytes / GiB);

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** a / b; NaN when either is not a positive finite number. */
export function ratio(a: number, b: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b <= 0 || a < 0) return Number.NaN;
  return a / b;
}

/** `1.23x`, `0.045x`, `152x`: three significant digits, at most three decimals; `n/a` for NaN. */
export function formatRatio(r: number): string {
  if (!Number.isFinite(r)) return 'n/a';
  if (r >= 100) return `${Math.round(r)}x`;
  if (r >= 10) return `${r.toFixed(1)}x`;
  if (r >= 1) return `${r.toFixed(2)}x`;
  return `${Number(r.toPrecision(2)).toFixed(Math.min(3, Math.max(2, 1 - Math.floor(Math.log10(r)))))}x`;
}

/** A number with thousands separators and a fixed number of decimals; `n/a` for NaN. */
export function fmt(n: number, decimals = 1): string {
  if (!Number.isFinite(n)) return 'n/a';
  return n.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** Bytes as `37 B`, `32 MiB`, `1 GiB`. */
export function formatBytes(n: number): string {
  if (n >= GiB && n % GiB === 0) return `${n / GiB} GiB`;
  if (n >= MiB) return `${fmt(n / MiB, n % MiB === 0 ? 0 : 1)} MiB`;
  if (n >= 1024) return `${fmt(n / 1024, n % 1024 === 0 ? 0 : 1)} KiB`;
  return `${n} B`;
}

export type Align = 'left' | 'right';

export interface Table {
  headers: string[];
  rows: string[][];
  /** Per column; default: the first left, the others right. */
  align?: Align[];
}

/** A plain-text table for the terminal. */
export function textTable(t: Table): string {
  const widths = t.headers.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (alignOf(t, i) === 'left' ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(t.headers), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line)].join('\n');
}

/** A GitHub-flavoured Markdown table. */
export function markdownTable(t: Table): string {
  const esc = (c: string): string => c.replace(/\|/g, '\\|');
  const sep = t.headers.map((_, i) => (alignOf(t, i) === 'left' ? '---' : '---:'));
  return [t.headers, sep, ...t.rows].map((r) => `| ${r.map(esc).join(' | ')} |`).join('\n');
}

function alignOf(t: Table, i: number): Align {
  return t.align?.[i] ?? (i === 0 ? 'left' : 'right');
}

/** One target of the issue, checked against a ratio measured in the same run. */
export interface Check {
  /** e.g. "ping sequential: throughput >= 0.95x raw undici" */
  target: string;
  /** What was measured, e.g. "0.98x". */
  measured: string;
  /** true met, false missed, null not checkable (report-only or a subject failed). */
  met: boolean | null;
}

/** `value` compared with a bound; NaN is unknown (null). */
export function check(target: string, value: number, op: '>=' | '<=' | '<', bound: number, measured = formatRatio(value)): Check {
  let met: boolean | null;
  if (!Number.isFinite(value)) met = null;
  else if (op === '>=') met = value >= bound;
  else if (op === '<=') met = value <= bound;
  else met = value < bound;
  return { target, measured, met };
}

export function verdict(c: Check): string {
  return c.met === null ? 'n/a' : c.met ? 'met' : 'MISSED';
}
