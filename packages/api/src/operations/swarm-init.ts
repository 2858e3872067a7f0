// Joining and leaving a swarm: swarmInit, swarmJoin, swarmLeave.
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { operations } from '../generated/engine-api.js';

/** The body of POST /swarm/init: ListenAddr, AdvertiseAddr, DataPathAddr, Spec... */
export type SwarmInitSpec = operations['SwarmInit']['requestBody']['content']['application/json'];
/** The body of POST /swarm/join: RemoteAddrs, JoinToken, ListenAddr, AdvertiseAddr... */
export type SwarmJoinSpec = operations['SwarmJoin']['requestBody']['content']['application/json'];

export interface SwarmLeaveOptions {
  /** Leave even as the last manager (which destroys the swarm) or when quorum would be lost. */
  force?: boolean | undefined;
}

/** Nothing yet: a type so fields can be added without breaking callers. */
export interface SwarmJoinResult {}
/** Nothing yet: a type so fields can be added without breaking callers. */
export interface SwarmLeaveResult {}

/** POST /swarm/init -> the new node's ID. A daemon already in a swarm answers 503 (UnavailableError). */
export async function swarmInit(ctx: ClientContext, spec: SwarmInitSpec, call?: CallOptions): Promise<string> {
  const res = await ctx.call('SwarmInit', { body: spec }, call);
  return res.body as string;
}

/** POST /swarm/join: join as a manager or worker, by the token given. */
export async function swarmJoin(ctx: ClientContext, spec: SwarmJoinSpec, call?: CallOptions): Promise<SwarmJoinResult> {
  await ctx.call('SwarmJoin', { body: spec }, call);
  return {};
}

/** POST /swarm/leave */
export async function swarmLeave(ctx: ClientContext, options: SwarmLeaveOptions = {}, call?: CallOptions): Promise<SwarmLeaveResult> {
  await ctx.call('SwarmLeave', { query: { force: options.force } }, call);
  return {};
}
