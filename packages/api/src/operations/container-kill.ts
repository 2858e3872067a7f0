import { InvalidParameterError } from '@dockline/core';
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';

export interface KillContainerOptions {
  /**
   * The signal: a name (`SIGUSR1`, `USR1`) or a number (`10`). Default: SIGKILL. The daemon
   * checks it: an unknown name is its error (InvalidParameterError, 400).
   */
  signal?: string | number | undefined;
}

/** Nothing yet: a type so fields can be added without breaking callers. */
export interface KillContainerResult {}

/** POST /containers/{id}/kill. A container that is not running is a ConflictError (409). */
export async function killContainer(
  ctx: ClientContext,
  id: string,
  options: KillContainerOptions = {},
  call?: CallOptions,
): Promise<KillContainerResult> {
  const s = options.signal;
  if (s !== undefined && !(typeof s === 'string' && s !== '') && !(typeof s === 'number' && Number.isInteger(s) && s > 0)) {
    throw new InvalidParameterError(`dockline: killContainer signal must be a signal name or a positive number, got ${JSON.stringify(s)}`);
  }
  await ctx.call('ContainerKill', { path: { id }, query: { signal: s === undefined ? undefined : String(s) } }, call);
  return {};
}
