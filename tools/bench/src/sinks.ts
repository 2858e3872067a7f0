// Writables that discard (the client's cost without a consumer's), and a slow one.
import { Writable } from 'node:stream';

/** Discards everything, counting bytes and write() calls. */
export class CountingSink extends Writable {
  bytes = 0;
  writes = 0;
  constructor() {
    super({ highWaterMark: 1024 * 1024 });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.bytes += chunk.length;
    this.writes++;
    cb();
  }
  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    for (const { chunk } of chunks) this.bytes += chunk.length;
    this.writes += chunks.length;
    cb();
  }
}

/**
 * Consumes at `bytesPerSecond` on average: a write's callback is held until the clock
 * catches up with the bytes taken so far (checked every 64 KiB, so small writes batch).
 */
export class SlowSink extends Writable {
  bytes = 0;
  #start = 0;
  #sinceCheck = 0;
  readonly #rate: number;
  constructor(bytesPerSecond: number) {
    super({ highWaterMark: 64 * 1024 });
    this.#rate = bytesPerSecond;
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.#start === 0) this.#start = performance.now();
    this.bytes += chunk.length;
    this.#sinceCheck += chunk.length;
    if (this.#sinceCheck < 64 * 1024) {
      cb();
      return;
    }
    this.#sinceCheck = 0;
    const due = this.#start + (this.bytes / this.#rate) * 1000;
    const wait = due - performance.now();
    if (wait <= 0) cb();
    else setTimeout(cb, wait);
  }
}
