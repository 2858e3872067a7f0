import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { components } from '../generated/engine-api.js';

/** `{ Path, Kind }`, Kind 0: modified, 1: added, 2: deleted. */
export type FilesystemChange = components['schemas']['FilesystemChange'];
export type ContainerChangesResult = FilesystemChange[];

/** GET /containers/{id}/changes: what differs from the image (an empty list, never null). */
export async function containerChanges(ctx: ClientContext, id: string, call?: CallOptions): Promise<ContainerChangesResult> {
  const res = await ctx.call('ContainerChanges', { path: { id } }, call);
  // The daemon answers `null` when nothing changed.
  return (res.body ?? []) as ContainerChangesResult;
}
