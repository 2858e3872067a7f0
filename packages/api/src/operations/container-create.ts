import { InvalidParameterError } from '@dockline/core';
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { components } from '../generated/engine-api.js';

export type ContainerConfig = components['schemas']['ContainerConfig'];
export type HostConfig = components['schemas']['HostConfig'];
export type NetworkingConfig = components['schemas']['NetworkingConfig'];

/** The kubelet's CreateContainer(ContainerCreateConfig): the pieces of POST /containers/create. */
export interface CreateContainerOptions {
  /** Container name (`/?[a-zA-Z0-9][a-zA-Z0-9_.-]+`); the daemon picks one when absent. */
  name?: string | undefined;
  /** Image, Cmd, Env, Labels, Tty, OpenStdin... (the spec's ContainerConfig). */
  config: ContainerConfig;
  /** NetworkMode, Binds, Memory, AutoRemove... */
  hostConfig?: HostConfig | undefined;
  networkingConfig?: NetworkingConfig | undefined;
  /** `os[/arch[/variant]]` of the image to use. */
  platform?: string | undefined;
}

export type CreateContainerResult = components['schemas']['ContainerCreateResponse'];

/** POST /containers/create */
export async function createContainer(ctx: ClientContext, options: CreateContainerOptions, call?: CallOptions): Promise<CreateContainerResult> {
  if (!options || typeof options.config !== 'object' || options.config === null) {
    throw new InvalidParameterError('dockline: createContainer({ config }) needs a config (at least { Image })');
  }
  const body: Record<string, unknown> = { ...options.config };
  if (options.hostConfig !== undefined) body.HostConfig = options.hostConfig;
  if (options.networkingConfig !== undefined) body.NetworkingConfig = options.networkingConfig;
  const res = await ctx.call('ContainerCreate', { query: { name: options.name, platform: options.platform }, body }, call);
  const out = res.body as CreateContainerResult;
  return { Id: out.Id, Warnings: out.Warnings ?? [] };
}
