import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import { graceDeadlineMs } from './grace-deadline.js';

export interface StopContainerOptions {
  /**
   * Seconds to wait after SIGTERM (or the container's StopSignal) before SIGKILL.
   * Absent: the container's own StopTimeout (10 s unless set at create). 0: kill at once.
   */
  timeout?: number | undefined;
}

export interface StopContainerResult {
  /** The daemon answered 304: the container was not running. */
  alreadyStopped: boolean;
}

/**
 * POST /containers/{id}/stop. A stop may legitimately take `timeout` seconds, so unless the
 * call sets its own `timeoutMs`, the deadline is the client's default plus the grace
 * period (the kubelet's StopContainer does the same).
 */
export async function stopContainer(
  ctx: ClientContext,
  id: string,
  options: StopContainerOptions = {},
  call: CallOptions = {},
  defaultTimeoutMs: number,
): Promise<StopContainerResult> {
  const t = options.timeout;
  if (t !== undefined && (!Number.isInteger(t) || t < -1)) {
    throw new TypeError(`dockline: stopContainer timeout must be a whole number of seconds (-1: wait forever), got ${String(t)}`);
  }
  const timeoutMs = graceDeadlineMs(call, defaultTimeoutMs, t);
  const res = await ctx.call('ContainerStop', { path: { id }, query: { t } }, { ...call, timeoutMs });
  return { alreadyStopped: res.statusCode === 304 };
}
