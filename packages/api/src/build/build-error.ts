import { DockerError, type DockerErrorOptions } from '@dockline/core';

/** The step a build failed in, as far as the daemon said. */
export interface BuildErrorStep {
  /** BuildKit: the failing vertex's digest. */
  digest?: string | undefined;
  /** BuildKit: the vertex's name ("[2/3] RUN false"); legacy builder: the step line ("Step 2/3 : RUN false"; Podman: "STEP 2/3: RUN false"). */
  name: string;
}

export interface BuildErrorOptions extends DockerErrorOptions {
  step?: BuildErrorStep | undefined;
  /** The builder asked for (else the one the stream showed). Podman builds with Buildah whatever was asked. */
  builder?: 'legacy' | 'buildkit' | undefined;
}

/**
 * A build failed: an `error`/`errorDetail` line in the build's progress stream (a failing
 * RUN, a COPY of a missing file, a Dockerfile that does not parse...), or a 500 answer
 * before the stream began. `daemonMessage` is the daemon's message; `step` the step that
 * failed, when known.
 */
export class BuildError extends DockerError {
  override name = 'BuildError';
  override readonly code = 'DOCKLINE_ERR_BUILD';
  readonly step: BuildErrorStep | undefined;
  readonly builder: 'legacy' | 'buildkit' | undefined;

  constructor(message: string, options: BuildErrorOptions = {}) {
    super(message, options);
    this.step = options.step;
    this.builder = options.builder;
  }
}
