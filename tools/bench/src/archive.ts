// Container archives and build contexts: bytes streamed to and from the daemon, and the
// client CPU spent doing it. The daemon (extracting, writing layers) sets most of the pace;
// client CPU per byte is what the client controls.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type { DockerClient } from '@dockline/api';
import type Dockerode from 'dockerode';
import { dockerode, docklineDefault, RAW_API_VERSION } from './clients.ts';
import { ensureExecContainer } from './fixtures.ts';
import {
  check,
  compare,
  cpuSecondsPerGiB,
  fmt,
  formatBytes,
  formatRatio,
  medianOf,
  mibPerSecond,
  MiB,
  ratio,
  spread,
  type Check,
  type Samples,
  type Subject,
} from './measure.ts';
import { CountingSink } from './sinks.ts';
import type { BenchContext, ReportTable, Workload, WorkloadReport } from './workload.ts';

const run = promisify(execFile);
const DOCKLINE = 'dockline';
const DOCKERODE = 'dockerode';
const FLOOR = 'bare socket (floor)';
const BUILD_TAG = 'dockline-bench-build:latest';
const CHUNK = MiB;

/** What bounds the CPU ratios (see BENCHMARKS.md). */
const NOTES = [
  `"${FLOOR}" is not a client: one HTTP/1.1 exchange written and read by hand on a unix socket (put: the tar with a Content-Length, written in the same 1 MiB chunks with backpressure; get: the answer's bytes counted, chunk framing included, nothing decoded). What it costs is the kernel's copy and Node's reads and writes, which every client pays; a client cannot spend less than it.`,
  "buildImage: dockerode's gzip of the context is most of its CPU; dockline sends a plain tar.",
];

/** The floor of a put: the tar sent by hand (Content-Length, 1 MiB writes with backpressure), the answer's status read. */
function barePut(socketPath: string, id: string, tar: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = netConnect(socketPath);
    let answer = '';
    s.on('error', reject);
    s.on('data', (c: Buffer) => {
      if (answer.length < 64) answer += c.toString('latin1');
    });
    s.on('end', () => (answer.startsWith('HTTP/1.1 200') ? resolve() : reject(new Error(`bare put: ${answer.split('\r\n')[0]}`))));
    s.once('connect', async () => {
      s.write(
        `PUT /${RAW_API_VERSION}/containers/${id}/archive?path=%2Ftmp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-tar\r\n` +
          `Content-Length: ${tar.length}\r\nConnection: close\r\n\r\n`,
      );
      for (let at = 0; at < tar.length; at += CHUNK) {
        if (!s.write(tar.subarray(at, Math.min(at + CHUNK, tar.length)))) await new Promise((r) => s.once('drain', r));
      }
    });
  });
}

/**
 * The floor of a get: the answer's bytes counted to its end (head and chunk framing
 * included), read into one reused buffer (net's onread, as dockline reads streams).
 */
function bareGet(socketPath: string, id: string, file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    const onread = {
      buffer: Buffer.allocUnsafe(64 * 1024),
      callback: (n: number) => {
        bytes += n;
        return true;
      },
    };
    const s = netConnect({ path: socketPath, onread }, () =>
      s.write(`GET /${RAW_API_VERSION}/containers/${id}/archive?path=${encodeURIComponent(file)} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`),
    );
    s.on('error', reject);
    s.on('end', () => resolve(bytes));
  });
}

function table(samples: Samples, caption: string): ReportTable {
  const dr = samples.get(DOCKERODE)!;
  const drRate = medianOf(dr, mibPerSecond);
  const drCpu = medianOf(dr, cpuSecondsPerGiB);
  return {
    caption,
    headers: ['client', 'MiB/s', 'runs (min–max)', 'vs dockerode', 'CPU s/GiB', 'CPU vs dockerode'],
    rows: [...samples].map(([name, s]) => {
      const rate = medianOf(s, mibPerSecond);
      const cpu = medianOf(s, cpuSecondsPerGiB);
      return [name, fmt(rate, 1), spread(s, mibPerSecond, 1), formatRatio(ratio(rate, drRate)), fmt(cpu, 2), formatRatio(ratio(cpu, drCpu))];
    }),
  };
}

function checks(samples: Samples, what: string): Check[] {
  const dl = samples.get(DOCKLINE)!;
  const dr = samples.get(DOCKERODE)!;
  const floor = samples.get(FLOOR);
  return [
    check(`${what}: throughput >= 1.0x dockerode`, ratio(medianOf(dl, mibPerSecond), medianOf(dr, mibPerSecond)), '>=', 1.0),
    check(`${what}: client CPU <= 0.6x dockerode`, ratio(medianOf(dl, cpuSecondsPerGiB), medianOf(dr, cpuSecondsPerGiB)), '<=', 0.6),
    ...(floor === undefined
      ? []
      : [{ target: `${what}: floor (bare socket) CPU vs dockerode (report)`, measured: formatRatio(ratio(medianOf(floor, cpuSecondsPerGiB), medianOf(dr, cpuSecondsPerGiB))), met: null }]),
  ];
}

/** The tar in 1 MiB chunks, as a stream that costs nothing to produce (views of one buffer). */
function chunks(tar: Buffer): Readable {
  const parts: Buffer[] = [];
  for (let at = 0; at < tar.length; at += CHUNK) parts.push(tar.subarray(at, Math.min(at + CHUNK, tar.length)));
  return Readable.from(parts);
}

function followProgress(dr: Dockerode, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    dr.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
      const failed = out?.find((m) => m.error);
      if (err) reject(err);
      else if (failed) reject(new Error(failed.error));
      else resolve();
    });
  });
}

