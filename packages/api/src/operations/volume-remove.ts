import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';

export interface RemoveVolumeOptions {
  /** Remove it even when a driver fails to (its data may stay behind). It never removes a volume in use. */
  force?: boolean | undefined;
}

/** Nothing yet: a type so fields can be added without breaking callers. */
export interface RemoveVolumeResult {}

/** DELETE /volumes/{name}. In use by a container: ConflictError (409); missing: NotFoundError. */
export async function removeVolume(ctx: ClientContext, name: string, options: RemoveVolumeOptions = {}, call?: CallOptions): Promise<RemoveVolumeResult> {
  await ctx.call('VolumeDelete', { path: { name }, query: { force: options.force } }, call);
  return {};
}
