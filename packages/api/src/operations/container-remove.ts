import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';

export interface RemoveContainerOptions {
  /** Kill a running container first (else removing it is a ConflictError, 409). */
  force?: boolean | undefined;
  /** Also remove its anonymous volumes (`v=1`). */
  removeVolumes?: boolean | undefined;
  /** Remove the link of that name instead of the container (legacy links). */
  link?: boolean | undefined;
}

/** Nothing yet: a type so fields can be added without breaking callers. */
export interface RemoveContainerResult {}

/** DELETE /containers/{id} */
export async function removeContainer(
  ctx: ClientContext,
  id: string,
  options: RemoveContainerOptions = {},
  call?: CallOptions,
): Promise<RemoveContainerResult> {
  await ctx.call('ContainerDelete', { path: { id }, query: { force: options.force, v: options.removeVolumes, link: options.link } }, call);
  return {};
}
