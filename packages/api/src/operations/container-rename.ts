import { InvalidParameterError } from '@dockline/core';
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';

/** Nothing yet: a type so fields can be added without breaking callers. */
export interface RenameContainerResult {}

/** POST /containers/{id}/rename?name=. A name another container has is a ConflictError (409). */
export async function renameContainer(ctx: ClientContext, id: string, name: string, call?: CallOptions): Promise<RenameContainerResult> {
  if (typeof name !== 'string' || name === '') {
    throw new InvalidParameterError(`dockline: renameContainer name must be a non-empty string, got ${JSON.stringify(name)}`);
  }
  await ctx.call('ContainerRename', { path: { id }, query: { name } }, call);
  return {};
}
