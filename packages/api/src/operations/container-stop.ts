import { InvalidParameterError } from '@dockline/core';
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import { stopGraceMs } from './grace-deadline.js';

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
