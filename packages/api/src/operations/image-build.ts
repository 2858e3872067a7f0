import { Readable } from 'node:stream';
import { AbortError, InvalidParameterError, ProtocolError, ServerError, decodeJsonLines, redactText } from '@dockline/core';
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import { BuildError, type BuildErrorStep } from '../build/build-error.js';
import { progressLineError } from '../streams/progress-stream.js';
import { decodeStatusResponse, type BuildKitEvent } from '../build/buildkit-status.js';
import { ContextError, packContext } from '../build/context.js';
import type { RegistryAuth } from './registry-auth.js';

export interface BuildImageOptions {
  /**
   * The Dockerfile. For a directory context: a path relative to the context directory (or
   * absolute, possibly outside the context: it is then sent under a random name, as the
   * docker CLI does). For a tar context: its name inside the tar. Default "Dockerfile".
   */
  dockerfile?: string | undefined;
  /** Names to tag the image with ("app:1", "registry:5000/team/app:latest"). */
  tags?: string[] | undefined;
  /** ARG values. */
  buildArgs?: Record<string, string> | undefined;
  /** Labels added to the image. */
  labels?: Record<string, string> | undefined;
  /** The stage of a multi-stage Dockerfile to build. */
  target?: string | undefined;
  /** `os[/arch[/variant]]`. */
  platform?: string | undefined;
  /** Network of RUN steps: "default", "none", "host" or a network name. */
  networkMode?: string | undefined;
  /** Do not use the build cache. */
  noCache?: boolean | undefined;
  /** Pull newer versions of the base images. */
  pull?: boolean | undefined;
  /**
   * Remove the legacy builder's intermediate containers even when the build fails (forcerm;
   * the daemon keeps a failed step's container otherwise). Not in the docker CLI's defaults.
   */
  forceRemove?: boolean | undefined;
  /**
   * 'buildkit' sends version=2 and decodes BuildKit's progress; 'legacy' version=1; default: the
   * daemon's choice. Podman ignores it and always builds with Buildah, whose progress arrives as
   * `stream` events (docs/configuration.md, "Podman").
   */
  builder?: 'legacy' | 'buildkit' | undefined;
  /** Credentials per registry for the base images (X-Registry-Config, base64url JSON; never logged). */
  registryConfig?: Record<string, RegistryAuth> | undefined;
}

/** The legacy builder's output line ("Step 1/3 : FROM busybox", " ---> 9e499f6c54c6"...), or Podman's Buildah's ("STEP 1/3: FROM busybox"). */
export interface BuildStreamEvent {
  kind: 'stream';
  text: string;
}

/** A progress line of another kind (legacy builder pulling a base image: status/progress). */
export interface BuildStatusEvent {
  kind: 'status';
  id?: string | undefined;
  status: string;
  progress?: string | undefined;
}

export type BuildProgressEvent = BuildStreamEvent | BuildStatusEvent | BuildKitEvent;

export interface BuildImageCallOptions extends CallOptions {
  /** Called with each progress event. A throw cancels the build and rejects with that error. */
  onProgress?: ((event: BuildProgressEvent) => void) | undefined;
}

export interface BuildImageResult {
  /** The image id ("sha256:..."). */
  id: string;
}

/** A build context: a directory to pack (honouring .dockerignore) or a tar stream. */
export type BuildContext = string | Readable;

interface BuildMessage {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  aux?: unknown;
  error?: string;
  errorDetail?: { message?: string; code?: number };
}

const TRACE_ID = 'moby.buildkit.trace';
const IMAGE_ID = 'moby.image.id';

/**
 * POST /build: build an image from a directory (packed here, streamed as it is read) or a
 * tar stream, reading the progress stream to its end. An error line rejects with BuildError.
 */
