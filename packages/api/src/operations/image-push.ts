import { AbortError, DockerError, InvalidParameterError, ProtocolError } from '@dockline/core';
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { components } from '../generated/engine-api.js';
import { readProgress, reclassifyProgressError } from '../streams/progress-stream.js';
import { PullProgressTracker, type PullMessage, type PullProgress } from '../streams/pull-progress.js';
import { InvalidReferenceError, parseNormalizedReference, type ImageReference } from './image-reference.js';
import { encodeRegistryAuth, type RegistryAuth } from './registry-auth.js';

export interface PushImageOptions {
  /** Registry credentials, sent base64url-encoded in X-Registry-Auth (never logged). */
  auth?: RegistryAuth | undefined;
}

/** Progress of a push: the same shape as a pull's (per-layer bytes from "Pushing" lines). */
export type PushProgress = PullProgress;

/** The call options of pushImage: a signal, a deadline, and a progress callback. */
export interface PushImageCallOptions extends CallOptions {
  /** Called after every progress line with the per-layer and total bytes so far. A throw cancels the push and rejects with that error. */
  onProgress?: ((progress: PushProgress) => void) | undefined;
}

export interface PushImageResult {
  /** The normalized reference pushed: "127.0.0.1:5000/team/app:v1". */
  ref: string;
  /**
   * The manifest digest the registry now holds ("sha256:..."), from the final `aux` line, or
   * (Podman, which sends no `aux` line) from the `"TAG: digest: sha256:... size: N"` status line.
   */
  digest: string;
  /** The manifest's size in bytes, from the same line. */
  size: number | undefined;
}

/** The final line of a push: `{ "progressDetail": {}, "aux": { "Tag", "Digest", "Size" } }`. */
type PushMessage = PullMessage & components['schemas']['PushImageInfo'] & { aux?: { Tag?: string; Digest?: string; Size?: number } };

/** "v1: digest: sha256:... size: 735", the status line that names the pushed manifest. */
const DIGEST_STATUS = /: digest: (sha256:[0-9a-f]{64}) size: (\d+)$/;

/**
 * POST /images/{name}/push?tag=... : push one tag, reading the progress stream to its end.
 * An error line rejects (with the daemon's own message): UnauthorizedError when credentials
 * are missing or refused, NotFoundError for a repository the registry does not know, else
 * ServerError. A ref without a tag pushes ":latest"; a digest cannot be pushed.
 */
export async function pushImage(ctx: ClientContext, ref: string, options: PushImageOptions = {}, call: PushImageCallOptions = {}): Promise<PushImageResult> {
  let parsed: ImageReference;
  try {
    parsed = parseNormalizedReference(ref);
  } catch (err) {
    if (err instanceof InvalidReferenceError) throw new InvalidParameterError(`pushImage: ${err.message} (ImagePush)`, { operation: 'ImagePush', cause: err });
    throw err;
  }
  if (parsed.digest !== undefined) {
    throw new InvalidParameterError(`pushImage: ref ${JSON.stringify(ref)} has a digest; push a tag (ImagePush)`, { operation: 'ImagePush' });
  }
  const tag = parsed.tag ?? 'latest';
  const normalized = `${parsed.name}:${tag}`;
  const doing = `pushing ${normalized}`;
  const tracker = new PullProgressTracker(normalized);
  // Always sent, `{}` without credentials, as the Go client does: a daemon given no header
  // reads credentials from the body instead (the pre-1.x form) and answers 400 on an empty one.
  const headers = { 'X-Registry-Auth': encodeRegistryAuth(options.auth ?? {}) };
  let digest: string | undefined;
  let size: number | undefined;
  try {
    const res = await ctx.call('ImagePush', { path: { name: parsed.familiarName }, query: { tag }, headers }, { signal: call.signal, timeoutMs: call.timeoutMs });
    if (!res.stream) throw new DockerError('ImagePush: the daemon answered without a progress stream', { operation: 'ImagePush' });
    await readProgress<PushMessage>(res.stream, 'ImagePush', doing, (msg) => {
      if (msg.aux && typeof msg.aux.Digest === 'string') {
        digest = msg.aux.Digest;
        if (typeof msg.aux.Size === 'number') size = msg.aux.Size;
      } else if (digest === undefined && typeof msg.status === 'string') {
        // dockerd sends this status line before its aux line; Podman 4.3 sends only this one.
        const m = DIGEST_STATUS.exec(msg.status);
        if (m) {
          digest = m[1];
          size = Number(m[2]);
        }
      }
      call.onProgress?.(tracker.update(msg));
    }, res.request);
  } catch (err) {
    if (call.signal?.aborted) {
      throw err instanceof AbortError ? err : new AbortError(`${doing} aborted`, { operation: 'ImagePush', cause: call.signal.reason });
    }
    throw reclassifyProgressError(err, 'ImagePush', doing);
  }
  if (digest === undefined) {
    throw new ProtocolError(`ImagePush: the push stream ended without the final digest line (${doing})`, { operation: 'ImagePush' });
  }
  return { ref: normalized, digest, size };
}
