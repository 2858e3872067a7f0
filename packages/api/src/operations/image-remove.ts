import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { components } from '../generated/engine-api.js';

export interface RemoveImageOptions {
  /** Remove even if containers use it, and untag an image with several repositories. */
  force?: boolean | undefined;
  /** Keep untagged parent images. */
  noPrune?: boolean | undefined;
}

export type ImageDeleteResponseItem = components['schemas']['ImageDeleteResponseItem'];
/** What was untagged (`Untagged`) and deleted (`Deleted`), in the daemon's order. */
export type RemoveImageResult = ImageDeleteResponseItem[];

/** DELETE /images/{name} */
export async function removeImage(ctx: ClientContext, ref: string, options: RemoveImageOptions = {}, call?: CallOptions): Promise<RemoveImageResult> {
  const res = await ctx.call('ImageDelete', { path: { name: ref }, query: { force: options.force, noprune: options.noPrune } }, call);
  return (res.body ?? []) as RemoveImageResult;
}
