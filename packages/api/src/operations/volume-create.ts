import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { components } from '../generated/engine-api.js';

/** `{ Name?, Driver?, DriverOpts?, Labels? }` (the spec's VolumeCreateRequest). */
export type VolumeCreateConfig = components['schemas']['VolumeCreateRequest'];
export type Volume = components['schemas']['Volume'];

/**
 * POST /volumes/create -> the volume. Without `Name` the daemon picks one; creating a
 * name that exists with the same driver returns the existing volume (not an error).
 */
export async function createVolume(ctx: ClientContext, config: VolumeCreateConfig = {}, call?: CallOptions): Promise<Volume> {
  const res = await ctx.call('VolumeCreate', { body: config }, call);
  return res.body as Volume;
}
