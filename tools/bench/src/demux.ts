// In-process demultiplexing of a recorded stdcopy stream (no daemon): the client's own cost
// per byte of logs, attach or exec output.
import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import Dockerode from 'dockerode';
import { demuxStream } from '@dockline/core';
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
  type Samples,
  type Subject,
} from './measure.ts';
import { ensureRecording, SMALL_LINE } from './recording.ts';
import { CountingSink } from './sinks.ts';
import type { BenchContext, ReportTable, Workload, WorkloadReport } from './workload.ts';

const READ = 'read only (no demux)';
const MODEM = 'docker-modem demuxStream';
const NAIVE = 'plain loop (subarray per frame)';
const DOCKLINE = 'dockline demuxStream';
const DOCKLINE_NOBATCH = 'dockline demuxStream, batch: false';

/** What an application would write without a library: concat a split frame, write each payload. */
export async function naiveDemux(source: AsyncIterable<Buffer>, stdout: Writable, stderr: Writable): Promise<void> {
  let pending: Buffer | null = null;
  for await (const piece of source) {
    let chunk: Buffer = piece;
    if (pending !== null) {
      chunk = Buffer.concat([pending, chunk]);
      pending = null;
    }
    let pos = 0;
    while (pos + 8 <= chunk.length) {
      const size = chunk.readUInt32BE(pos + 4);
      if (pos + 8 + size > chunk.length) break;
      (chunk[pos] === 2 ? stderr : stdout).write(chunk.subarray(pos + 8, pos + 8 + size));
      pos += 8 + size;
    }
    if (pos < chunk.length) pending = chunk.subarray(pos);
  }
}

/** docker-modem's demuxStream has no completion signal: it works inside 'data', so 'end' means done. */
export async function modemDemux(modem: Dockerode['modem'], source: Readable, stdout: Writable, stderr: Writable): Promise<void> {
  const ended = once(source, 'end');
  modem.demuxStream(source, stdout, stderr);
  await ended;
}

interface Recording {
  path: string;
  bytes: number;
  frames: number;
}

/**
 * Each batch reads its recording `repeat` times, so that a batch lasts long enough (a
 * fraction of a second at least) for the noise of a shared machine to average out.
 */
function subjectsFor(rec: Recording, modemRec: Recording, payload: number, repeat: number): Subject[] {
  const modem = new Dockerode({ socketPath: '/nonexistent' }).modem;
  const subject = (name: string, r: Recording, times: number, demux: ((source: Readable, sink: CountingSink) => Promise<void>) | null): Subject => ({
    name,
    batch: async () => {
      const sink = new CountingSink();
      let read = 0;
      for (let i = 0; i < times; i++) {
        const source = createReadStream(r.path);
        if (demux) await demux(source, sink);
        else for await (const c of source) read += (c as Buffer).length;
      }
      // A demuxer that lost bytes would look fast: every batch checks what reached the sink.
      const expected = r.frames * payload * times;
      if (demux && sink.bytes !== expected) throw new Error(`${name} delivered ${sink.bytes} payload bytes, expected ${expected}`);
      if (!demux && read !== r.bytes * times) throw new Error(`read ${read} bytes, expected ${r.bytes * times}`);
      return { ops: r.frames * times, bytes: r.bytes * times };
    },
  });
  return [
    subject(READ, rec, repeat, null),
    // docker-modem is about 100 times slower: one pass over its shorter recording.
    subject(MODEM, modemRec, 1, (source, sink) => modemDemux(modem, source, sink, sink)),
    subject(NAIVE, rec, repeat, (source, sink) => naiveDemux(source as AsyncIterable<Buffer>, sink, sink)),
    subject(DOCKLINE, rec, repeat, (source, sink) => demuxStream(source, { stdout: sink, stderr: sink })),
    subject(DOCKLINE_NOBATCH, rec, repeat, (source, sink) => demuxStream(source, { stdout: sink, stderr: sink }, { batch: false })),
  ];
}

