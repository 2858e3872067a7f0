// A text waterfall of finished spans: the tree (parent -> children, by start time), each
// span's start offset from the first one, a bar placed on a shared time axis, its duration,
// and the status code or error of HTTP attempts.
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { fit } from './width.ts';

export interface WaterfallOptions {
  /** Total columns of a line; longer ones are cut with an ellipsis. Default 80. */
  width?: number;
  /** Columns of the time axis. Default: what `width` leaves (20 at 80 columns, at most 40). */
  barWidth?: number;
  /** Width of the name column (tree included). Default: 36 at 80 columns, 23 at 60 (12 to 46). */
  nameWidth?: number;
}

/** start (7) + 2 + bar + 2 + duration (7) + a short outcome ("  200": 5) around the name column. */
const FIXED_COLUMNS = 1 + 7 + 2 + 2 + 7 + 5;

const toMs = ([s, ns]: [number, number]): number => s * 1000 + ns / 1e6;

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

/** What follows a span's duration: `200`, `404 NotFoundError`... for attempts; the error for operations. */
function outcome(span: ReadableSpan): string {
  const status = span.attributes['http.response.status_code'];
  const errorType = span.attributes['error.type'];
  const parts: string[] = [];
  if (status !== undefined) parts.push(String(status));
  if (errorType !== undefined && String(errorType) !== String(status)) parts.push(String(errorType));
  if (span.status.code === 2 && parts.length === 0) parts.push('error'); // SpanStatusCode.ERROR
  return parts.join(' ');
}

export function renderWaterfall(spans: readonly ReadableSpan[], options: WaterfallOptions = {}): string[] {
  if (spans.length === 0) return ['(no spans recorded)'];
  const width = options.width ?? 80;
  // About a third of what the fixed columns leave goes to the bar, the rest to the names
  // (36 + 20 at 80 columns, 23 + 13 at 60, the old 46 + 40 from 110 up).
  const clamp = (n: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, n));
  const spare = width - FIXED_COLUMNS;
  const nameWidth = options.nameWidth ?? clamp(spare - clamp(Math.round(spare * 0.35), 8, 40), 12, 46);
  const barWidth = options.barWidth ?? clamp(spare - nameWidth, 8, 40);
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  const children = new Map<string | undefined, ReadableSpan[]>();
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId;
    // A span whose parent was not recorded (or is remote) is a root here.
    const key = parent !== undefined && ids.has(parent) ? parent : undefined;
    const list = children.get(key) ?? [];
    list.push(span);
    children.set(key, list);
  }
  for (const list of children.values()) list.sort((a, b) => toMs(a.startTime) - toMs(b.startTime));

  const t0 = Math.min(...spans.map((s) => toMs(s.startTime)));
  const t1 = Math.max(...spans.map((s) => toMs(s.endTime)));
  const total = Math.max(t1 - t0, 0.001);

  const lines: string[] = [];
  const header = `${'span'.padEnd(nameWidth)} ${'start'.padStart(7)}  ${'0'.padEnd(barWidth - formatMs(total).length)}${formatMs(total)}  ${'duration'.padStart(7)}`;
  lines.push(fit(header, width));

  const walk = (span: ReadableSpan, prefix: string, last: boolean, depth: number): void => {
    const branch = depth === 0 ? '' : last ? '└─ ' : '├─ ';
    let name = `${prefix}${branch}${span.name}`;
    if (name.length > nameWidth) name = `${name.slice(0, nameWidth - 1)}…`;
    const start = toMs(span.startTime) - t0;
    const duration = toMs(span.endTime) - toMs(span.startTime);
    const from = Math.min(barWidth - 1, Math.floor((start / total) * barWidth));
    const to = Math.max(from + 1, Math.min(barWidth, Math.round(((start + duration) / total) * barWidth)));
    const bar = ' '.repeat(from) + '█'.repeat(to - from) + ' '.repeat(barWidth - to);
    const tail = outcome(span);
    lines.push(fit(`${name.padEnd(nameWidth)} ${formatMs(start).padStart(7)}  ${bar}  ${formatMs(duration).padStart(7)}${tail ? `  ${tail}` : ''}`, width));
    const kids = children.get(span.spanContext().spanId) ?? [];
    const childPrefix = depth === 0 ? '' : `${prefix}${last ? '   ' : '│  '}`;
    kids.forEach((kid, i) => walk(kid, childPrefix, i === kids.length - 1, depth + 1));
  };
  const roots = children.get(undefined) ?? [];
  roots.forEach((root, i) => walk(root, '', i === roots.length - 1, 0));
  return lines;
}
