/**
 * A child process of files.integration.test.ts: streams a tar of one DOCKLINE_RSS_MIB MiB
 * file into a container with putArchive and back out with getArchive, hashing the content
 * on both sides, sampling its own RSS. Prints one JSON line: bytes, hashes, baseline and
 * peak RSS. A fresh process, so that the RSS is this transfer's alone.
 *
 *   node --conditions=@dockline/source --import tsx packages/api/test/archive-rss-child.ts
 *   (env: DOCKLINE_RSS_SOCKET=/path/to/docker.sock, DOCKLINE_RSS_IMAGE=busybox:local, DOCKLINE_RSS_MIB=200)
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { extract, pack } from 'tar-stream';
import { createClient } from '../src/index.js';

const socketPath = process.env.DOCKLINE_RSS_SOCKET;
if (!socketPath) throw new Error('DOCKLINE_RSS_SOCKET is not set');
const image = process.env.DOCKLINE_RSS_IMAGE ?? 'busybox:local';
const size = Number(process.env.DOCKLINE_RSS_MIB ?? 200) * 1024 * 1024;
const CHUNK = 64 * 1024;

let peak = 0;
const sample = (): void => {
  peak = Math.max(peak, process.memoryUsage.rss());
};

/** A tar of one `size`-byte file whose content is generated as the tar is read (never whole in memory). */
function bigTar(hash: ReturnType<typeof createHash>): Readable {
  const p = pack();
  void (async () => {
    const entry = p.entry({ name: 'big.bin', size, mode: 0o644 }, (err) => {
      if (err) p.destroy(err);
      else p.finalize();
    });
    const block = Buffer.alloc(CHUNK);
    for (let off = 0, n = 0; off < size; off += CHUNK, n++) {
      // Varying content (a counter in every 8 bytes), so that nothing can be deduplicated.
      for (let i = 0; i < CHUNK; i += 8) block.writeUInt32LE((n * CHUNK + i) >>> 0, i);
      const chunk = Buffer.from(block.subarray(0, Math.min(CHUNK, size - off)));
      hash.update(chunk);
      if (!entry.write(chunk)) await once(entry as unknown as NodeJS.EventEmitter, 'drain');
    }
    entry.end(undefined);
  })().catch((err: unknown) => p.destroy(err as Error));
  return Readable.from(p as AsyncIterable<Buffer>);
}

const docker = createClient({ host: `unix://${socketPath}` });
const { Id } = await docker.createContainer({
  config: { Image: image, Cmd: ['sleep', '300'], Labels: { 'dockline.test': 'api' } },
  hostConfig: { NetworkMode: 'none' },
});
const timer = setInterval(sample, 20);
try {
  await docker.ping();
  // Warm-up: code paths loaded, a connection open, before the baseline is taken.
  await docker.putArchive(Id, '/tmp', Readable.from(await small()));
  global.gc?.();
  const baseline = process.memoryUsage.rss();
  peak = baseline;

  const hashIn = createHash('sha256');
  await docker.putArchive(Id, '/tmp', bigTar(hashIn));
  sample();

  const hashOut = createHash('sha256');
  let bytesOut = 0;
  const { stream } = await docker.getArchive(Id, '/tmp/big.bin');
  const ex = extract();
  stream.pipe(ex as unknown as NodeJS.WritableStream);
  for await (const e of ex) {
    for await (const c of e as AsyncIterable<Buffer>) {
      hashOut.update(c);
      bytesOut += c.length;
    }
  }
  sample();
  console.log(JSON.stringify({ bytesIn: size, bytesOut, shaIn: hashIn.digest('hex'), shaOut: hashOut.digest('hex'), baseline, peak }));
} finally {
  clearInterval(timer);
  await docker.removeContainer(Id, { force: true }).catch(() => undefined);
  await docker.close();
}

async function small(): Promise<Buffer[]> {
  const p = pack();
  p.entry({ name: 'warm' }, 'warm');
  p.finalize();
  const out: Buffer[] = [];
  for await (const c of p as AsyncIterable<Buffer>) out.push(c);
  return out;
}
