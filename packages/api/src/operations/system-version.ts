import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { components } from '../generated/engine-api.js';

export type VersionResult = components['schemas']['SystemVersion'];

/** GET /version */
export async function version(ctx: ClientContext, options?: CallOptions): Promise<VersionResult> {
  const res = await ctx.call('SystemVersion', {}, options);
  return res.body as VersionResult;
}
