// Following the logs of many running containers at once (issue #21): what each client spends
// in CPU and memory per stream while N containers each write a line every 100 ms, and proof
// that neither lost a line.
import { fileURLToPath } from 'node:url';
import type { DockerClient } from '@dockline/api';
import { LABEL } from './fixtures.ts';
import type { FollowChildArgs, FollowChildResult } from './follow-child.ts';
import { check, fmt, formatRatio, median, ratio, type Check } from './measure.ts';
import type { BenchContext, ReportTable, Workload, WorkloadReport } from './workload.ts';
import { runJsonChild } from './child-process.ts';

const CHILD = fileURLToPath(new URL('./follow-child.ts', import.meta.url));
const FOLLOW_LABEL = 'dockline.bench.follow';
const SCRIPT = 'i=0; while :; do echo line $i; i=$((i+1)); sleep 0.1; done';

/** Follow time per measured run: DOCKLINE_BENCH_FOLLOW_SECONDS, else 20 s (5 s with --quick). */
export function followSeconds(quick: boolean, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.DOCKLINE_BENCH_FOLLOW_SECONDS;
  if (raw !== undefined && raw !== '') {
    const s = Number(raw);
    if (!(s > 0) || !Number.isFinite(s)) throw new Error(`DOCKLINE_BENCH_FOLLOW_SECONDS must be a positive number of seconds, got ${raw}`);
    return s;
  }
  return quick ? 5 : 20;
}

function runChild(args: FollowChildArgs): Promise<FollowChildResult> {
  return runJsonChild<FollowChildResult>(CHILD, args, `follow child (${args.client})`);
}

