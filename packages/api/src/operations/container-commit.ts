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
  /** The new image's id, "sha256:...". */
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
      body: options.config,
    },
    call,
  );
  return res.body as CommitContainerResult;
}
