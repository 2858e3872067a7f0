// Swarm configs: createConfig, inspectConfig, listConfigs, removeConfig (managers only).
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { components } from '../generated/engine-api.js';
import { encodeFilters, type Filters } from './filters.js';
import { requireId } from './validate.js';

export type ConfigSpec = components['schemas']['ConfigSpec'];
export type SwarmConfig = components['schemas']['Config'];

/** A spec whose `Data` may be given as text or bytes; it is sent base64-encoded, as the API wants. */
export type CreateConfigSpec = Omit<ConfigSpec, 'Data'> & { Data?: string | Uint8Array | undefined };

export interface ListConfigsOptions {
  /** e.g. `{ name: ['db-password'], label: ['team=a'] }`. */
  filters?: Filters | undefined;
}

/** Nothing yet: a type so fields can be added without breaking callers. */
export interface RemoveConfigResult {}

/**
 * POST /configs/create -> `{ ID }`. `Data` given as a string or bytes is base64-encoded
 * here (the daemon expects base64: a plain string would be decoded, or refused). A name in
 * use is a ConflictError.
 */
export async function createConfig(ctx: ClientContext, spec: CreateConfigSpec, call?: CallOptions): Promise<{ ID: string }> {
  requireId('createConfig', 'spec.Name', spec?.Name, 'ConfigCreate');
  const body = spec.Data === undefined ? spec : { ...spec, Data: Buffer.from(spec.Data).toString('base64') };
  const res = await ctx.call('ConfigCreate', { body }, call);
  // dockerd answers {"ID": ...}; the newest spec names it IDResponse {"Id": ...}: accept both.
  const out = res.body as { ID?: string; Id?: string };
  return { ID: (out.ID ?? out.Id)! };
}

/** GET /configs/{id}: Spec.Data holds the content, base64-encoded */
export async function inspectConfig(ctx: ClientContext, id: string, call?: CallOptions): Promise<SwarmConfig> {
  requireId('inspectConfig', 'id', id, 'ConfigInspect');
  const res = await ctx.call('ConfigInspect', { path: { id } }, call);
  return res.body as SwarmConfig;
}

/** GET /configs */
export async function listConfigs(ctx: ClientContext, options: ListConfigsOptions = {}, call?: CallOptions): Promise<SwarmConfig[]> {
  const res = await ctx.call('ConfigList', { query: { filters: encodeFilters(options.filters) } }, call);
  return (res.body ?? []) as SwarmConfig[];
}

/** DELETE /configs/{id}; one a service still uses is refused (the daemon's "in use" error). */
export async function removeConfig(ctx: ClientContext, id: string, call?: CallOptions): Promise<RemoveConfigResult> {
  requireId('removeConfig', 'id', id, 'ConfigDelete');
  await ctx.call('ConfigDelete', { path: { id } }, call);
  return {};
}
