import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { components } from '../generated/engine-api.js';

/**
 * Resources to change (Memory, MemorySwap, CpuShares, NanoCpus, PidsLimit...) and the
 * restart policy. Raising Memory above the current MemorySwap fails: set MemorySwap too
 * (-1: unlimited swap).
 */
export type UpdateContainerResources = components['schemas']['Resources'] & {
  RestartPolicy?: components['schemas']['RestartPolicy'];
};

export interface UpdateContainerResult {
  Warnings: string[];
}

/** POST /containers/{id}/update */
export async function updateContainerResources(
  ctx: ClientContext,
  id: string,
  resources: UpdateContainerResources,
  call?: CallOptions,
): Promise<UpdateContainerResult> {
  const res = await ctx.call('ContainerUpdate', { path: { id }, body: resources }, call);
  const body = (res.body ?? {}) as components['schemas']['ContainerUpdateResponse'];
  return { Warnings: body.Warnings ?? [] };
}
