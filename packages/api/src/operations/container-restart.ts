import { InvalidParameterError } from '@dockline/core';
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import { stopGraceMs } from './grace-deadline.js';

export interface RestartContainerOptions {
  /**
   * Seconds to wait for the stop (SIGTERM, or the container's StopSignal) before SIGKILL.
   * Absent: the container's own StopTimeout (10 s unless set at create). 0: kill at once.
   */
  timeout?: number | undefined;
}

/** Nothing yet: a type so fields can be added without breaking callers. */
export interface RestartContainerResult {}

/**
 * POST /containers/{id}/restart: stop (as stopContainer) then start. The grace period
 * travels as the request's `graceMs`, as for stopContainer (grace-deadline.ts).
 */
export async function restartContainer(ctx: ClientContext, id: string, options: RestartContainerOptions = {}, call: CallOptions = {}): Promise<RestartContainerResult> {
  const t = options.timeout;
  if (t !== undefined && (!Number.isInteger(t) || t < -1)) {
    throw new InvalidParameterError(`dockline: restartContainer timeout must be a whole number of seconds (-1: wait forever), got ${String(t)}`);
  }
  await ctx.call('ContainerRestart', { path: { id }, query: { t } }, call, { graceMs: stopGraceMs(t) });
  return {};
}
