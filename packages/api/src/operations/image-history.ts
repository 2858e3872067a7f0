import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { components } from '../generated/engine-api.js';

export type ImageHistoryItem = components['schemas']['ImageHistoryResponseItem'];
/** Newest layer first, as the daemon lists them. */
export type ImageHistoryResult = ImageHistoryItem[];

/** GET /images/{name}/history */
export async function imageHistory(ctx: ClientContext, id: string, call?: CallOptions): Promise<ImageHistoryResult> {
  const res = await ctx.call('ImageHistory', { path: { name: id } }, call);
  return (res.body ?? []) as ImageHistoryResult;
}