export async function buildImage(
  ctx: ClientContext,
  context: BuildContext,
  options: BuildImageOptions = {},
  call: BuildImageCallOptions = {},
): Promise<BuildImageResult> {
  validate(options);
  const { onProgress, ...callOptions } = call;
  let body: AsyncIterable<Uint8Array> | Readable;
  let packed: { destroy(): void } | undefined;
  let dockerfile = options.dockerfile;
  if (typeof context === 'string') {
    try {
      const p = await packContext(context, options.dockerfile);
      body = p.tar;
      packed = p.tar as unknown as { destroy(): void };
      dockerfile = p.dockerfile;
    } catch (err) {
      if (err instanceof ContextError) {
        throw new InvalidParameterError(`buildImage: ${err.message} (option ${err.option})`, { operation: 'ImageBuild', cause: err });
      }
      throw err;
    }
  } else if (context instanceof Readable) {
    body = context;
  } else {
    throw new InvalidParameterError(`buildImage: context must be a directory path or a tar Readable, got ${describe(context)}`, { operation: 'ImageBuild' });
  }

  const query: Record<string, unknown> = {
    dockerfile,
    t: options.tags,
    buildargs: options.buildArgs,
    labels: options.labels,
    target: options.target,
    platform: options.platform,
    networkmode: options.networkMode,
    nocache: options.noCache,
    pull: options.pull,
    forcerm: options.forceRemove,
    version: options.builder === 'buildkit' ? '2' : options.builder === 'legacy' ? '1' : undefined,
  };
  const headers: Record<string, string> = { 'Content-Type': 'application/x-tar' };
  if (options.registryConfig) headers['X-Registry-Config'] = encodeRegistryConfig(options.registryConfig);

  const state = new BuildState(options.builder);
  let stream: Readable | undefined;
  try {
    const res = await ctx.call('ImageBuild', { query, headers, body }, callOptions);
    if (!res.stream) throw new ProtocolError('ImageBuild: the daemon answered without a progress stream', { operation: 'ImageBuild' });
    stream = res.stream;
    for await (const msg of decodeJsonLines<BuildMessage>(res.stream)) {
      const events = state.take(msg);
      if (onProgress) for (const e of events) onProgress(e);
    }
  } catch (err) {
    stream?.destroy();
    // A request that failed before reading the whole context: stop packing (closes its files).
    packed?.destroy();
    if (call.signal?.aborted && !(err instanceof AbortError)) throw new AbortError('buildImage aborted', { operation: 'ImageBuild', cause: call.signal.reason });
    // A 500 before the stream began (a Dockerfile missing from a tar context, a context that
    // is not a tar for the legacy builder...) is a failed build too.
    if (err instanceof ServerError && err.operation === 'ImageBuild' && err.statusCode === 500 && err.daemonMessage !== undefined) {
      throw new BuildError(`${err.daemonMessage} (ImageBuild)`, { operation: 'ImageBuild', statusCode: 500, daemonMessage: err.daemonMessage, builder: options.builder, cause: err });
    }
    throw err;
  }
  if (state.imageId) return { id: state.imageId };
  // No id line (older daemons with BuildKit): the first tag names the image.
  const tag = options.tags?.[0];
  if (tag !== undefined) {
    const res = await ctx.call('ImageInspect', { path: { name: tag } }, callOptions);
    const id = (res.body as { Id?: unknown } | undefined)?.Id;
    if (typeof id === 'string') return { id };
  }
  throw new ProtocolError('ImageBuild: the build finished but the daemon did not say the image id (and no tag was given to look it up)', { operation: 'ImageBuild' });
}

/** Folds the progress lines: the image id, the vertexes (for errors), the last legacy step. */
class BuildState {
  imageId: string | undefined;
  readonly #builder: 'legacy' | 'buildkit' | undefined;
  readonly #vertexes = new Map<string, { name: string; error?: string | undefined }>();
  #lastStep: string | undefined;
  #lastFailed: BuildErrorStep | undefined;

  constructor(builder: 'legacy' | 'buildkit' | undefined) {
    this.#builder = builder;
  }

