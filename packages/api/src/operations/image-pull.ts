import type { Readable } from 'node:stream';
import { AbortError, DockerError, InvalidParameterError, TimeoutError, redactText } from '@dockline/core';
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import { PullProgressTracker, type PullMessage, type PullProgress } from '../streams/pull-progress.js';
import { readProgress, reclassifyProgressError } from '../streams/progress-stream.js';
import { InvalidReferenceError, parseNormalizedReference, pullQuery, withDefaultTag } from './image-reference.js';
import { encodeRegistryAuth, type RegistryAuth } from './registry-auth.js';

/** The kubelet's image pull progress deadline: cancel a pull that reports nothing for 1 minute. */
export const DEFAULT_PULL_PROGRESS_DEADLINE_MS = 60_000;

export interface PullImageOptions {
  /** Registry credentials, sent base64url-encoded in X-Registry-Auth (never logged). */
  auth?: RegistryAuth | undefined;
  /** `os[/arch[/variant]]`, e.g. "linux/arm64". */
  platform?: string | undefined;
  /**
   * Called after every progress line with the per-layer and total bytes so far. A throw
   * cancels the pull and rejects with that error.
   */
  onProgress?: ((progress: PullProgress) => void) | undefined;
  /**
   * Cancel the pull when the daemon sends no progress line for this long (ms), rejecting
   * with a TimeoutError. Default 60 000 (the kubelet's). 0 or Infinity: never. A pull has
   * no overall deadline (it is long-running); pass `timeoutMs` in the call options for one.
   */
  progressDeadlineMs?: number | undefined;
}

export interface PullImageResult {
  /** The normalized reference pulled: "docker.io/library/busybox:latest", "127.0.0.1:5000/x/y:v1". */
  ref: string;
  /** The manifest digest from the daemon's final "Digest: ..." line. */
  digest: string | undefined;
  /** The final "Status: ..." line without its prefix: "Downloaded newer image for ..." or "Image is up to date for ...". */
  status: string | undefined;
}

/**
 * POST /images/create?fromImage=...&tag=... : pull an image, reading the progress stream to
 * its end. Unlike dockerode, an error line in the stream rejects (with the daemon's own
 * message): NotFoundError when it says the image or manifest is not found,
 * UnauthorizedError when credentials are missing or refused, else ServerError. The same
 * classification applies when the daemon answers a 500 before streaming.
 */
export async function pullImage(ctx: ClientContext, ref: string, options: PullImageOptions = {}, call: CallOptions = {}): Promise<PullImageResult> {
  let parsed;
  try {
    parsed = parseNormalizedReference(ref);
  } catch (err) {
    if (err instanceof InvalidReferenceError) throw new InvalidParameterError(`${err.message} (ImageCreate)`, { operation: 'ImageCreate', cause: err });
    throw err;
  }
  const normalized = withDefaultTag(parsed);
  const deadlineMs = options.progressDeadlineMs ?? DEFAULT_PULL_PROGRESS_DEADLINE_MS;
  if (typeof deadlineMs !== 'number' || Number.isNaN(deadlineMs) || deadlineMs < 0) {
    throw new InvalidParameterError(`dockline: pullImage progressDeadlineMs must be a number of ms >= 0 (0 or Infinity: none), got ${String(deadlineMs)}`);
  }
  const tracker = new PullProgressTracker(normalized);
  const stall = new AbortController();
  const signal = call.signal ? AbortSignal.any([call.signal, stall.signal]) : stall.signal;
  let latest = 'no progress yet';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    if (deadlineMs === 0 || deadlineMs === Infinity) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      stall.abort(
        new TimeoutError(`pulling ${normalized}: cancelled after ${deadlineMs} ms without progress (progressDeadlineMs); latest progress: ${latest}`, {
          operation: 'ImageCreate',
          timeoutMs: deadlineMs,
        }),
      );
    }, deadlineMs);
  };

  const headers = options.auth ? { 'X-Registry-Auth': encodeRegistryAuth(options.auth) } : undefined;
  // The deadline also covers the wait for the response head: a daemon stuck on the
  // registry before its first line is as stalled as one stuck mid-layer.
  arm();
  let stream: Readable | undefined;
  const onStall = (): void => {
    stream?.destroy(stall.signal.reason as Error);
  };
  stall.signal.addEventListener('abort', onStall, { once: true });
  try {
    const res = await ctx.call('ImageCreate', { query: { ...pullQuery(parsed), platform: options.platform }, headers }, { signal, timeoutMs: call.timeoutMs });
    if (!res.stream) throw new DockerError('ImageCreate: the daemon answered without a progress stream', { operation: 'ImageCreate' });
    stream = res.stream;
    if (stall.signal.aborted) onStall();
    await readProgress<PullMessage>(res.stream, 'ImageCreate', `pulling ${normalized}`, (msg) => {
      arm();
      latest = redactText(describe(msg));
      // Always fold the line in (the result's digest and status come from it), reported or not.
      const progress = tracker.update(msg);
      options.onProgress?.(progress);
    }, res.request);
  } catch (err) {
    if (stall.signal.aborted) throw stall.signal.reason;
    if (call.signal?.aborted) {
      throw err instanceof AbortError ? err : new AbortError(`pulling ${normalized} aborted`, { operation: 'ImageCreate', cause: call.signal.reason });
    }
    throw reclassifyProgressError(err, 'ImageCreate', `pulling ${normalized}`);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    stall.signal.removeEventListener('abort', onStall);
  }
  return { ref: normalized, digest: tracker.digest, status: tracker.finalStatus };
}

function describe(msg: PullMessage): string {
  const parts = [msg.id, msg.status, msg.progress].filter((s): s is string => typeof s === 'string' && s !== '');
  return parts.length ? JSON.stringify(parts.join(' ')) : 'an empty line';
}
