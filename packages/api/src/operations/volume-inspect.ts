import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { Volume } from './volume-create.js';

/** GET /volumes/{name}. A missing volume is a NotFoundError. */
export async function inspectVolume(ctx: ClientContext, name: string, call?: CallOptions): Promise<Volume> {
  const res = await ctx.call('VolumeInspect', { path: { name } }, call);
  return res.body as Volume;
}
