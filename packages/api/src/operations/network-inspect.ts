import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { components } from '../generated/engine-api.js';
import { requireId } from './validate.js';

export type InspectNetworkResult = components['schemas']['NetworkInspect'];

export interface InspectNetworkOptions {
  /** Swarm overlay networks: also list the services and tasks on every node. */
  verbose?: boolean | undefined;
  /** Look the name up only in this scope: 'swarm', 'global' or 'local'. */
  scope?: 'swarm' | 'global' | 'local' | undefined;
}

/** GET /networks/{id}: Containers holds the endpoints of the containers connected here. */
export async function inspectNetwork(
  ctx: ClientContext,
  id: string,
  options: InspectNetworkOptions = {},
  call?: CallOptions,
): Promise<InspectNetworkResult> {
  requireId('inspectNetwork', 'id', id, 'NetworkInspect');
  const res = await ctx.call('NetworkInspect', { path: { id }, query: { verbose: options.verbose, scope: options.scope } }, call);
  return res.body as InspectNetworkResult;
}
