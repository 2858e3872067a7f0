import { InvalidParameterError } from '@dockline/core';
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';

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

/** The daemon's grace period when the container sets none. */
const DEFAULT_STOP_TIMEOUT_S = 10;

/**
 * POST /containers/{id}/stop. A stop may legitimately take `timeout` seconds: the request
 * says so in `graceMs`, which the timeout middleware adds to its default deadline (the
 * kubelet's StopContainer does the same); a call's own `timeoutMs` still wins.
 */
export async function stopContainer(ctx: ClientContext, id: string, options: StopContainerOptions = {}, call: CallOptions = {}): Promise<StopContainerResult> {
  const t = options.timeout;
  if (t !== undefined && (!Number.isInteger(t) || t < -1)) {
    throw new InvalidParameterError(`dockline: stopContainer timeout must be a whole number of seconds (-1: wait forever), got ${String(t)}`);
  }
  const res = await ctx.call('ContainerStop', { path: { id }, query: { t } }, call, { graceMs: stopGraceMs(t) });
  return { alreadyStopped: res.statusCode === 304 };
}

/** What a stop (or restart) with `timeout` seconds may take beyond the default deadline; -1 waits forever. */
export function stopGraceMs(timeoutSeconds: number | undefined): number {
  return timeoutSeconds === -1 ? Infinity : (timeoutSeconds ?? DEFAULT_STOP_TIMEOUT_S) * 1000;
}
