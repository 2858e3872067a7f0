/**
 * The full fuzz run: every target of targets.ts, `--runs` generated inputs in all (default
 * 1,000,000), shared out by weight, in batches of fresh seeds. Between batches the heap is
 * measured after a forced GC, so growth without bound shows; at the end it prints one line
 * per target and a summary (inputs, time, max RSS, heap), and exits 1 on a counterexample or
 * on heap growth.
 *
 *   node --expose-gc --conditions=@dockline/source --import tsx tools/testkit/src/fuzz/main.ts --runs 1000000 [--seed N] [--json]
 */
import { fuzzTargets } from './targets.ts';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? undefined : args[i + 1];
};
const totalRuns = Number(flag('runs') ?? 1_000_000);
const baseSeed = Number(flag('seed') ?? Date.now() % 2 ** 31);
const asJson = args.includes('--json');
const BATCH = 5000;
/** Heap growth (after GC, end vs. after the first batch) that counts as unbounded. */
const MAX_HEAP_GROWTH = 32 * 1024 * 1024;

if (!Number.isInteger(totalRuns) || totalRuns < 1) throw new Error(`--runs must be a positive integer, got ${flag('runs')}`);

const gc = (globalThis as { gc?: () => void }).gc;
const heap = (): number => {
  gc?.();
  return process.memoryUsage().heapUsed;
};
const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;

const targets = fuzzTargets();
const weights = targets.reduce((n, t) => n + t.weight, 0);
const results: Array<{ target: string; runs: number; ms: number; perSecond: number }> = [];
let failure: unknown;
const start = performance.now();
let heapAfterWarmup: number | undefined;
let heapMax = 0;
let done = 0;

try {
  for (const [i, t] of targets.entries()) {
    // The last target takes the rounding rest, so the total is exact.
    const runs = i === targets.length - 1 ? totalRuns - done : Math.round((totalRuns * t.weight) / weights);
    const t0 = performance.now();
    for (let left = runs, batch = 0; left > 0; left -= BATCH, batch++) {
      const n = Math.min(BATCH, left);
      const seed = (baseSeed + i * 1_000_003 + batch * 7919) % 2 ** 31;
      try {
        await t.check(n, seed);
      } catch (err) {
        failure = err;
        console.error(`\ncounterexample in "${t.name}" (seed ${seed}, batch of ${n}):\n${err instanceof Error ? err.message : String(err)}`);
        break;
      }
      done += n;
      const h = heap();
      heapAfterWarmup ??= h;
      heapMax = Math.max(heapMax, h);
      if (!asJson) process.stderr.write(`\r${done.toLocaleString('en')} / ${totalRuns.toLocaleString('en')} inputs`);
    }
    const ms = performance.now() - t0;
    results.push({ target: t.name, runs, ms: Math.round(ms), perSecond: Math.round((runs / ms) * 1000) });
    await t.cleanup?.();
    if (failure) break;
  }
} finally {
  for (const t of targets) await t.cleanup?.();
}

const totalMs = Math.round(performance.now() - start);
const heapEnd = heap();
const growth = heapAfterWarmup === undefined ? 0 : heapEnd - heapAfterWarmup;
const summary = {
  inputs: done,
  requested: totalRuns,
  seed: baseSeed,
  seconds: Math.round(totalMs / 100) / 10,
  maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  heapAfterFirstBatchMiB: heapAfterWarmup === undefined ? undefined : Math.round((heapAfterWarmup / 1024 / 1024) * 10) / 10,
  heapMaxMiB: Math.round((heapMax / 1024 / 1024) * 10) / 10,
  heapEndMiB: Math.round((heapEnd / 1024 / 1024) * 10) / 10,
  gcExposed: gc !== undefined,
  node: process.version,
  failed: failure !== undefined,
  heapGrowthOk: growth < MAX_HEAP_GROWTH,
};

if (asJson) console.log(JSON.stringify({ summary, targets: results }, null, 2));
else {
  process.stderr.write('\n');
  for (const r of results) console.log(`${String(r.runs).padStart(9)} inputs  ${String(r.ms).padStart(7)} ms  ${String(r.perSecond).padStart(7)}/s  ${r.target}`);
  console.log(
    `\n${done.toLocaleString('en')} inputs in ${summary.seconds} s (seed ${baseSeed}); max RSS ${summary.maxRssMiB} MiB; ` +
      `heap after GC: ${mib(heapAfterWarmup ?? 0)} after the first batch, ${mib(heapMax)} at most, ${mib(heapEnd)} at the end` +
      (gc ? '' : ' (run node with --expose-gc for exact heap figures)'),
  );
}
if (failure !== undefined || !summary.heapGrowthOk) {
  if (!summary.heapGrowthOk) console.error(`heap grew by ${mib(growth)} over the run: more than ${mib(MAX_HEAP_GROWTH)}`);
  process.exitCode = 1;
}
