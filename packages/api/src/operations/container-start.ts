import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';

export interface StartContainerResult {
  /** The daemon answered 304: the container was already running. */
  alreadyStarted: boolean;
}

/** POST /containers/{id}/start */
export async function startContainer(ctx: ClientContext, id: string, call?: CallOptions): Promise<StartContainerResult> {
  const res = await ctx.call('ContainerStart', { path: { id } }, call);
  return { alreadyStarted: res.statusCode === 304 };
}
