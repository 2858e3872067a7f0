import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { DockerClient } from '../src/client.js';
import { createClient } from '../src/create-client.js';

/** Every container these tests create carries this label, and only these tests remove them. */
export const LABEL = { 'dockline.test': 'api' } as const;

/** The client users get: createClient() on the test engine's socket (default middleware). */
export function engineClient(engine: { socketPath: string }): DockerClient {
  return createClient({ host: `unix://${engine.socketPath}` });
}

/** A client over the default middleware with a short default deadline (stopContainer's grace period is added to it). */
export function clientWithDeadline(engine: { socketPath: string }, timeoutMs: number): DockerClient {
  return createClient({ host: `unix://${engine.socketPath}`, timeoutMs });
}

/** A name no other test run (or concurrent engineer) uses. */
export function uniqueName(what: string): string {
  return `dockline-api-${what}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

export { Collector } from '@dockline/tool-testkit';

/**
 * Writable that hashes what it receives; slow on purpose when `delayMs` is set (every 64th
 * chunk is acknowledged late), so backpressure is exercised.
 */
export class HashSink extends Writable {
  readonly #hash = createHash('sha256');
  bytes = 0;
  #n = 0;
  readonly #delayMs: number;
  constructor(delayMs = 0) {
    super({ highWaterMark: 64 * 1024 });
    this.#delayMs = delayMs;
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.#hash.update(chunk);
    this.bytes += chunk.length;
    if (this.#delayMs > 0 && ++this.#n % 64 === 0) setTimeout(cb, this.#delayMs);
    else cb();
  }
  digest(): string {
    return this.#hash.copy().digest('hex');
  }
}

export function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

/** `yes LINE | head -c SIZE`, generated in Node. */
export function yesBytes(line: string, size: number): Buffer {
  const unit = Buffer.from(`${line}\n`);
  const out = Buffer.allocUnsafe(size);
  for (let at = 0; at < size; at += unit.length) unit.copy(out, at, 0, Math.min(unit.length, size - at));
  return out;
}

/** Removes the containers these tests created (force), ignoring those already gone. */
export async function removeAll(docker: DockerClient, ids: Iterable<string>): Promise<void> {
  await Promise.all([...ids].map((id) => docker.removeContainer(id, { force: true, removeVolumes: true }).catch(() => undefined)));
}
