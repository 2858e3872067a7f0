import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { components } from '../generated/engine-api.js';
import { encodeFilters, type Filters } from './filters.js';

export interface ListImagesOptions {
  /** Include intermediate images. Default false. */
  all?: boolean | undefined;
  /** e.g. `{ reference: ['busybox:*'], dangling: ['false'], label: ['k=v'] }`. */
  filters?: Filters | undefined;
  /** Compute SharedSize (API >= 1.42; older daemons ignore it). */
  sharedSize?: boolean | undefined;
  /** Fill RepoDigests for every image (API >= 1.42; older daemons ignore it). */
  digests?: boolean | undefined;
}

export type ImageSummary = components['schemas']['ImageSummary'];
export type ListImagesResult = ImageSummary[];

/** GET /images/json */
export async function listImages(ctx: ClientContext, options: ListImagesOptions = {}, call?: CallOptions): Promise<ListImagesResult> {
  const res = await ctx.call(
    'ImageList',
    {
      query: {
        all: options.all,
        filters: encodeFilters(options.filters),
        'shared-size': options.sharedSize,
        digests: options.digests,
      },
    },
    call,
  );
  return (res.body ?? []) as ListImagesResult;
}
