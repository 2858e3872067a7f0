import { InvalidParameterError } from '@dockline/core';
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';

export interface TagImageOptions {
  /** The repository to tag into: "team/app", "127.0.0.1:5000/team/app". */
  repo: string;
  /** Default "latest" (the daemon's default). */
  tag?: string | undefined;
}

export interface TagImageResult {
  /** The new reference, `repo:tag`. */
  ref: string;
}

/** POST /images/{name}/tag: give the image `ref` (a name, tag, digest or id) another name. */
export async function tagImage(ctx: ClientContext, ref: string, options: TagImageOptions, call?: CallOptions): Promise<TagImageResult> {
  if (typeof options?.repo !== 'string' || options.repo === '') {
    throw new InvalidParameterError(`tagImage: repo must be a non-empty string, got ${JSON.stringify(options?.repo)}`, { operation: 'ImageTag' });
  }
  if (options.tag !== undefined && (typeof options.tag !== 'string' || options.tag === '')) {
    throw new InvalidParameterError(`tagImage: tag must be a non-empty string when given, got ${JSON.stringify(options.tag)}`, { operation: 'ImageTag' });
  }
  const tag = options.tag ?? 'latest';
  await ctx.call('ImageTag', { path: { name: ref }, query: { repo: options.repo, tag } }, call);
  return { ref: `${options.repo}:${tag}` };
}
