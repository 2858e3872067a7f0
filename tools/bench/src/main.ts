// npm run bench [-- --only ping,demux] [--runs 5] [--quick] [--write] [--keep]
// dockline vs dockerode vs raw undici against the private engine of tools/engine.
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient } from '@dockline/api';
import { ensureEngine } from '@dockline/tool-engine';
import { removeFixtures } from './fixtures.ts';
import { describeMachine, finishMachine, machineLines } from './machine.ts';
import { printReport, writeBenchmarks } from './report.ts';
import { WORKLOADS } from './workloads.ts';
import type { BenchContext, WorkloadReport } from './workload.ts';

const HELP = `usage: npm run bench -- [options]

dockline vs dockerode vs raw undici against the private engine of tools/engine
(started when not running). Medians of --runs interleaved runs; client CPU from
process.cpuUsage() as well as wall time.

  --only a,b      workloads to run (default all): ${WORKLOADS.map((w) => w.id).join(', ')}
  --runs N        measured runs per subject (default 5, --quick 3)
  --quick         small sizes: the whole suite in a minute or two (noisier)
  --write         write the results into BENCHMARKS.md (per-workload sections)
  --keep          keep the fixture containers (500 containers, logs, exec) for the next run
  --engine-dir D  state dir of the engine (default: tools/engine's, /tmp/dockline-engine)
  --help`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      runs: { type: 'string' },
      quick: { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      'engine-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const ids = values.only ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : WORKLOADS.map((w) => w.id);
  const unknown = ids.filter((id) => !WORKLOADS.some((w) => w.id === id));
  if (unknown.length > 0) {
    console.error(`unknown workload(s): ${unknown.join(', ')}; known: ${WORKLOADS.map((w) => w.id).join(', ')}`);
    return 2;
  }
  const runs = values.runs ? Number(values.runs) : values.quick ? 3 : 5;
  if (!Number.isInteger(runs) || runs < 1) {
    console.error(`--runs needs a positive integer, got ${values.runs}`);
    return 2;
  }
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  const engine = await ensureEngine({ stateDir: values['engine-dir'], log: (l) => log(`[engine] ${l}`) });
  const admin = createClient({ host: `unix://${engine.socketPath}` });
  const workDir = '/tmp/dockline-bench';
  await mkdir(workDir, { recursive: true });
  const ctx: BenchContext = { engine, quick: values.quick, runs, keep: values.keep, admin, workDir, log };
  const machine = await describeMachine(admin, engine.dockerd.storageDriver);
  console.log(machineLines(machine).join('\n'));
  const reports: WorkloadReport[] = [];
  let failed = false;
  try {
    for (const w of WORKLOADS.filter((w) => ids.includes(w.id))) {
      log(`\n--- ${w.id}: ${w.title}`);
      const t0 = Date.now();
      try {
        const report = await w.run(ctx);
        reports.push(report);
        console.log(printReport(report));
        log(`--- ${w.id} took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      } catch (err) {
        failed = true;
        console.error(`workload ${w.id} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      }
    }
  } finally {
    if (!values.keep) await removeFixtures(ctx);
    finishMachine(machine);
  }
  if (values.write) {
    const path = fileURLToPath(new URL('../../../BENCHMARKS.md', import.meta.url));
    const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
    await writeBenchmarks(path, reports, { quick: values.quick, runs, command }, machine, WORKLOADS.map((w) => w.id));
    log(`wrote ${path}`);
  }
  await admin.close();
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    // Lingering keep-alive sockets or timers of the clients under test must not hold the run open.
    process.exit(code);
  },
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
