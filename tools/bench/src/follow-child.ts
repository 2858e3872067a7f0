// One "follow N streams" measurement in a fresh process (spawned by follow.ts), so that the
// baseline heap and RSS are this client's alone: follows the logs of N running containers
// for a fixed time, checks every line arrived in order, and prints one JSON line.
import { connect } from 'node:net';
import type { Readable } from 'node:stream';
import { Writable } from 'node:stream';
import { dockerode, docklineDefault, RAW_API_VERSION } from './clients.ts';
import { modemDemux } from './demux.ts';
import { forceGc } from './measure.ts';

export interface FollowChildArgs {
  /** 'bare': not a client, the floor: one socket per stream that sends the GET and counts reads. */
  client: 'dockline' | 'dockerode' | 'bare';
  socketPath: string;
  ids: string[];
  seconds: number;
}

export interface FollowChildResult {
  cpuMs: number;
  /** heapUsed after a GC with every stream open, minus the baseline after a GC. */
  heapGrowthBytes: number;
  /** Highest RSS sampled while following, minus the baseline. */
  rssGrowthBytes: number;
  lines: number;
  /** Lines missing from the sequences (`line 0`, `line 1`...) each container wrote. */
  gaps: number;
  /** Streams that delivered at least one line. */
  streamsWithLines: number;
}

/**
 * Counts the `line <i>` lines of one container and checks that i grows by one each time
 * (a lost line shows up as a gap). The first line seen sets the start.
 */
class LineChecker extends Writable {
  lines = 0;
  gaps = 0;
  #last = -1;
  #partial = '';
  constructor() {
    super({ decodeStrings: true });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const text = this.#partial + chunk.toString('latin1');
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      const n = Number(text.slice(start + 5, nl)); // "line " is 5 bytes
      if (this.#last >= 0 && n !== this.#last + 1) this.gaps += Math.max(0, n - this.#last - 1) || 1;
      this.#last = n;
      this.lines++;
      start = nl + 1;
    }
    this.#partial = text.slice(start);
    cb();
  }
}

async function main(args: FollowChildArgs): Promise<FollowChildResult> {
  const checkers = args.ids.map(() => new LineChecker());
  const controller = new AbortController();
  let open: () => Promise<unknown>[];
  let close: () => Promise<void>;
  if (args.client === 'dockline') {
    const dl = docklineDefault(args.socketPath);
    await dl.ping();
    open = () =>
      args.ids.map((id, i) =>
        dl
          .logs(id, { follow: true, stdout: true, stderr: true, tail: 0 }, { stdout: checkers[i]!, stderr: checkers[i]!, rawTerminal: false }, { signal: controller.signal })
          .catch((err: unknown) => {
            if (!controller.signal.aborted) throw err;
          }),
      );
    close = () => dl.close();
  } else if (args.client === 'bare') {
    const sockets: ReturnType<typeof connect>[] = [];
    // Every socket reads into one buffer (net's onread, as dockline's unix transport does).
    const buffer = Buffer.allocUnsafe(64 * 1024);
    open = () =>
      args.ids.map(
        (id, i) =>
          new Promise<void>((resolve) => {
            // Counts reads, not lines: nothing is parsed (checkers[i].lines only says the stream carried data).
            const onread = {
              buffer,
              callback: () => {
                checkers[i]!.lines++;
                return true;
              },
            };
            const s = connect({ path: args.socketPath, onread }, () =>
              s.write(`GET /${RAW_API_VERSION}/containers/${id}/logs?follow=1&stdout=1&stderr=1&tail=0 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`),
            );
            sockets.push(s);
            s.on('close', () => resolve());
            s.on('error', () => undefined);
          }),
      );
    close = async () => {
      for (const s of sockets) s.destroy();
    };
    controller.signal.addEventListener('abort', () => void close());
  } else {
    const dr = dockerode(args.socketPath);
    await dr.ping();
    const streams: Readable[] = [];
    open = () =>
      args.ids.map(async (id, i) => {
        const stream = (await dr.getContainer(id).logs({ follow: true, stdout: true, stderr: true, tail: 0 })) as unknown as Readable;
        streams.push(stream);
        controller.signal.addEventListener('abort', () => stream.destroy());
        // A destroyed stream emits 'close', never 'end', so modemDemux would not settle.
        await new Promise<void>((resolve) => {
          stream.once('close', () => resolve());
          modemDemux(dr.modem, stream, checkers[i]!, checkers[i]!).then(resolve, () => resolve());
        });
      });
    close = async () => undefined;
  }
  forceGc();
  await new Promise((r) => setTimeout(r, 200));
  forceGc();
  const heap0 = process.memoryUsage().heapUsed;
  const rss0 = process.memoryUsage().rss;
  let rssMax = rss0;
  const timer = setInterval(() => {
    const rss = process.memoryUsage().rss;
    if (rss > rssMax) rssMax = rss;
  }, 100);
  const cpu0 = process.cpuUsage();
  const pending = open();
  await new Promise((r) => setTimeout(r, args.seconds * 1000));
  const cpu = process.cpuUsage(cpu0);
  clearInterval(timer);
  rssMax = Math.max(rssMax, process.memoryUsage().rss);
  // Heap with every stream still open: what following costs in memory, garbage aside.
  forceGc();
  const heap1 = process.memoryUsage().heapUsed;
  controller.abort();
  await Promise.all(pending);
  await close();
  return {
    cpuMs: (cpu.user + cpu.system) / 1000,
    heapGrowthBytes: heap1 - heap0,
    rssGrowthBytes: rssMax - rss0,
    lines: checkers.reduce((n, c) => n + c.lines, 0),
    gaps: checkers.reduce((n, c) => n + c.gaps, 0),
    streamsWithLines: checkers.filter((c) => c.lines > 0).length,
  };
}

const args = JSON.parse(process.argv[2] ?? '{}') as FollowChildArgs;
// Node exits 0 when the loop empties with a promise pending: make that an error the parent sees.
process.once('beforeExit', () => {
  process.stderr.write('follow child: nothing left to wait for before it finished\n');
  process.exit(1);
});
main(args).then(
  (r) => {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