async function inParallel<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** `n` running busybox containers writing `line <i>` every 100 ms (fresh ones: their counters start at 0). */
async function startWriters(ctx: BenchContext, n: number): Promise<string[]> {
  const ids: string[] = [];
  const t0 = Date.now();
  await inParallel(
    Array.from({ length: n }, (_, i) => i),
    8,
    async () => {
      const { Id } = await ctx.admin.createContainer({
        config: { Image: ctx.engine.image, Cmd: ['sh', '-c', SCRIPT], Tty: false, Labels: { [LABEL]: 'true', [FOLLOW_LABEL]: 'true' } },
        hostConfig: { NetworkMode: 'none' },
      });
      ids.push(Id);
      await ctx.admin.startContainer(Id);
    },
  );
  ctx.log(`follow: ${n} writers started in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return ids;
}

async function removeWriters(admin: DockerClient, log: (l: string) => void): Promise<void> {
  const list = await admin.listContainers({ all: true, filters: { label: [FOLLOW_LABEL] } });
  await inParallel(list, 8, async (c) => {
    await admin.removeContainer(c.Id!, { force: true }).catch((err: unknown) => {
      log(`follow: could not remove ${c.Id}: ${err instanceof Error ? err.message : String(err)}`);
    });
  });
}

type Results = Record<'dockline' | 'dockerode' | 'bare', FollowChildResult[]>;

const LABELS: Record<keyof Results, string> = {
  dockline: 'dockline logs({ follow })',
  dockerode: 'dockerode logs + demuxStream',
  bare: 'bare sockets, read only (floor)',
};

function table(n: number, seconds: number, r: Results): ReportTable {
  const med = (c: keyof Results, f: (x: FollowChildResult) => number): number => median(r[c].map(f));
  const cpuPerStreamSecond = (x: FollowChildResult): number => (x.cpuMs * 1000) / n / seconds;
  const drCpu = med('dockerode', (x) => x.cpuMs);
  return {
    caption: `${n} streams, ${seconds} s`,
    headers: ['client', 'client CPU ms', 'CPU vs dockerode', 'CPU µs/stream/s', 'heap KiB/stream', 'RSS KiB/stream', 'lines', 'lost lines'],
    rows: (['dockline', 'dockerode', 'bare'] as const).map((c) => [
      LABELS[c],
      fmt(med(c, (x) => x.cpuMs), 0),
      formatRatio(ratio(med(c, (x) => x.cpuMs), drCpu)),
      fmt(med(c, cpuPerStreamSecond), 1),
      fmt(med(c, (x) => x.heapGrowthBytes) / 1024 / n, 1),
      fmt(med(c, (x) => x.rssGrowthBytes) / 1024 / n, 1),
      c === 'bare' ? 'n/a (reads)' : fmt(med(c, (x) => x.lines), 0),
      c === 'bare' ? 'n/a' : String(Math.max(...r[c].map((x) => x.gaps))),
    ]),
  };
}

export const followWorkload: Workload = {
  id: 'follow',
  title: 'Following the logs of many containers',
  async run(ctx: BenchContext): Promise<WorkloadReport> {
    const seconds = followSeconds(ctx.quick);
    const runs = ctx.quick ? 1 : Math.min(ctx.runs, 3);
    const tables: ReportTable[] = [];
    const checks: Check[] = [];
    const notes: string[] = [];
    try {
      for (const n of [50, 200]) {
        await removeWriters(ctx.admin, ctx.log);
        const ids = await startWriters(ctx, n);
        const results: Results = { dockline: [], dockerode: [], bare: [] };
        const order = ['dockline', 'dockerode', 'bare'] as const;
        for (let r = 0; r < runs; r++) {
          // Run r starts with subject r mod 3, as compare() does for the other workloads.
          for (const client of [...order.slice(r % 3), ...order.slice(0, r % 3)]) {
            const res = await runChild({ client, socketPath: ctx.engine.socketPath, ids, seconds });
            results[client].push(res);
            ctx.log(
              `  ${n} streams, run ${r + 1}/${runs} ${client}: ${fmt(res.cpuMs, 0)} ms CPU, heap +${fmt(res.heapGrowthBytes / 1024, 0)} KiB, ` +
                `RSS +${fmt(res.rssGrowthBytes / 1024, 0)} KiB, ${res.lines} lines on ${res.streamsWithLines}/${n} streams, ${res.gaps} lost`,
            );
            // A client that lost lines or streams would look cheap.
            if (res.gaps > 0 || res.streamsWithLines < n) {
              notes.push(`${client}, ${n} streams, run ${r + 1}: ${res.gaps} lines lost, ${n - res.streamsWithLines} streams without a line.`);
            }
          }
        }
        tables.push(table(n, seconds, results));
        const cpu = (c: keyof Results): number => median(results[c].map((x) => x.cpuMs));
        const heap = (c: keyof Results): number => median(results[c].map((x) => x.heapGrowthBytes));
        const lost = (c: keyof Results): number => Math.max(...results[c].map((x) => x.gaps + (n - x.streamsWithLines)));
        checks.push(
          // Issue #21's targets.
          check(`follow ${n} streams: client CPU <= 0.8x dockerode`, ratio(cpu('dockline'), cpu('dockerode')), '<=', 0.8),
          check(`follow ${n} streams: heap per stream <= 1.0x dockerode`, ratio(heap('dockline'), heap('dockerode')), '<=', 1),
          { target: `follow ${n} streams: floor (bare sockets) CPU vs dockerode (report)`, measured: formatRatio(ratio(cpu('bare'), cpu('dockerode'))), met: null },
          check(`follow ${n} streams: no line or stream lost (dockline, dockerode)`, Math.max(lost('dockline'), lost('dockerode')), '<=', 0, `${lost('dockline')}, ${lost('dockerode')}`),
        );
      }
    } finally {
      // Running writers load the shared daemon: removed now, --keep or not.
      await removeWriters(ctx.admin, ctx.log);
    }
    return {
      id: 'follow',
      title: 'Following the logs of many containers',
      setup:
        `N running containers (busybox, NetworkMode none) each run \`${SCRIPT}\`; each client, in a fresh process, ` +
        `follows all N (GET /containers/{id}/logs?follow=1&tail=0, demultiplexed into a Writable that parses every line) ` +
        `for ${seconds} s. Client CPU is process.cpuUsage() over the window (opening the streams included); heap is heapUsed ` +
        `after a GC with every stream open minus the baseline after a GC; RSS is the highest sample (every 100 ms) minus the ` +
        `baseline; both divided by N. Each container numbers its lines, so a lost line shows as a gap. dockline is ` +
        `logs({ follow: true, tail: 0 }, { rawTerminal: false }) with the default middleware; dockerode is container.logs() ` +
        `and modem.demuxStream(). "bare sockets" is not a client but the floor of one: a unix socket per stream that sends ` +
        `the GET and counts reads (into one shared buffer: net's onread, as dockline reads), parsing nothing (its "lines" column counts reads). ` +
        `The follow time is DOCKLINE_BENCH_FOLLOW_SECONDS (default 20 s, 5 s with --quick).`,
      tables,
      checks,
      notes,
      runs,
    };
  },
};
