// Exec round trip: create an exec of `cat` with stdin, start it hijacked, send a line, read
// it back demultiplexed, then inspect its exit code.
import { once } from 'node:events';
import { Readable, type Duplex } from 'node:stream';
import type { DockerClient } from '@dockline/api';
import type Dockerode from 'dockerode';
import type { Pool } from 'undici';
import { dockerode, docklineDefault, RAW_API_VERSION, undiciPool } from './clients.ts';
import { modemDemux, naiveDemux } from './demux.ts';
import { ensureExecContainer } from './fixtures.ts';
import { compare, cpuUsPerOp, fmt, formatRatio, medianOf, ratio, spread, wallUsPerOp, type Samples, type Subject } from './measure.ts';
import { runConcurrent } from './ping.ts';
import { CountingSink } from './sinks.ts';
import type { BenchContext, ReportTable, Workload, WorkloadReport } from './workload.ts';

const DOCKLINE = 'dockline';
const DOCKERODE = 'dockerode';
const RAW = 'undici (raw)';

const PAYLOAD = Buffer.from('hello from the bench\n');
const EXEC_CONFIG = { Cmd: ['cat'], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false };

function expectRoundTrip(sink: CountingSink, exitCode: number | null | undefined): void {
  if (sink.bytes !== PAYLOAD.length) throw new Error(`exec echoed ${sink.bytes} bytes, expected ${PAYLOAD.length}`);
  if (exitCode !== 0) throw new Error(`exec exited ${String(exitCode)}`);
}

function table(samples: Samples): ReportTable {
  const dr = samples.get(DOCKERODE)!;
  const drLat = medianOf(dr, wallUsPerOp);
  const drCpu = medianOf(dr, cpuUsPerOp);
  return {
    headers: ['client', 'latency ms', 'runs (min–max)', 'vs dockerode', 'CPU µs/round trip', 'CPU vs dockerode'],
    rows: [...samples].map(([name, s]) => {
      const lat = medianOf(s, wallUsPerOp);
      const cpu = medianOf(s, cpuUsPerOp);
      return [name, fmt(lat / 1000, 2), spread(s, (x) => wallUsPerOp(x) / 1000, 1), formatRatio(ratio(lat, drLat)), fmt(cpu, 0), formatRatio(ratio(cpu, drCpu))];
    }),
  };
}

export const execWorkload: Workload = {
  id: 'exec',
  title: 'Exec round trip',
  async run(ctx: BenchContext): Promise<WorkloadReport> {
    const containerId = await ensureExecContainer(ctx);
    const socketPath = ctx.engine.socketPath;
    const dl: DockerClient = docklineDefault(socketPath);
    const dr: Dockerode = dockerode(socketPath);
    const pool: Pool = undiciPool(socketPath);
    const container = dr.getContainer(containerId);

    const ops: Record<string, () => Promise<void>> = {
      [DOCKLINE]: async () => {
        const sink = new CountingSink();
        const { Id } = await dl.createExec(containerId, EXEC_CONFIG);
        // tty: false — the caller created the exec without a TTY (else startExec inspects it first).
        await dl.startExec(Id, { tty: false }, { stdin: Readable.from([PAYLOAD]), stdout: sink, stderr: sink });
        expectRoundTrip(sink, (await dl.inspectExec(Id)).ExitCode);
      },
      [DOCKERODE]: async () => {
        const sink = new CountingSink();
        const exec = await container.exec(EXEC_CONFIG);
        const stream = (await exec.start({ hijack: true, stdin: true })) as Duplex;
        const done = modemDemux(dr.modem, stream, sink, sink);
        stream.end(PAYLOAD);
        await done;
        expectRoundTrip(sink, (await exec.inspect()).ExitCode);
      },
      [RAW]: async () => {
        const sink = new CountingSink();
        const created = await pool.request({
          method: 'POST',
          path: `/${RAW_API_VERSION}/containers/${containerId}/exec`,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(EXEC_CONFIG),
        });
        const { Id } = (await created.body.json()) as { Id: string };
        // undici's typings leave `body` out of UpgradeOptions; the dispatcher sends it.
        const { socket } = (await pool.upgrade({
          method: 'POST',
          path: `/${RAW_API_VERSION}/exec/${Id}/start`,
          protocol: 'tcp',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ Detach: false, Tty: false }),
        } as Parameters<Pool['upgrade']>[0])) as { socket: Duplex };
        const done = naiveDemux(socket as AsyncIterable<Buffer>, sink, sink);
        socket.end(PAYLOAD);
        await done;
        if (!socket.destroyed) {
          socket.destroy();
          await once(socket, 'close');
        }
        const inspected = await pool.request({ method: 'GET', path: `/${RAW_API_VERSION}/exec/${Id}/json` });
        expectRoundTrip(sink, ((await inspected.body.json()) as { ExitCode: number | null }).ExitCode);
      },
    };
    const n = ctx.quick ? 8 : 60;
    const subjects: Subject[] = Object.entries(ops).map(([name, op]) => ({
      name,
      warmup: () => runConcurrent(op, 3, 1),
      batch: async () => {
        await runConcurrent(op, n, 1);
        return { ops: n };
      },
    }));
    try {
      ctx.log(`exec: ${n} sequential round trips per batch`);
      const samples = await compare(subjects, { runs: ctx.runs, log: ctx.log });
      const lat = (name: string): number => medianOf(samples.get(name)!, wallUsPerOp);
      return {
        id: 'exec',
        title: 'Exec round trip',
        setup:
          `Against a running busybox container: create an exec of \`cat\` with stdin, stdout and stderr attached (no TTY), ` +
          `start it hijacked, write one ${PAYLOAD.length}-byte line and half-close stdin, read the echo to its end ` +
          `(demultiplexed), then inspect the exec and check ExitCode 0. ${n} sequential round trips per batch; latency is ` +
          `the batch's wall time per round trip. dockline passes \`{ tty: false }\` to startExec (without it, startExec ` +
          `inspects the exec first to learn whether it has a TTY). Raw undici uses pool.upgrade() and a hand-written demuxer.`,
        tables: [table(samples)],
        checks: [{ target: 'exec round trip: latency vs dockerode (report)', measured: formatRatio(ratio(lat(DOCKLINE), lat(DOCKERODE))), met: null }],
        notes: [],
      };
    } finally {
      await Promise.all([dl.close(), pool.close()]);
    }
  },
};
