import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import { encodeFilters, type Filters } from './filters.js';

export interface PruneContainersOptions {
  /** `{ label: ['k=v'] }`, `{ 'label!': [...] }`, `{ until: ['10m'] }`. Without filters, every stopped container goes. */
  filters?: Filters | undefined;
}

export interface PruneContainersResult {
  /** Ids of the removed containers (empty, never null). */
  ContainersDeleted: string[];
  /** Bytes freed. */
  SpaceReclaimed: number;
}

/** POST /containers/prune: removes stopped containers. */
export async function pruneContainers(ctx: ClientContext, options: PruneContainersOptions = {}, call?: CallOptions): Promise<PruneContainersResult> {
  const res = await ctx.call('ContainerPrune', { query: { filters: encodeFilters(options.filters) } }, call);
  const body = (res.body ?? {}) as { ContainersDeleted?: string[] | null; SpaceReclaimed?: number };
  return { ContainersDeleted: body.ContainersDeleted ?? [], SpaceReclaimed: body.SpaceReclaimed ?? 0 };
}
