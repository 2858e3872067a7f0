import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';

/** Nothing yet: a type so fields can be added without breaking callers. */
export interface PauseContainerResult {}

/**
 * POST /containers/{id}/pause: freezes every process (cgroup freezer). Pausing a paused or
 * stopped container is a ConflictError (409).
 */
export async function pauseContainer(ctx: ClientContext, id: string, call?: CallOptions): Promise<PauseContainerResult> {
  await ctx.call('ContainerPause', { path: { id } }, call);
  return {};
}

/** POST /containers/{id}/unpause. A container that is not paused is a ConflictError (409). */
export async function unpauseContainer(ctx: ClientContext, id: string, call?: CallOptions): Promise<PauseContainerResult> {
  await ctx.call('ContainerUnpause', { path: { id } }, call);
  return {};
}
