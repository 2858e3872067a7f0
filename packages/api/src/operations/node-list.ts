// Swarm nodes: listNodes, inspectNode, updateNode, removeNode (managers only).
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { components } from '../generated/engine-api.js';
import { encodeFilters, type Filters } from './filters.js';
import { staleVersionError } from './swarm-version.js';
import { requireId, requireVersion } from './validate.js';

export type SwarmNode = components['schemas']['Node'];
export type NodeSpec = components['schemas']['NodeSpec'];

export interface ListNodesOptions {
  /** e.g. `{ role: ['manager'] }`, `{ membership: ['accepted'] }`, `{ 'node.label': ['zone=a'] }`. */
  filters?: Filters | undefined;
}

export interface RemoveNodeOptions {
  /** Remove a node that is not down yet (the daemon refuses otherwise). */
  force?: boolean | undefined;
}

/** Nothing yet: a type so fields can be added without breaking callers. */
export interface UpdateNodeResult {}
/** Nothing yet: a type so fields can be added without breaking callers. */
export interface RemoveNodeResult {}

/** GET /nodes */
export async function listNodes(ctx: ClientContext, options: ListNodesOptions = {}, call?: CallOptions): Promise<SwarmNode[]> {
  const res = await ctx.call('NodeList', { query: { filters: encodeFilters(options.filters) } }, call);
  return (res.body ?? []) as SwarmNode[];
}

/** GET /nodes/{id} */
export async function inspectNode(ctx: ClientContext, id: string, call?: CallOptions): Promise<SwarmNode> {
  requireId('inspectNode', 'id', id, 'NodeInspect');
  const res = await ctx.call('NodeInspect', { path: { id } }, call);
  return res.body as SwarmNode;
}

/**
 * POST /nodes/{id}/update?version=N: the whole spec (Availability, Role, Labels, Name);
 * `version` is `Version.Index` from inspectNode. An older one is a ConflictError naming it.
 */
export async function updateNode(ctx: ClientContext, id: string, version: number, spec: NodeSpec, call?: CallOptions): Promise<UpdateNodeResult> {
  requireId('updateNode', 'id', id, 'NodeUpdate');
  requireVersion('updateNode', version, 'NodeUpdate');
  try {
    await ctx.call('NodeUpdate', { path: { id }, query: { version }, body: spec }, call);
  } catch (err) {
    throw staleVersionError(err, `updateNode ${id}`, version);
  }
  return {};
}

/** DELETE /nodes/{id} */
export async function removeNode(ctx: ClientContext, id: string, options: RemoveNodeOptions = {}, call?: CallOptions): Promise<RemoveNodeResult> {
  requireId('removeNode', 'id', id, 'NodeDelete');
  await ctx.call('NodeDelete', { path: { id }, query: { force: options.force } }, call);
  return {};
}