function table(samples: Samples, caption: string): ReportTable {
  const modem = medianOf(samples.get(MODEM)!, mibPerSecond);
  const read = medianOf(samples.get(READ)!, mibPerSecond);
  return {
    caption,
    headers: ['demuxer', 'MiB/s of stream', 'vs docker-modem', 'vs read only', 'CPU s/GiB'],
    rows: [...samples].map(([name, s]) => {
      const rate = medianOf(s, mibPerSecond);
      return [name, fmt(rate, 1), formatRatio(ratio(rate, modem)), formatRatio(ratio(rate, read)), fmt(medianOf(s, cpuSecondsPerGiB), 2)];
    }),
  };
}

export const demuxWorkload: Workload = {
  id: 'demux',
  title: 'In-process demux of a recorded stream',
  async run(ctx: BenchContext): Promise<WorkloadReport> {
    const smallBytes = (ctx.quick ? 16 : 80) * MiB;
    const smallFrames = Math.floor(smallBytes / (8 + SMALL_LINE.length));
    // docker-modem copies the rest of its buffer for every frame (about 2.5 MiB/s): its rate does
    // not depend on the length of the stream, so it reads a shorter recording of the same frames.
    const modemFrames = Math.floor(((ctx.quick ? 1 : 8) * MiB) / (8 + SMALL_LINE.length));
    const bigPayload = Buffer.alloc(MiB, 'a');
    bigPayload[MiB - 1] = 0x0a;
    const bigCount = ctx.quick ? 64 : 256;
    ctx.log('demux: preparing recordings');
    const small = await ensureRecording(ctx.workDir, `stdcopy-37b-${smallFrames}.bin`, SMALL_LINE, smallFrames);
    const smallModem = await ensureRecording(ctx.workDir, `stdcopy-37b-${modemFrames}.bin`, SMALL_LINE, modemFrames);
    const big = await ensureRecording(ctx.workDir, `stdcopy-1mib-${bigCount}.bin`, bigPayload, bigCount);
    const bigModem = await ensureRecording(ctx.workDir, `stdcopy-1mib-${Math.min(bigCount, 32)}.bin`, bigPayload, Math.min(bigCount, 32));

    ctx.log(`demux: 37-byte frames, ${formatBytes(small.bytes)} (docker-modem: ${formatBytes(smallModem.bytes)})`);
    const smallSamples = await compare(subjectsFor(small, smallModem, SMALL_LINE.length, ctx.quick ? 2 : 3), { runs: ctx.runs, log: ctx.log });
    ctx.log(`demux: 1 MiB frames, ${formatBytes(big.bytes)}`);
    const bigSamples = await compare(subjectsFor(big, bigModem, MiB, ctx.quick ? 2 : 4), { runs: ctx.runs, log: ctx.log });

    const r = (s: Samples, a: string, b: string): number => ratio(medianOf(s.get(a)!, mibPerSecond), medianOf(s.get(b)!, mibPerSecond));
    return {
      id: 'demux',
      title: 'In-process demux of a recorded stream',
      setup:
        `A recorded stdcopy stream read from a file in the page cache (fs.createReadStream, 64 KiB chunks) and ` +
        `demultiplexed into a Writable that discards (each batch reads its recording several times, and checks every payload ` +
          `byte arrived): ${formatBytes(small.bytes)} of 37-byte stdout frames ` +
        `(${fmt(small.frames, 0)} frames; docker-modem reads a ${formatBytes(smallModem.bytes)} recording of the same frames, ` +
        `as its rate does not depend on the length), and ${formatBytes(big.bytes)} of 1 MiB frames. ` +
        `MiB/s counts stream bytes (headers included). "Plain loop" is what an application would write by hand.`,
      tables: [table(smallSamples, '37-byte frames'), table(bigSamples, '1 MiB frames')],
      checks: [
        check('demux 37-byte frames: dockline >= 100x docker-modem', r(smallSamples, DOCKLINE, MODEM), '>=', 100),
        check('demux 1 MiB frames: dockline >= 0.8x the read-only rate', r(bigSamples, DOCKLINE, READ), '>=', 0.8),
      ],
      notes: [],
    };
  },
};
