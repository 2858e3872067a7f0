import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { components } from '../generated/engine-api.js';

export type InspectContainerResult = components['schemas']['ContainerInspectResponse'];

/**
 * GET /containers/{id}/json. `size: true` (inspectContainerWithSize) also fills SizeRw and
 * SizeRootFs, which costs the daemon a walk of the container's files.
 */
export async function inspectContainer(
  ctx: ClientContext,
  id: string,
  options: { size?: boolean | undefined } = {},
  call?: CallOptions,
): Promise<InspectContainerResult> {
  const res = await ctx.call('ContainerInspect', { path: { id }, query: { size: options.size } }, call);
  return res.body as InspectContainerResult;
}
