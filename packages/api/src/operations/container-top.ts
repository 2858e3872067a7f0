import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { components } from '../generated/engine-api.js';

export interface TopContainerOptions {
  /** Arguments for `ps` on the host, e.g. `-ef` or `aux` (the daemon's default: `-ef`). */
  psArgs?: string | undefined;
}

/** `{ Titles, Processes }`: the ps columns, and one row of values per process. */
export type TopContainerResult = components['schemas']['ContainerTopResponse'];

/** GET /containers/{id}/top. A container that is not running is a ConflictError (409). */
export async function topContainer(ctx: ClientContext, id: string, options: TopContainerOptions = {}, call?: CallOptions): Promise<TopContainerResult> {
  const res = await ctx.call('ContainerTop', { path: { id }, query: { ps_args: options.psArgs } }, call);
  const body = (res.body ?? {}) as TopContainerResult;
  return { Titles: body.Titles ?? [], Processes: body.Processes ?? [] };
}
