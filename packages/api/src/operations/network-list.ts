import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { components } from '../generated/engine-api.js';
import { encodeFilters, type Filters } from './filters.js';

export interface ListNetworksOptions {
  /** e.g. `{ label: ['team=a'], driver: ['bridge'], name: ['web'] }` (the Engine API's filter names). */
  filters?: Filters | undefined;
}

/** A network as GET /networks lists it (Containers is not filled there: inspect for it). */
export type NetworkSummary = components['schemas']['NetworkSummary'];
export type ListNetworksResult = NetworkSummary[];

/** GET /networks */
export async function listNetworks(ctx: ClientContext, options: ListNetworksOptions = {}, call?: CallOptions): Promise<ListNetworksResult> {
  const res = await ctx.call('NetworkList', { query: { filters: encodeFilters(options.filters) } }, call);
  return (res.body ?? []) as ListNetworksResult;
}
