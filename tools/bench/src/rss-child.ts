// One RSS measurement in a fresh process (spawned by rss.ts), so that the baseline is not
// the heap left over by other workloads: reads a container's logs into a slow consumer,
// sampling process.memoryUsage().rss every 100 ms, and prints one JSON line.
import type { Readable } from 'node:stream';
import { dockerode, docklineDefault } from './clients.ts';
import { modemDemux } from './demux.ts';
import { forceGc } from './measure.ts';
import { SlowSink } from './sinks.ts';

export interface RssChildArgs {
  client: 'dockline' | 'dockerode';
  socketPath: string;
  containerId: string;
  /** Consumer pace, bytes/s. */
  rate: number;
  /** Payload bytes the container wrote. */
  expected: number;
}

export interface RssChildResult {
  baselineBytes: number;
  maxBytes: number;
  growthBytes: number;
  wallMs: number;
  delivered: number;
}

async function main(args: RssChildArgs): Promise<RssChildResult> {
  const sink = new SlowSink(args.rate);
  let read: () => Promise<void>;
  let close: () => Promise<void>;
  if (args.client === 'dockline') {
    const dl = docklineDefault(args.socketPath);
    await dl.ping();
    read = async () => {
      await dl.logs(args.containerId, { follow: true, stdout: true, stderr: true }, { stdout: sink, stderr: sink });
    };
    close = () => dl.close();
  } else {
    const dr = dockerode(args.socketPath);
    await dr.ping();
    read = async () => {
      const stream = (await dr.getContainer(args.containerId).logs({ follow: true, stdout: true, stderr: true })) as unknown as Readable;
      await modemDemux(dr.modem, stream, sink, sink);
      // dockerode does not wait for the consumer: what it wrote is still queued in the sink.
      if (sink.writableLength > 0) await new Promise((r) => sink.once('drain', r));
    };
    close = async () => undefined;
  }
  forceGc();
  await new Promise((r) => setTimeout(r, 200));
  const baseline = process.memoryUsage().rss;
  let max = baseline;
  const timer = setInterval(() => {
    const rss = process.memoryUsage().rss;
    if (rss > max) max = rss;
  }, 100);
  const t0 = performance.now();
  try {
    await read();
  } finally {
    clearInterval(timer);
  }
  const wallMs = performance.now() - t0;
  max = Math.max(max, process.memoryUsage().rss);
  await close();
  if (sink.bytes !== args.expected) throw new Error(`the consumer got ${sink.bytes} bytes, expected ${args.expected}`);
  return { baselineBytes: baseline, maxBytes: max, growthBytes: max - baseline, wallMs, delivered: sink.bytes };
}

const args = JSON.parse(process.argv[2] ?? '{}') as RssChildArgs;
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
