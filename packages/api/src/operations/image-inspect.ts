import { NotFoundError } from '@dockline/core';
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { components } from '../generated/engine-api.js';
import { matchImageIDOnly, matchImageTagOrSHA } from './image-reference.js';

export type InspectImageResult = components['schemas']['ImageInspect'];

async function inspectImageRaw(ctx: ClientContext, name: string, call?: CallOptions): Promise<InspectImageResult> {
  const res = await ctx.call('ImageInspect', { path: { name } }, call);
  return res.body as InspectImageResult;
}

function mismatch(what: string, requested: string, found: InspectImageResult): NotFoundError {
  return new NotFoundError(
    `no such image: ${requested} (the daemon resolved it to ${found.Id ?? 'an image without an id'}, which does not match it as ${what})`,
    { operation: 'ImageInspect' },
  );
}

/**
 * GET /images/{name}/json for a reference (`busybox`, `app:v1`, `repo@sha256:...`), checked
 * like the kubelet's InspectImageByRef: the image found must carry that tag (RepoTags) or
 * digest (RepoDigests or its id); otherwise NotFoundError. An image id is not a reference
 * here: use inspectImageByID.
 */
export async function inspectImageByRef(ctx: ClientContext, ref: string, call?: CallOptions): Promise<InspectImageResult> {
  const image = await inspectImageRaw(ctx, ref, call);
  if (!matchImageTagOrSHA(image, ref)) throw mismatch('a tag or digest reference', ref, image);
  return image;
}

/**
 * GET /images/{name}/json for an image id ("sha256:<64 hex>", or `name@sha256:...` whose
 * digest is the id), checked like the kubelet's InspectImageByID: the daemon resolves names
 * and id prefixes too, so an answer whose Id is not the one asked for is a NotFoundError.
 */
export async function inspectImageByID(ctx: ClientContext, id: string, call?: CallOptions): Promise<InspectImageResult> {
  const image = await inspectImageRaw(ctx, id, call);
  if (!matchImageIDOnly(image, id)) throw mismatch('an image id', id, image);
  return image;
}
