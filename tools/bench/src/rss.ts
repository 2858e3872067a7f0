// Memory while streaming a lot of logs to a consumer slower than the daemon: with
// backpressure the client holds a bounded amount, whatever the length of the log.
import { fileURLToPath } from 'node:url';
import { ensureLogsContainer } from './fixtures.ts';
import { check, fmt, formatBytes, median, MiB } from './measure.ts';
import type { RssChildArgs, RssChildResult } from './rss-child.ts';
import type { BenchContext, Workload, WorkloadReport } from './workload.ts';
import { runJsonChild } from './child-process.ts';

const CHILD = fileURLToPath(new URL('./rss-child.ts', import.meta.url));

function runChild(args: RssChildArgs): Promise<RssChildResult> {
  return runJsonChild<RssChildResult>(CHILD, args, `rss child (${args.client})`);
}

export const rssWorkload: Workload = {
  id: 'rss',
  title: 'RSS while streaming logs to a slow consumer',
  async run(ctx: BenchContext): Promise<WorkloadReport> {
    const bytes = (ctx.quick ? 64 : 1024) * MiB;
    const rate = 50 * MiB;
    const runs = ctx.quick ? 1 : Math.min(ctx.runs, 3);
    const id = await ensureLogsContainer(ctx, '1mib', bytes);
    const results: Record<'dockline' | 'dockerode', RssChildResult[]> = { dockline: [], dockerode: [] };
    for (let r = 0; r < runs; r++) {
      for (const client of r % 2 === 0 ? (['dockline', 'dockerode'] as const) : (['dockerode', 'dockline'] as const)) {
        const res = await runChild({ client, socketPath: ctx.engine.socketPath, containerId: id, rate, expected: bytes });
        results[client].push(res);
        ctx.log(
          `  run ${r + 1}/${runs} ${client}: RSS ${fmt(res.baselineBytes / MiB, 0)} -> max ${fmt(res.maxBytes / MiB, 0)} MiB ` +
            `(+${fmt(res.growthBytes / MiB, 1)}), ${fmt(res.wallMs / 1000, 1)} s`,
        );
      }
    }
    const growth = (c: 'dockline' | 'dockerode'): number => median(results[c].map((x) => x.growthBytes)) / MiB;
    const rows = (['dockline', 'dockerode'] as const).map((c) => [
      c === 'dockline' ? 'dockline logs()' : 'dockerode + demuxStream',
      fmt(median(results[c].map((x) => x.baselineBytes)) / MiB, 0),
      fmt(growth(c), 1),
      fmt(median(results[c].map((x) => bytes / MiB / (x.wallMs / 1000))), 1),
    ]);
    return {
      id: 'rss',
      title: 'RSS while streaming logs to a slow consumer',
      setup:
        `${formatBytes(bytes)} of logs (1 MiB lines, which the daemon sends as 16 KiB frames) read into a Writable that ` +
        `consumes ${formatBytes(rate)}/s, each client in a fresh process; RSS (process.memoryUsage().rss) sampled every 100 ms, ` +
        `growth = max - the baseline taken after a ping and a GC.`,
      tables: [{ headers: ['client', 'baseline RSS MiB', 'max growth MiB', 'delivered MiB/s'], rows }],
      checks: [check('RSS growth streaming logs to a slow consumer < 64 MiB', growth('dockline'), '<', 64, `${fmt(growth('dockline'), 1)} MiB`)],
      notes: [],
      runs,
    };
  },
};
