import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import { ping } from './system-ping.js';
import { version } from './system-version.js';

/** Which engine answers behind the Docker API: many users point Docker clients at Podman. */
export type EngineKind = 'docker' | 'podman' | 'unknown';

export interface EngineIdentity {
  /** 'podman' when /_ping carries Libpod-Api-Version or /version lists a "Podman Engine" component. */
  kind: EngineKind;
  /** The engine's own name from /version's Components ("Engine", "Podman Engine"), else undefined. */
  name: string | undefined;
  /** The engine's release (/version's Version: "20.10.24", or Podman's "4.3.1"). */
  version: string | undefined;
  /** The Docker API version it announces (Api-Version of /_ping). */
  apiVersion: string | undefined;
  /** The oldest Docker API version it accepts (/version's MinAPIVersion). */
  minApiVersion: string | undefined;
  /** Podman's own API version (Libpod-Api-Version of /_ping); undefined on Docker. */
  libpodApiVersion: string | undefined;
}

/** Podman marks its /_ping answers (Libpod-Api-Version, Server: Libpod/x) and its /version Components. */
export function engineKindOf(headers: Record<string, string | string[] | undefined>, componentNames: readonly string[] = []): EngineKind {
  const server = String(headers.server ?? '');
  if (headers['libpod-api-version'] !== undefined || /^libpod\//i.test(server) || componentNames.includes('Podman Engine')) return 'podman';
  if (componentNames.includes('Engine') || /^docker\//i.test(server) || headers['docker-experimental'] !== undefined) return 'docker';
  return 'unknown';
}

/** GET /_ping, then GET /version: which engine this is, and the API versions it announces. */
export async function detectEngine(ctx: ClientContext, options?: CallOptions): Promise<EngineIdentity> {
  const p = await ping(ctx, options);
  const v = await version(ctx, options);
  const components = v.Components ?? [];
  const kind = p.engine === 'podman' ? 'podman' : engineKindOf({}, components.map((c) => c.Name));
  const main = components.find((c) => c.Name === (kind === 'podman' ? 'Podman Engine' : 'Engine'));
  return {
    kind: kind === 'unknown' ? p.engine : kind,
    name: main?.Name,
    version: v.Version ?? main?.Version,
    apiVersion: p.apiVersion ?? v.ApiVersion,
    minApiVersion: v.MinAPIVersion,
    libpodApiVersion: p.libpodApiVersion,
  };
}
