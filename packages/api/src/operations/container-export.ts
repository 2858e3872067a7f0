import type { Readable } from 'node:stream';
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';

/**
 * GET /containers/{id}/export: the container's whole filesystem as a tar `Readable`.
 * Consume it or destroy it (that closes the connection); `signal` aborts it too.
 */
export async function exportContainer(ctx: ClientContext, id: string, call?: CallOptions): Promise<Readable> {
  const res = await ctx.call('ContainerExport', { path: { id } }, call);
  return res.stream!;
}
