import { InvalidParameterError } from '@dockline/core';
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { ContainerConfig } from './container-create.js';

export interface CommitContainerOptions {
  /** Repository of the new image ("team/app"); without it the image is untagged. */
  repo?: string | undefined;
  /** Tag within `repo`; default "latest". */
  tag?: string | undefined;
  /** Commit message. */
  comment?: string | undefined;
  /** e.g. "Jane Doe <jane@example.com>". */
  author?: string | undefined;
  /** Dockerfile instructions applied to the image, e.g. `['CMD ["sh"]', 'LABEL team=web']`. */
  changes?: readonly string[] | undefined;
  /** Pause the container while it is committed. Default true (the daemon's). */
  pause?: boolean | undefined;
  /** Config of the new image, merged over the container's (Cmd, Env, Labels...). */
  config?: ContainerConfig | undefined;
}

export interface CommitContainerResult {
  /** The new image's id, "sha256:..." (Podman's bare hex gets the prefix). */
  Id: string;
}

/** POST /commit?container=... : a new image from the container's filesystem and config. */
export async function commitContainer(ctx: ClientContext, id: string, options: CommitContainerOptions = {}, call?: CallOptions): Promise<CommitContainerResult> {
  if (typeof id !== 'string' || id === '') {
    throw new InvalidParameterError(`commitContainer: id must be a container id or name, got ${JSON.stringify(id)}`, { operation: 'ImageCommit' });
  }
  const res = await ctx.call(
    'ImageCommit',
    {
      query: {
        container: id,
        repo: options.repo,
        tag: options.tag,
        comment: options.comment,
        author: options.author,
        changes: options.changes,
        pause: options.pause,
      },
      // Always a JSON body: Podman 4.3 answers 500 "Decode(): EOF" without one; dockerd takes {}.
      body: options.config ?? {},
    },
    call,
  );
  const body = res.body as CommitContainerResult;
  // Podman 4.3 answers the bare hex; the id is "sha256:<hex>" everywhere else (its own image
  // inspect included), so inspectImageByID(Id) finds the image on both engines.
  if (typeof body?.Id === 'string' && /^[0-9a-f]{64}$/.test(body.Id)) return { ...body, Id: `sha256:${body.Id}` };
  return body;
}
