// Inspect and list with 500 containers present: JSON bodies of a few KiB (inspect) and of
// about 0.5 MiB (the list), parsed by each client.
import type { DockerClient } from '@dockline/api';
import type Dockerode from 'dockerode';
import type { Pool } from 'undici';
import { dockerode, docklineDefault, RAW_API_VERSION, undiciPool } from './clients.ts';
import { ensureListContainers, LIST_FILTER } from './fixtures.ts';
import { check, compare, cpuUsPerOp, fmt, formatRatio, medianOf, perSecond, ratio, spread, type Samples, type Subject } from './measure.ts';
import { runConcurrent } from './ping.ts';
import type { BenchContext, ReportTable, Workload, WorkloadReport } from './workload.ts';

const DOCKLINE = 'dockline';
const DOCKERODE = 'dockerode';
const RAW = 'undici (raw)';

interface Op {
  dl: () => Promise<unknown>;
  dr: () => Promise<unknown>;
  raw: () => Promise<unknown>;
}

function subjects(op: Op, n: number, check: (v: unknown) => void): Subject[] {
  const mk = (name: string, fn: () => Promise<unknown>): Subject => ({
    name,
    warmup: () => runConcurrent(async () => check(await fn()), Math.min(n, 20), 1),
    batch: async () => {
      await runConcurrent(fn, n, 1);
      return { ops: n };
    },
  });
  return [mk(DOCKLINE, op.dl), mk(DOCKERODE, op.dr), mk(RAW, op.raw)];
}

function table(samples: Samples, caption: string, unit: string): ReportTable {
  const dr = samples.get(DOCKERODE)!;
  const drRate = medianOf(dr, perSecond);
  const drCpu = medianOf(dr, cpuUsPerOp);
  return {
    caption,
    headers: ['client', `${unit}/s`, 'runs (min–max)', 'vs dockerode', `CPU µs/${unit}`, 'CPU vs dockerode'],
    rows: [...samples].map(([name, s]) => {
      const rate = medianOf(s, perSecond);
      const cpu = medianOf(s, cpuUsPerOp);
      return [name, fmt(rate, 1), spread(s, perSecond, 1), formatRatio(ratio(rate, drRate)), fmt(cpu, 0), formatRatio(ratio(cpu, drCpu))];
    }),
  };
}

export const inspectListWorkload: Workload = {
  id: 'inspect-list',
  title: 'Inspect and list with many containers',
  async run(ctx: BenchContext): Promise<WorkloadReport> {
    // --quick: 100 containers, so that making and removing them fits in the minute.
    const count = ctx.quick ? 100 : 500;
    const ids = await ensureListContainers(ctx, count);
    const socketPath = ctx.engine.socketPath;
    const dl: DockerClient = docklineDefault(socketPath);
    const dr: Dockerode = dockerode(socketPath);
    const pool: Pool = undiciPool(socketPath);
    const filters = { label: [LIST_FILTER] };
    const filtersQuery = encodeURIComponent(JSON.stringify(filters));
    let at = 0;
    const nextId = (): string => ids[at++ % ids.length]!;
    const inspect: Op = {
      dl: () => dl.inspectContainer(nextId()),
      dr: () => dr.getContainer(nextId()).inspect(),
      raw: async () => (await pool.request({ method: 'GET', path: `/${RAW_API_VERSION}/containers/${nextId()}/json` })).body.json(),
    };
    const list: Op = {
      dl: () => dl.listContainers({ all: true, filters }),
      dr: () => dr.listContainers({ all: true, filters }),
      raw: async () =>
        (await pool.request({ method: 'GET', path: `/${RAW_API_VERSION}/containers/json?all=1&filters=${filtersQuery}` })).body.json(),
    };
    const inspectN = ctx.quick ? 300 : 1500;
    const listN = ctx.quick ? 10 : 40;
    try {
      ctx.log(`inspect-list: ${inspectN} inspects per batch`);
      const ins = await compare(
        subjects(inspect, inspectN, (v) => {
          if (typeof (v as { Id?: unknown }).Id !== 'string') throw new Error('inspect returned no Id');
        }),
        { runs: ctx.runs, log: ctx.log },
      );
      ctx.log(`inspect-list: ${listN} lists of ${count} per batch`);
      const lst = await compare(
        subjects(list, listN, (v) => {
          if (!Array.isArray(v) || v.length < count) throw new Error(`list returned ${Array.isArray(v) ? v.length : 'no'} containers, expected ${count}`);
        }),
        { runs: ctx.runs, log: ctx.log },
      );
      const rateRatio = (s: Samples): number => ratio(medianOf(s.get(DOCKLINE)!, perSecond), medianOf(s.get(DOCKERODE)!, perSecond));
      const cpuRatio = (s: Samples): number => ratio(medianOf(s.get(DOCKLINE)!, cpuUsPerOp), medianOf(s.get(DOCKERODE)!, cpuUsPerOp));
      return {
        id: 'inspect-list',
        title: `Inspect and list with ${count} containers`,
        setup:
          `${count} created (not started) containers labelled ${LIST_FILTER}. Inspect: ${inspectN} sequential GET /containers/{id}/json ` +
          `per batch, cycling through the ${count}. List: ${listN} sequential GET /containers/json?all=1 filtered on the label ` +
          `(all ${count}, about ${count} KiB of JSON) per batch. dockline with the default middleware; raw undici parses with body.json().`,
        tables: [table(ins, 'inspect', 'inspect'), table(lst, `list (${count} containers)`, 'list')],
        checks: [
          check('inspect: throughput >= dockerode', rateRatio(ins), '>=', 1),
          check(`list of ${count}: throughput >= dockerode`, rateRatio(lst), '>=', 1),
          { target: 'inspect: client CPU vs dockerode (report)', measured: formatRatio(cpuRatio(ins)), met: null },
          { target: `list of ${count}: client CPU vs dockerode (report)`, measured: formatRatio(cpuRatio(lst)), met: null },
        ],
        notes: [],
      };
    } finally {
      await Promise.all([dl.close(), pool.close()]);
    }
  },
};
