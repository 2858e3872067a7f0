import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { components } from '../generated/engine-api.js';

export type InfoResult = components['schemas']['SystemInfo'];

/** GET /info */
export async function info(ctx: ClientContext, options?: CallOptions): Promise<InfoResult> {
  const res = await ctx.call('SystemInfo', {}, options);
  return res.body as InfoResult;
}
