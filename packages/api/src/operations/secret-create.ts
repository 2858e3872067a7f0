// Swarm secrets: createSecret, inspectSecret, listSecrets, removeSecret (managers only).
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { components } from '../generated/engine-api.js';
import { encodeFilters, type Filters } from './filters.js';
import { requireId } from './validate.js';

export type SecretSpec = components['schemas']['SecretSpec'];
export type SwarmSecret = components['schemas']['Secret'];

/** A spec whose `Data` may be given as text or bytes; it is sent base64-encoded, as the API wants. */
export type CreateSecretSpec = Omit<SecretSpec, 'Data'> & { Data?: string | Uint8Array | undefined };

export interface ListSecretsOptions {
  /** e.g. `{ name: ['db-password'], label: ['team=a'] }`. */
  filters?: Filters | undefined;
}

/** Nothing yet: a type so fields can be added without breaking callers. */
export interface RemoveSecretResult {}

/**
 * POST /secrets/create -> `{ ID }`. `Data` given as a string or bytes is base64-encoded
 * here (the daemon expects base64: a plain string would be decoded, or refused). A name in
 * use is a ConflictError.
 */
export async function createSecret(ctx: ClientContext, spec: CreateSecretSpec, call?: CallOptions): Promise<{ ID: string }> {
  requireId('createSecret', 'spec.Name', spec?.Name, 'SecretCreate');
  const body = spec.Data === undefined ? spec : { ...spec, Data: Buffer.from(spec.Data).toString('base64') };
  const res = await ctx.call('SecretCreate', { body }, call);
  // dockerd answers {"ID": ...}; the newest spec names it IDResponse {"Id": ...}: accept both.
  const out = res.body as { ID?: string; Id?: string };
  return { ID: (out.ID ?? out.Id)! };
}

/** GET /secrets/{id}: never the data (the daemon does not return it) */
export async function inspectSecret(ctx: ClientContext, id: string, call?: CallOptions): Promise<SwarmSecret> {
  requireId('inspectSecret', 'id', id, 'SecretInspect');
  const res = await ctx.call('SecretInspect', { path: { id } }, call);
  return res.body as SwarmSecret;
}

/** GET /secrets */
export async function listSecrets(ctx: ClientContext, options: ListSecretsOptions = {}, call?: CallOptions): Promise<SwarmSecret[]> {
  const res = await ctx.call('SecretList', { query: { filters: encodeFilters(options.filters) } }, call);
  return (res.body ?? []) as SwarmSecret[];
}

/** DELETE /secrets/{id}; one a service still uses is refused (the daemon's "in use" error). */
export async function removeSecret(ctx: ClientContext, id: string, call?: CallOptions): Promise<RemoveSecretResult> {
  requireId('removeSecret', 'id', id, 'SecretDelete');
  await ctx.call('SecretDelete', { path: { id } }, call);
  return {};
}
