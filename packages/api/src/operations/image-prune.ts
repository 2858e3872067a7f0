import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { OperationResult } from '../generated/operation-types.js';
import { encodeFilters, type Filters } from './filters.js';

export interface PruneImagesOptions {
  /**
   * e.g. `{ label: ['team=web'], until: ['24h'] }`. Without `dangling: ['false']` only
   * untagged (dangling) images are removed, as with `docker image prune`; with it, every
   * image no container uses (`docker image prune -a`).
   */
  filters?: Filters | undefined;
}

/** What was untagged and deleted (`ImagesDeleted`, null when nothing) and `SpaceReclaimed` in bytes. */
export type PruneImagesResult = OperationResult<'ImagePrune'>;

/** POST /images/prune */
export async function pruneImages(ctx: ClientContext, options: PruneImagesOptions = {}, call?: CallOptions): Promise<PruneImagesResult> {
  const res = await ctx.call('ImagePrune', { query: { filters: encodeFilters(options.filters) } }, call);
  return (res.body ?? {}) as PruneImagesResult;
}
