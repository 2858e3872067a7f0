import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { components } from '../generated/engine-api.js';

type Schemas = components['schemas'];

export interface SystemDfOptions {
  /** Only these object types (API >= 1.42; older daemons answer with all of them). */
  type?: readonly ('container' | 'image' | 'volume' | 'build-cache')[] | undefined;
}

/**
 * What the daemon uses on disk. Up to API 1.51 (dockerd 20.10 answers with these) the lists:
 * `LayersSize`, `Images`, `Containers`, `Volumes` (each with `UsageData`), `BuildCache`.
 * Newer APIs answer with the `*Usage` summaries instead.
 */
export interface SystemDfResult {
  LayersSize?: number;
  Images?: Schemas['ImageSummary'][];
  Containers?: Schemas['ContainerSummary'][];
  Volumes?: Schemas['Volume'][];
  BuildCache?: Schemas['BuildCache'][];
  ImageUsage?: Schemas['ImagesDiskUsage'];
  ContainerUsage?: Schemas['ContainersDiskUsage'];
  VolumeUsage?: Schemas['VolumesDiskUsage'];
  BuildCacheUsage?: Schemas['BuildCacheDiskUsage'];
}

/** GET /system/df. It walks every container and volume: pass a longer `timeoutMs` on a big host. */
export async function systemDf(ctx: ClientContext, options: SystemDfOptions = {}, call?: CallOptions): Promise<SystemDfResult> {
  const res = await ctx.call('SystemDataUsage', { query: { type: options.type?.length ? [...options.type] : undefined } }, call);
  return (res.body ?? {}) as SystemDfResult;
}
