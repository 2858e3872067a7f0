import { AbortError, DockerError } from '@dockline/core';
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import { binaryBody, type TarInput } from '../streams/binary-body.js';
import { readProgress, reclassifyProgressError } from '../streams/progress-stream.js';

/** A line of the load answer (quiet): `{ "stream": "Loaded image: busybox:local\n" }`. */
interface LoadMessage {
  stream?: string;
  error?: string;
  errorDetail?: { code?: number; message?: string };
}

const LOADED = /^Loaded image(?: ID)?: (.+)$/;

/**
 * POST /images/load?quiet=1: load a `docker save` tar (a Readable, a Uint8Array or an
 * AsyncIterable of bytes, streamed as read). Resolves to what the daemon loaded, in its
 * order: the references ("busybox:local") of tagged images, the ids ("sha256:...") of
 * untagged ones (Podman: its qualified names, "docker.io/library/busybox:local"). An error
 * line (not a tar, a broken archive) rejects with the daemon's message.
 */
export async function loadImages(ctx: ClientContext, tar: TarInput, call: CallOptions = {}): Promise<string[]> {
  const body = binaryBody(tar, 'loadImages', 'tar');
  const loaded: string[] = [];
  try {
    const res = await ctx.call('ImageLoad', { query: { quiet: true }, body }, call);
    if (!res.stream) throw new DockerError('ImageLoad: the daemon answered without a stream', { operation: 'ImageLoad' });
    await readProgress<LoadMessage>(res.stream, 'ImageLoad', 'loading images', (msg) => {
      if (typeof msg.stream !== 'string') return;
      for (const line of msg.stream.split('\n')) {
        const m = LOADED.exec(line.trim());
        // Podman 4.3 names all it loaded on one line, comma-separated (a ref has no comma).
        if (m) loaded.push(...m[1]!.split(',').map((r) => r.trim()).filter((r) => r !== ''));
      }
    }, res.request);
  } catch (err) {
    if (call.signal?.aborted) throw err instanceof AbortError ? err : new AbortError('loading images aborted', { operation: 'ImageLoad', cause: call.signal.reason });
    throw reclassifyProgressError(err, 'ImageLoad', 'loading images');
  }
  return loaded;
}
