import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import { engineKindOf, type EngineKind } from './system-engine.js';

export interface PingResult {
  /** Api-Version header: the newest API version the daemon speaks. */
  apiVersion: string | undefined;
  /** OSType header: 'linux' or 'windows'. */
  osType: string | undefined;
  experimental: boolean;
  builderVersion: string | undefined;
  /** Which engine answered: Podman marks its answers (Libpod-Api-Version, Server: Libpod/x). */
  engine: EngineKind;
  /** Libpod-Api-Version header: Podman's own API version (undefined on Docker). */
  libpodApiVersion: string | undefined;
}

function header(h: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** GET /_ping (not HEAD: some proxies refuse HEAD). */
export async function ping(ctx: ClientContext, options?: CallOptions): Promise<PingResult> {
  const res = await ctx.call('SystemPing', {}, options, { response: 'empty' });
  return {
    apiVersion: header(res.headers, 'api-version'),
    osType: header(res.headers, 'ostype'),
    experimental: header(res.headers, 'docker-experimental') === 'true',
    builderVersion: header(res.headers, 'builder-version'),
    engine: engineKindOf(res.headers),
    libpodApiVersion: header(res.headers, 'libpod-api-version'),
  };
}
