import { DockerError } from '@dockline/core';
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { StreamOptions } from '../streams/stream-options.js';
import { openAttach } from './container-attach.js';
import { createContainer, type CreateContainerOptions } from './container-create.js';
import { removeContainer } from './container-remove.js';
import { startContainer } from './container-start.js';
import { beginWait, type WaitContainerResult } from './container-wait.js';

export interface RunOptions extends CreateContainerOptions {
  /**
   * Remove the container once it exited (force), and also when anything failed after it
   * was created (attach, start, wait, an abort). Default false: it stays, stopped.
   */
  remove?: boolean | undefined;
}

export interface RunResult {
  /** The container's id (already gone with `remove: true`). */
  id: string;
  /** Its exit code (137 when it was killed by SIGKILL, and so on). */
  exitCode: number;
}

/**
 * The docker CLI's `docker run`: create; attach when `streams` are given; a wait whose
 * response head arrived before the start is sent, so a container that exits at once is
 * never missed (moby registers the waiter before it answers); start; settle once the
 * container exited and its output was written. dockerode's run sent the wait after the
 * start (its issue #582).
 *
 * `signal` aborts the whole run; `timeoutMs` bounds each step's answer (create, start,
 * the attach's and the wait's response heads, the removal), not how long the container
 * runs.
 */
export async function run(ctx: ClientContext, options: RunOptions, streams?: StreamOptions, call: CallOptions = {}): Promise<RunResult> {
  const { Id: id } = await createContainer(ctx, options, call);
  // Stops the attach and the wait when something else failed (they would otherwise last
  // until the container exits, or forever for a container that never started).
  const cleanup = new AbortController();
  const signal = call.signal ? AbortSignal.any([call.signal, cleanup.signal]) : cleanup.signal;
  const longCall: CallOptions = { ...call, signal };
  let failed = true;
  try {
    let session: Promise<void> | undefined;
    // No stream given (`{}`): nothing would be read or written, so no attach.
    if (streams && (streams.stdin || streams.stdout || streams.stderr)) {
      const tty = streams.rawTerminal ?? options.config.Tty === true;
      ({ session } = await openAttach(ctx, id, {}, streams, tty, longCall));
      session.catch(() => undefined);
    }
    let wait: Promise<WaitContainerResult>;
    if (hasNextExit(ctx.apiVersion)) {
      ({ result: wait } = await beginWait(ctx, id, { condition: 'next-exit' }, longCall, 'run'));
      await startContainer(ctx, id, call);
    } else {
      // API < 1.30 has no `condition`: the legacy wait returns at once for a container that
      // is not running yet, so it goes after the start. An exited container still answers
      // with its exit code then, as the docker CLI relies on.
      await startContainer(ctx, id, call);
      ({ result: wait } = await beginWait(ctx, id, {}, longCall, 'run'));
    }
    const [res] = await Promise.all([wait, session]);
    if (res.Error?.Message) {
      throw new DockerError(`run: waiting for container ${id} failed: ${res.Error.Message}`, { operation: 'ContainerWait', daemonMessage: res.Error.Message });
    }
    failed = false;
    return { id, exitCode: res.StatusCode };
  } finally {
    if (failed) cleanup.abort();
    if (options.remove) {
      // Not with the caller's signal: an aborted run still removes its container.
      const removal = removeContainer(ctx, id, { force: true }, { timeoutMs: call.timeoutMs });
      if (failed) await removal.catch(() => undefined);
      else await removal;
    }
  }
}

/** `condition=next-exit` exists from API 1.30; unknown (no negotiation yet): assume a current daemon. */
function hasNextExit(apiVersion: string | undefined): boolean {
  if (!apiVersion) return true;
  const [major = 0, minor = 0] = apiVersion.split('.').map(Number);
  return major > 1 || (major === 1 && minor >= 30);
}
