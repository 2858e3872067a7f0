// The swarm itself: swarmInspect, swarmUpdate.
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { components } from '../generated/engine-api.js';
import { staleVersionError } from './swarm-version.js';
import { requireVersion } from './validate.js';

export type SwarmInspectResult = components['schemas']['Swarm'];
export type SwarmSpec = components['schemas']['SwarmSpec'];

export interface SwarmUpdateFlags {
  rotateWorkerToken?: boolean | undefined;
  rotateManagerToken?: boolean | undefined;
  rotateManagerUnlockKey?: boolean | undefined;
}

/** Nothing yet: a type so fields can be added without breaking callers. */
export interface SwarmUpdateResult {}

/** GET /swarm (managers only): ID, Version, Spec, JoinTokens... A worker gets a 503. */
export async function swarmInspect(ctx: ClientContext, call?: CallOptions): Promise<SwarmInspectResult> {
  const res = await ctx.call('SwarmInspect', {}, call);
  return res.body as SwarmInspectResult;
}

/**
 * POST /swarm/update?version=N: `version` is `Version.Index` from swarmInspect; an older
 * one is a ConflictError naming it.
 */
export async function swarmUpdate(
  ctx: ClientContext,
  version: number,
  spec: SwarmSpec,
  flags: SwarmUpdateFlags = {},
  call?: CallOptions,
): Promise<SwarmUpdateResult> {
  requireVersion('swarmUpdate', version, 'SwarmUpdate');
  try {
    await ctx.call(
      'SwarmUpdate',
      {
        query: {
          version,
          rotateWorkerToken: flags.rotateWorkerToken,
          rotateManagerToken: flags.rotateManagerToken,
          rotateManagerUnlockKey: flags.rotateManagerUnlockKey,
        },
        body: spec,
      },
      call,
    );
  } catch (err) {
    throw staleVersionError(err, 'swarmUpdate', version);
  }
  return {};
}
