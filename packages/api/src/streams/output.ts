import { copyStream, demuxStream } from '@dockline/core';
import { flushWritable } from './flush.js';
import type { StreamOptions } from './stream-options.js';

/**
 * Reads a container's output stream to its end into the caller's writables: raw bytes to
 * stdout when `tty`, else stdcopy frames split into stdout/stderr (core's demuxStream). Both
 * with backpressure; resolves once the source ended and the writables processed every
 * chunk. The writables are never ended.
 */
export async function copyOutput(
  source: AsyncIterable<Buffer | Uint8Array>,
  streams: Pick<StreamOptions, 'stdout' | 'stderr'>,
  tty: boolean,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (tty) await copyStream(source, streams.stdout, { signal });
  else await demuxStream(source, { stdout: streams.stdout, stderr: streams.stderr }, { signal });
  await Promise.all([
    flushWritable(streams.stdout, 'the stdout destination'),
    streams.stderr === streams.stdout ? undefined : flushWritable(streams.stderr, 'the stderr destination'),
  ]);
}
