import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import { encodeFilters, type Filters } from './filters.js';

export interface PruneNetworksOptions {
  /**
   * Which unused networks go: `{ label: ['team=a'] }`, `{ 'label!': ['keep'] }`,
   * `{ until: ['24h'] }`. Without filters every unused user network goes.
   */
  filters?: Filters | undefined;
}

export interface PruneNetworksResult {
  /** Names of the networks removed. */
  NetworksDeleted: string[];
}

/** POST /networks/prune */
export async function pruneNetworks(ctx: ClientContext, options: PruneNetworksOptions = {}, call?: CallOptions): Promise<PruneNetworksResult> {
  const res = await ctx.call('NetworkPrune', { query: { filters: encodeFilters(options.filters) } }, call);
  const out = (res.body ?? {}) as { NetworksDeleted?: string[] | null };
  return { NetworksDeleted: out.NetworksDeleted ?? [] };
}