  take(msg: BuildMessage): BuildProgressEvent[] {
    // The same rule for error lines as every progress stream's (streams/progress-stream.ts).
    const error = progressLineError(msg);
    if (error !== undefined) {
      const text = redactText(error);
      const step = this.#lastFailed ?? (this.#lastStep !== undefined ? { name: this.#lastStep } : undefined);
      const where = step ? ` at ${step.name}` : '';
      throw new BuildError(`build failed${where}: ${text}`, { operation: 'ImageBuild', daemonMessage: text, step, builder: this.#builder ?? (this.#vertexes.size > 0 ? 'buildkit' : 'legacy') });
    }
    if (msg.id === TRACE_ID && typeof msg.aux === 'string') {
      let events: BuildKitEvent[];
      try {
        events = decodeStatusResponse(Buffer.from(msg.aux, 'base64'));
      } catch (err) {
        throw new ProtocolError(`ImageBuild: a BuildKit progress message could not be decoded (${(err as Error).message})`, { operation: 'ImageBuild', cause: err });
      }
      for (const e of events) {
        if (e.kind !== 'vertex') continue;
        this.#vertexes.set(e.digest, { name: e.name, error: e.error });
        if (e.error) this.#lastFailed = { digest: e.digest, name: e.name };
      }
      return events;
    }
    if (msg.aux !== undefined && typeof msg.aux === 'object' && msg.aux !== null) {
      const id = (msg.aux as { ID?: unknown }).ID;
      // Legacy builder: {"aux":{"ID":...}}; BuildKit: {"id":"moby.image.id","aux":{"ID":...}}.
      if (typeof id === 'string' && (msg.id === undefined || msg.id === IMAGE_ID)) this.imageId = id;
      return [];
    }
    if (typeof msg.stream === 'string') {
      // dockerd's legacy builder: "Step 2/3 : RUN x"; Podman's Buildah (any version=): "STEP 2/3: RUN x".
      const m = /^(?:Step \d+\/\d+ : |STEP \d+\/\d+: ).*/.exec(msg.stream);
      if (m) this.#lastStep = m[0].trim();
      return [{ kind: 'stream', text: msg.stream }];
    }
    if (typeof msg.status === 'string') return [{ kind: 'status', id: msg.id, status: msg.status, progress: msg.progress }];
    return [];
  }
}

function encodeRegistryConfig(config: Record<string, RegistryAuth>): string {
  // Same encoding as X-Registry-Auth (base64url JSON, what the Go client sends), one AuthConfig per registry.
  const json: Record<string, Record<string, string>> = {};
  for (const [registry, auth] of Object.entries(config)) {
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(auth)) if (typeof v === 'string' && v !== '') clean[k] = v;
    json[registry] = clean;
  }
  return Buffer.from(JSON.stringify(json), 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

function validate(o: BuildImageOptions): void {
  if (typeof o !== 'object' || o === null) throw bad('options', o);
  const strings = ['dockerfile', 'target', 'platform', 'networkMode'] as const;
  for (const k of strings) if (o[k] !== undefined && (typeof o[k] !== 'string' || o[k] === '')) throw bad(k, o[k]);
  if (o.tags !== undefined && (!Array.isArray(o.tags) || o.tags.some((t) => typeof t !== 'string' || t === ''))) throw bad('tags', o.tags);
  for (const k of ['buildArgs', 'labels'] as const) {
    const v = o[k];
    if (v !== undefined && (typeof v !== 'object' || v === null || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string'))) throw bad(k, v);
  }
  for (const k of ['noCache', 'pull', 'forceRemove'] as const) if (o[k] !== undefined && typeof o[k] !== 'boolean') throw bad(k, o[k]);
  if (o.builder !== undefined && o.builder !== 'legacy' && o.builder !== 'buildkit') throw bad('builder', o.builder);
  if (o.registryConfig !== undefined && (typeof o.registryConfig !== 'object' || o.registryConfig === null)) throw bad('registryConfig', '[object]');
}

function bad(option: string, value: unknown): InvalidParameterError {
  let shown: string;
  try {
    shown = JSON.stringify(value) ?? String(value);
  } catch {
    shown = String(value);
  }
  return new InvalidParameterError(`buildImage: invalid ${option}: ${shown}`, { operation: 'ImageBuild' });
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}
