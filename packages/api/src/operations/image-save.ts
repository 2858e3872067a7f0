import type { Readable } from 'node:stream';
import { InvalidParameterError, ProtocolError } from '@dockline/core';
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';

/**
 * GET /images/{name}/get (one image) or GET /images/get?names=... (several): the images as a
 * `docker save` tar stream, with their tags, for loadImages. A missing image is a
 * NotFoundError before any byte is streamed. Read or destroy the stream: it holds a
 * connection until then.
 */
export async function saveImages(ctx: ClientContext, refs: string | readonly string[], call?: CallOptions): Promise<Readable> {
  const names = typeof refs === 'string' ? [refs] : refs;
  if (!Array.isArray(names) || names.length === 0 || names.some((n) => typeof n !== 'string' || n === '')) {
    throw new InvalidParameterError(`saveImages: refs must be a non-empty name or list of names, got ${JSON.stringify(refs)}`, { operation: 'ImageGetAll' });
  }
  const res =
    names.length === 1
      ? await ctx.call('ImageGet', { path: { name: names[0]! } }, call)
      : await ctx.call('ImageGetAll', { query: { names } }, call);
  if (!res.stream) throw new ProtocolError(`${res.request.operation}: the daemon answered without a body`, { operation: res.request.operation });
  return res.stream;
}
