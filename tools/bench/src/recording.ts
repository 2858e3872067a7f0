// Multiplexed (stdcopy) recordings for the in-process demux workload, written once to the
// scratch folder and then read from the page cache.
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';

/** One stdcopy frame: [stream, 0, 0, 0, size BE] + payload. */
export function frame(stream: 1 | 2, payload: Buffer): Buffer {
  const f = Buffer.allocUnsafe(8 + payload.length);
  f.writeUInt32BE(0, 0);
  f[0] = stream;
  f.writeUInt32BE(payload.length, 4);
  payload.copy(f, 8);
  return f;
}

/** The line `yes` writes in the logs fixture: 36 'a's and a newline (37 bytes). */
export const SMALL_LINE = Buffer.from(`${'a'.repeat(36)}\n`);

/**
 * A file of `count` stdout frames carrying `payload` each (what the daemon sends for a log of
 * such lines). Kept when a file of the exact size is already there.
 */
export async function ensureRecording(dir: string, name: string, payload: Buffer, count: number): Promise<{ path: string; bytes: number; frames: number }> {
  const path = join(dir, name);
  const one = frame(1, payload);
  const bytes = one.length * count;
  const existing = await stat(path).catch(() => undefined);
  if (existing?.size === bytes) return { path, bytes, frames: count };
  // Write in blocks of about 1 MiB.
  const perBlock = Math.max(1, Math.floor((1024 * 1024) / one.length));
  const block = Buffer.concat(Array.from({ length: perBlock }, () => one));
  const out = createWriteStream(path);
  let left = count;
  while (left > 0) {
    const n = Math.min(left, perBlock);
    if (!out.write(n === perBlock ? block : block.subarray(0, n * one.length))) await once(out, 'drain');
    left -= n;
  }
  out.end();
  await once(out, 'finish');
  return { path, bytes, frames: count };
}
