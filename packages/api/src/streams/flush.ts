import type { Writable } from 'node:stream';
import { DockerError } from '@dockline/core';

const EMPTY = Buffer.alloc(0);

/**
 * Resolves once every chunk already written to `w` was processed by it (its `_write`
 * callbacks ran), without ending it. Writes are processed in order, so the callback of an
 * empty write is that barrier; nothing is written when nothing is pending.
 */
export function flushWritable(w: Writable | null | undefined, what: string): Promise<void> {
  if (!w || w.writableLength === 0) return Promise.resolve();
  if (w.destroyed || w.writableEnded) {
    return Promise.reject(new DockerError(`${what} was closed before everything written to it was processed`));
  }
  return new Promise<void>((resolve, reject) => {
    w.write(EMPTY, (err?: Error | null) => {
      if (err) reject(new DockerError(`${what} failed: ${err.message}`, { cause: err }));
      else resolve();
    });
  });
}
