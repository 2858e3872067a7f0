import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { components } from '../generated/engine-api.js';
import { requireId } from './validate.js';

export type EndpointSettings = components['schemas']['EndpointSettings'];

export interface ConnectNetworkOptions {
  /** The container's id or name. */
  container: string;
  /** Aliases, a fixed address (`IPAMConfig`), links... for this container on this network. */
  endpointConfig?: EndpointSettings | undefined;
}

export interface DisconnectNetworkOptions {
  /** The container's id or name. */
  container: string;
  /** Disconnect even when the container is gone or the endpoint is stale. */
  force?: boolean | undefined;
}

/** Nothing yet: a type so fields can be added without breaking callers. */
export interface ConnectNetworkResult {}
/** Nothing yet: a type so fields can be added without breaking callers. */
export interface DisconnectNetworkResult {}

/** POST /networks/{id}/connect: the container (running or not) joins the network. */
export async function connectNetwork(
  ctx: ClientContext,
  id: string,
  options: ConnectNetworkOptions,
  call?: CallOptions,
): Promise<ConnectNetworkResult> {
  requireId('connectNetwork', 'id', id, 'NetworkConnect');
  const container = requireId('connectNetwork', 'options.container', options?.container, 'NetworkConnect');
  const body = options.endpointConfig ? { Container: container, EndpointConfig: options.endpointConfig } : { Container: container };
  await ctx.call('NetworkConnect', { path: { id }, body }, call);
  return {};
}

/** POST /networks/{id}/disconnect */
export async function disconnectNetwork(
  ctx: ClientContext,
  id: string,
  options: DisconnectNetworkOptions,
  call?: CallOptions,
): Promise<DisconnectNetworkResult> {
  requireId('disconnectNetwork', 'id', id, 'NetworkDisconnect');
  const container = requireId('disconnectNetwork', 'options.container', options?.container, 'NetworkDisconnect');
  const body = options.force === undefined ? { Container: container } : { Container: container, Force: options.force };
  await ctx.call('NetworkDisconnect', { path: { id }, body }, call);
  return {};
}
