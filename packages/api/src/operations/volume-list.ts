import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import { encodeFilters, type Filters } from './filters.js';
import type { Volume } from './volume-create.js';

export interface ListVolumesOptions {
  /** `{ label: ['k=v'] }`, `{ name: [...] }`, `{ driver: [...] }`, `{ dangling: ['true'] }`. */
  filters?: Filters | undefined;
}

export interface ListVolumesResult {
  /** Empty, never null. */
  Volumes: Volume[];
  /** Empty, never null. */
  Warnings: string[];
}

/** GET /volumes */
export async function listVolumes(ctx: ClientContext, options: ListVolumesOptions = {}, call?: CallOptions): Promise<ListVolumesResult> {
  const res = await ctx.call('VolumeList', { query: { filters: encodeFilters(options.filters) } }, call);
  // The daemon sends null for both lists when they are empty.
  const body = (res.body ?? {}) as { Volumes?: Volume[] | null; Warnings?: string[] | null };
  return { Volumes: body.Volumes ?? [], Warnings: body.Warnings ?? [] };
}
