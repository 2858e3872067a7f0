import { AbortError, DockerError, ProtocolError } from '@dockline/core';
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import { binaryBody, type TarInput } from '../streams/binary-body.js';
import { readProgress, reclassifyProgressError } from '../streams/progress-stream.js';

export interface ImportImageOptions {
  /** Repository of the new image ("team/app"); without it the image is untagged. */
  repo?: string | undefined;
  /** Tag within `repo`; default "latest". */
  tag?: string | undefined;
  /** Dockerfile instructions applied to the image, e.g. `['CMD ["sh"]', 'LABEL team=web', 'ENV A=1']`. */
  changes?: readonly string[] | undefined;
  /** Commit message recorded in the image's history. */
  message?: string | undefined;
  /** `os[/arch[/variant]]` of the imported filesystem. */
  platform?: string | undefined;
}

export interface ImportImageResult {
  /** The new image's id, "sha256:...". */
  id: string;
}

interface ImportMessage {
  status?: string;
  error?: string;
  errorDetail?: { code?: number; message?: string };
}

const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;

/**
 * POST /images/create?fromSrc=- : create an image from a root filesystem tar (what
 * `docker import -` does; `exportContainer` gives one), streamed as read. The daemon's
 * last status line is the new image's id. An error line rejects with its message.
 */
export async function importImage(ctx: ClientContext, tar: TarInput, options: ImportImageOptions = {}, call: CallOptions = {}): Promise<ImportImageResult> {
  const body = binaryBody(tar, 'importImage', 'tar');
  let id: string | undefined;
  // repo:tag in `repo`, as the docker CLI sends it: Podman 4.3 ignores `tag=` (the image would
  // become repo:latest there); dockerd reads both forms alike.
  const withTag = options.repo !== undefined && options.tag !== undefined;
  const repo = withTag ? `${options.repo}:${options.tag}` : options.repo;
  const tag = withTag ? undefined : options.tag;
  try {
    const res = await ctx.call(
      'ImageCreate',
      {
        query: { fromSrc: '-', repo, tag, changes: options.changes, message: options.message, platform: options.platform },
        body,
      },
      call,
    );
    if (!res.stream) throw new DockerError('ImageCreate: the daemon answered without a stream', { operation: 'ImageCreate' });
    await readProgress<ImportMessage>(res.stream, 'ImageCreate', 'importing an image', (msg) => {
      if (typeof msg.status === 'string' && IMAGE_ID.test(msg.status)) id = msg.status;
    }, res.request);
  } catch (err) {
    if (call.signal?.aborted) throw err instanceof AbortError ? err : new AbortError('importing an image aborted', { operation: 'ImageCreate', cause: call.signal.reason });
    throw reclassifyProgressError(err, 'ImageCreate', 'importing an image');
  }
  if (id === undefined) throw new ProtocolError('ImageCreate: the import stream ended without the new image id', { operation: 'ImageCreate' });
  return { id };
}