export const archiveWorkload: Workload = {
  id: 'archive',
  title: 'Archives and build contexts',
  async run(ctx: BenchContext): Promise<WorkloadReport> {
    const fileBytes = (ctx.quick ? 16 : 64) * MiB;
    const ctxFiles = ctx.quick ? 32 : 128;
    const ctxFileBytes = 256 * 1024;
    const dir = path.join(ctx.workDir, 'archive');
    const ctxDir = path.join(dir, 'context');
    await rm(dir, { recursive: true, force: true });
    await mkdir(ctxDir, { recursive: true });
    // One file of random bytes (nothing to gain from compression), tarred once by GNU tar.
    await writeFile(path.join(dir, 'big.bin'), randomBytes(fileBytes));
    await run('tar', ['-cf', path.join(dir, 'big.tar'), '-C', dir, 'big.bin']);
    const tar = await readFile(path.join(dir, 'big.tar'));
    for (let i = 0; i < ctxFiles; i++) await writeFile(path.join(ctxDir, `f${String(i).padStart(4, '0')}.bin`), randomBytes(ctxFileBytes));
    await writeFile(path.join(ctxDir, 'Dockerfile'), 'FROM busybox:local\nLABEL dockline.bench=true\n');
    const ctxNames = ['Dockerfile', ...Array.from({ length: ctxFiles }, (_, i) => `f${String(i).padStart(4, '0')}.bin`)];
    const contextBytes = ctxFiles * ctxFileBytes;

    const containerId = await ensureExecContainer(ctx);
    const socketPath = ctx.engine.socketPath;
    const dl: DockerClient = docklineDefault(socketPath);
    const dr: Dockerode = dockerode(socketPath);
    const container = dr.getContainer(containerId);

    const put: Record<string, () => Promise<void>> = {
      [DOCKLINE]: () => dl.putArchive(containerId, '/tmp', chunks(tar)),
      [DOCKERODE]: async () => {
        await container.putArchive(chunks(tar), { path: '/tmp' });
      },
      [FLOOR]: () => barePut(socketPath, containerId, tar),
    };
    const get: Record<string, () => Promise<number>> = {
      [DOCKLINE]: async () => {
        const sink = new CountingSink();
        const { stream } = await dl.getArchive(containerId, '/tmp/big.bin');
        await pipeline(stream, sink);
        return sink.bytes;
      },
      [DOCKERODE]: async () => {
        const sink = new CountingSink();
        const stream = (await container.getArchive({ path: '/tmp/big.bin' })) as unknown as NodeJS.ReadableStream;
        await pipeline(stream, sink);
        return sink.bytes;
      },
      [FLOOR]: () => bareGet(socketPath, containerId, '/tmp/big.bin'),
    };
    // Both read the directory and send it as a tar; dockerode gzips it (what its
    // buildImage({ context, src }) does), dockline sends it plain. Every step is cached after
    // the first build, so the time is the upload, the daemon's unpacking and the progress stream.
    const build: Record<string, () => Promise<void>> = {
      [DOCKLINE]: async () => {
        await dl.buildImage(ctxDir, { tags: [BUILD_TAG], networkMode: 'none' });
      },
      [DOCKERODE]: async () => {
        const stream = await dr.buildImage({ context: ctxDir, src: ctxNames }, { t: BUILD_TAG, networkmode: 'none' });
        await followProgress(dr, stream);
      },
    };

    const subjects = <T>(ops: Record<string, () => Promise<T>>, bytes: (r: T) => number): Subject[] =>
      Object.entries(ops).map(([name, op]) => ({
        name,
        warmup: async () => {
          await op();
        },
        batch: async () => {
          const r = await op();
          return { ops: 1, bytes: bytes(r) };
        },
      }));

    try {
      ctx.log(`archive: put ${formatBytes(tar.length)} tar; get it back; build context of ${ctxFiles} files (${formatBytes(contextBytes)})`);
      const putSamples = await compare(subjects(put, () => tar.length), { runs: ctx.runs, log: ctx.log });
      const getSamples = await compare(
        subjects(get, (n) => {
          if (n < fileBytes) throw new Error(`getArchive returned ${n} bytes, expected at least ${fileBytes}`);
          return n;
        }),
        { runs: ctx.runs, log: ctx.log },
      );
      const buildSamples = await compare(subjects(build, () => contextBytes), { runs: ctx.runs, log: ctx.log });
      return {
        id: 'archive',
        title: 'Archives and build contexts',
        setup:
          `putArchive of a ${formatBytes(tar.length)} tar (one file of random bytes, made once by GNU tar, handed over in ` +
          `1 MiB chunks of a buffer so producing it costs nothing) into /tmp of a running busybox container; getArchive ` +
          `of that file, read to its end into a counting sink; buildImage of a directory of ${ctxFiles} files of ` +
          `${formatBytes(ctxFileBytes)} random bytes plus a Dockerfile (FROM busybox:local, LABEL; cached after the first ` +
          `build, so the time is upload, the daemon's unpacking and the progress stream). dockerode 5 packs the context ` +
          `with tar-fs and gzips it (its buildImage({ context, src })); dockline sends a plain tar. One transfer per batch; ` +
          `throughput is payload bytes (the tar, the context files) per wall second; CPU is this process's user+system.`,
        tables: [table(putSamples, 'putArchive'), table(getSamples, 'getArchive'), table(buildSamples, 'buildImage (context upload)')],
        checks: [...checks(putSamples, 'archive put'), ...checks(getSamples, 'archive get'), ...checks(buildSamples, 'build context upload')],
        notes: NOTES,
      };
    } finally {
      await dl.close();
      await ctx.admin.removeImage(BUILD_TAG, { force: true }).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  },
};
