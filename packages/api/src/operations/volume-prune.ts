import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import { encodeFilters, type Filters } from './filters.js';

export interface PruneVolumesOptions {
  /**
   * `{ label: ['k=v'] }`, `{ 'label!': [...] }`. API >= 1.42 prunes only anonymous volumes
   * unless `{ all: ['true'] }`; 1.41 prunes every unused volume that matches.
   */
  filters?: Filters | undefined;
}

export interface PruneVolumesResult {
  /** Names of the removed volumes (empty, never null). */
  VolumesDeleted: string[];
  /** Bytes freed. */
  SpaceReclaimed: number;
}

/** POST /volumes/prune: removes volumes no container uses. */
export async function pruneVolumes(ctx: ClientContext, options: PruneVolumesOptions = {}, call?: CallOptions): Promise<PruneVolumesResult> {
  const res = await ctx.call('VolumePrune', { query: { filters: encodeFilters(options.filters) } }, call);
  const body = (res.body ?? {}) as { VolumesDeleted?: string[] | null; SpaceReclaimed?: number };
  return { VolumesDeleted: body.VolumesDeleted ?? [], SpaceReclaimed: body.SpaceReclaimed ?? 0 };
}
