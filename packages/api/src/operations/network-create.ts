import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { components, operations } from '../generated/engine-api.js';
import { requireId } from './validate.js';

/** The body of POST /networks/create: `Name` plus Driver, IPAM, Labels, Internal, Attachable... */
export type CreateNetworkConfig = operations['NetworkCreate']['requestBody']['content']['application/json'];

export interface CreateNetworkResult {
  Id: string;
  /** Warnings the daemon raised while creating it (empty when none). */
  Warning: string;
}

/**
 * POST /networks/create -> `{ Id }`. A name taken already is a ConflictError (409) on
 * daemons that check it (API >= 1.44 always; 1.41 when `CheckDuplicate` is sent, which
 * this method does, as the docker CLI did).
 */
export async function createNetwork(ctx: ClientContext, config: CreateNetworkConfig, call?: CallOptions): Promise<CreateNetworkResult> {
  requireId('createNetwork', 'config.Name', config?.Name, 'NetworkCreate');
  // CheckDuplicate: ignored (always on) from API 1.44; without it 1.41 creates a second network of the same name.
  const body = { CheckDuplicate: true, ...config };
  const res = await ctx.call('NetworkCreate', { body }, call);
  const out = res.body as components['schemas']['NetworkCreateResponse'];
  return { Id: out.Id, Warning: out.Warning ?? '' };
}
