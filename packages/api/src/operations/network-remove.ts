import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import { requireId } from './validate.js';

/** Nothing yet: a type so fields can be added without breaking callers. */
export interface RemoveNetworkResult {}

/**
 * DELETE /networks/{id}. A network that containers still use is refused: ForbiddenError
 * (403, "has active endpoints") on dockerd 20.10; a missing one is a NotFoundError.
 */
export async function removeNetwork(ctx: ClientContext, id: string, call?: CallOptions): Promise<RemoveNetworkResult> {
  requireId('removeNetwork', 'id', id, 'NetworkDelete');
  await ctx.call('NetworkDelete', { path: { id } }, call);
  return {};
}
