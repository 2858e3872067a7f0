import type { DockerRequest, DockerResponse, Pipeline, Transport } from '@dockline/core';
import type { CallOptions } from './call-options.js';
import type { ClientContext } from './context.js';
import type { OperationId } from './generated/operations.js';
import { buildRequest, encodeRequestParams, resultOf, type FullResponse, type RawParams, type RequestParams, type RequestResult } from './request.js';
import { ping, type PingResult } from './operations/system-ping.js';
import { version, type VersionResult } from './operations/system-version.js';
import { info, type InfoResult } from './operations/system-info.js';
import { listContainers, type ListContainersOptions, type ListContainersResult } from './operations/container-list.js';
import { inspectContainer, type InspectContainerResult } from './operations/container-inspect.js';
import { createContainer, type CreateContainerOptions, type CreateContainerResult } from './operations/container-create.js';
import { startContainer, type StartContainerResult } from './operations/container-start.js';
import { stopContainer, type StopContainerOptions, type StopContainerResult } from './operations/container-stop.js';
import { updateContainerResources, type UpdateContainerResources, type UpdateContainerResult } from './operations/container-update.js';
import { removeContainer, type RemoveContainerOptions, type RemoveContainerResult } from './operations/container-remove.js';
import { inspectImageByID, inspectImageByRef, type InspectImageResult } from './operations/image-inspect.js';
import { listImages, type ListImagesOptions, type ListImagesResult } from './operations/image-list.js';
import { pullImage, type PullImageOptions, type PullImageResult } from './operations/image-pull.js';
import { removeImage, type RemoveImageOptions, type RemoveImageResult } from './operations/image-remove.js';
import { imageHistory, type ImageHistoryResult } from './operations/image-history.js';
import { logs, type LogsOptions, type LogsResult } from './operations/container-logs.js';
import { createExec, type CreateExecResult, type ExecConfig } from './operations/exec-create.js';
import { startExec, type StartExecOptions, type StartExecResult } from './operations/exec-start.js';
import { inspectExec, type InspectExecResult } from './operations/exec-inspect.js';
import { attachToContainer, type AttachOptions, type AttachResult } from './operations/container-attach.js';
import { resizeContainerTTY, type ResizeTTYResult } from './operations/container-resize.js';
import { resizeExecTTY } from './operations/exec-resize.js';
import { getContainerStats, type ContainerStatsResult } from './operations/container-stats.js';
// Lifecycle, run, volumes, system (issue #15)
import { waitContainer, type WaitContainerOptions, type WaitContainerResult } from './operations/container-wait.js';
import { killContainer, type KillContainerOptions, type KillContainerResult } from './operations/container-kill.js';
import { restartContainer, type RestartContainerOptions, type RestartContainerResult } from './operations/container-restart.js';
import { pauseContainer, unpauseContainer, type PauseContainerResult } from './operations/container-pause.js';
import { renameContainer, type RenameContainerResult } from './operations/container-rename.js';
import { topContainer, type TopContainerOptions, type TopContainerResult } from './operations/container-top.js';
import { containerChanges, type ContainerChangesResult } from './operations/container-changes.js';
import { exportContainer } from './operations/container-export.js';
import { pruneContainers, type PruneContainersOptions, type PruneContainersResult } from './operations/container-prune.js';
import { run, type RunOptions, type RunResult } from './operations/container-run.js';
import { createVolume, type Volume, type VolumeCreateConfig } from './operations/volume-create.js';
import { inspectVolume } from './operations/volume-inspect.js';
import { listVolumes, type ListVolumesOptions, type ListVolumesResult } from './operations/volume-list.js';
import { removeVolume, type RemoveVolumeOptions, type RemoveVolumeResult } from './operations/volume-remove.js';
import { pruneVolumes, type PruneVolumesOptions, type PruneVolumesResult } from './operations/volume-prune.js';
import { systemDf, type SystemDfOptions, type SystemDfResult } from './operations/system-df.js';
import { checkAuth, type CheckAuthResult } from './operations/system-auth.js';
import type { RegistryAuth } from './operations/registry-auth.js';
import type { StreamOptions } from './streams/stream-options.js';
import type { Readable } from 'node:stream';

/** The kubelet's runtime request timeout (2 min): the timeout middleware's default too. */
const DEFAULT_TIMEOUT_MS = 120_000;

export interface DockerClientInit {
  pipeline: Pipeline;
  /** Why this endpoint was chosen (for --verbose output and bug reports); no secrets. */
  endpointDescription?: string | undefined;
  /** Reports the negotiated API version, when a versionNegotiation middleware is installed. */
  apiVersion?: (() => string | undefined) | undefined;
  /**
   * The deadline of short operations (ms) that the pipeline's timeout middleware applies;
   * stopContainer adds its grace period to it. Default 120 000.
   */
  timeoutMs?: number | undefined;
}

/**
 * The Docker client: the kubelet's DockerInterface as Promise-returning methods, plus
 * `request()` for every other Engine API operation. Create it with `createClient()`.
 */
export class DockerClient implements ClientContext {
  readonly #pipeline: Pipeline;
  readonly #apiVersion: (() => string | undefined) | undefined;
  readonly #init: DockerClientInit;
  readonly #timeoutMs: number;
  #closed = false;

  /** Which endpoint was chosen and why (for --verbose output and bug reports); no secrets. Known after the first call. */
  get endpointDescription(): string | undefined {
    return this.#init.endpointDescription;
  }

  constructor(init: DockerClientInit) {
    this.#pipeline = init.pipeline;
    this.#apiVersion = init.apiVersion;
    this.#init = init;
    this.#timeoutMs = init.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** The transport this client talks through (kind and redacted endpoint). */
  get transport(): Transport {
    return this.#pipeline.transport;
  }

  /** The API version in use once negotiated (undefined before the first call). */
  get apiVersion(): string | undefined {
    return this.#apiVersion?.();
  }

  /** @internal Sends one operation through the middleware pipeline. */
  call(operation: OperationId, params?: RawParams, options?: CallOptions, overrides?: Partial<DockerRequest>): Promise<DockerResponse> {
    let req: DockerRequest;
    try {
      req = buildRequest(operation, params, options);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#pipeline.send(overrides ? Object.assign(req, overrides) : req);
  }

  /**
   * Any Engine API operation by its spec operationId, typed from the spec: for what has no
   * method of its own. JSON operations resolve to the parsed body, streams to a Readable,
   * hijacked ones to the raw Duplex. `query.filters` may be an object of string arrays, as
   * in every method, or the spec's JSON string.
   *
   * @example
   * const nets = await docker.request('NetworkList', { query: { filters: { name: ['none'] } } });
   */
  async request<Op extends OperationId>(
    operation: Op,
    ...args: {} extends RequestParams<Op>
      ? [params?: RequestParams<Op>, options?: CallOptions]
      : [params: RequestParams<Op>, options?: CallOptions]
  ): Promise<RequestResult<Op>> {
    const [params, options] = args;
    const res = await this.call(operation, encodeRequestParams(params as RawParams | undefined), options);
    return resultOf(res) as RequestResult<Op>;
  }

  /**
   * `request()` that also gives the answer's status code and headers (`{ statusCode,
   * headers, body }`): for what the daemon says in headers (ContainerArchiveInfo's
   * X-Docker-Container-Path-Stat, ping's Api-Version) or by status (304 from a start or
   * stop that had nothing to do).
   *
   * @example
   * const { statusCode } = await docker.requestWithResponse('ContainerStart', { path: { id } });
   * if (statusCode === 304) console.log('was already running');
   */
  async requestWithResponse<Op extends OperationId>(
    operation: Op,
    ...args: {} extends RequestParams<Op>
      ? [params?: RequestParams<Op>, options?: CallOptions]
      : [params: RequestParams<Op>, options?: CallOptions]
  ): Promise<FullResponse<RequestResult<Op>>> {
    const [params, options] = args;
    const res = await this.call(operation, encodeRequestParams(params as RawParams | undefined), options);
    return { statusCode: res.statusCode, headers: res.headers, body: resultOf(res) as RequestResult<Op> };
  }

  /** GET /_ping: the daemon is up; its API version and OS. */
  ping(options?: CallOptions): Promise<PingResult> {
    return ping(this, options);
  }

  /** GET /version */
  version(options?: CallOptions): Promise<VersionResult> {
    return version(this, options);
  }

  /** GET /info */
  info(options?: CallOptions): Promise<InfoResult> {
    return info(this, options);
  }

  // Containers --------------------------------------------------------------------------

  /** GET /containers/json: running containers, or all with `{ all: true }`. */
  listContainers(options?: ListContainersOptions, callOptions?: CallOptions): Promise<ListContainersResult> {
    return listContainers(this, options, callOptions);
  }

  /** GET /containers/{id}/json. A missing container is a NotFoundError. */
  inspectContainer(id: string, callOptions?: CallOptions): Promise<InspectContainerResult> {
    return inspectContainer(this, id, {}, callOptions);
  }

  /** GET /containers/{id}/json?size=1: with SizeRw and SizeRootFs (slower). */
  inspectContainerWithSize(id: string, callOptions?: CallOptions): Promise<InspectContainerResult> {
    return inspectContainer(this, id, { size: true }, callOptions);
  }

  /** POST /containers/create -> `{ Id, Warnings }`. */
  createContainer(options: CreateContainerOptions, callOptions?: CallOptions): Promise<CreateContainerResult> {
    return createContainer(this, options, callOptions);
  }

  /** POST /containers/{id}/start (already running: `{ alreadyStarted: true }`). */
  startContainer(id: string, callOptions?: CallOptions): Promise<StartContainerResult> {
    return startContainer(this, id, callOptions);
  }

  /**
   * POST /containers/{id}/stop: SIGTERM, then SIGKILL after `timeout` seconds. The call's
   * deadline is the client's default plus that grace period.
   */
  stopContainer(id: string, options?: StopContainerOptions, callOptions?: CallOptions): Promise<StopContainerResult> {
    return stopContainer(this, id, options, callOptions, this.#timeoutMs);
  }

  /** POST /containers/{id}/update: change Memory (with MemorySwap), CPU, pids... -> `{ Warnings }`. */
  updateContainerResources(id: string, resources: UpdateContainerResources, callOptions?: CallOptions): Promise<UpdateContainerResult> {
    return updateContainerResources(this, id, resources, callOptions);
  }

  /** DELETE /containers/{id}. A running container without `force` is a ConflictError. */
  removeContainer(id: string, options?: RemoveContainerOptions, callOptions?: CallOptions): Promise<RemoveContainerResult> {
    return removeContainer(this, id, options, callOptions);
  }

  /**
   * GET /containers/{id}/logs into `streams.stdout` / `streams.stderr` (demultiplexed, or raw
   * for a TTY container); settles when the stream ends (with `follow`: the container exited).
   */
  logs(id: string, options: LogsOptions, streams: StreamOptions, callOptions?: CallOptions): Promise<LogsResult> {
    return logs(this, id, options, streams, callOptions);
  }

  /** POST /containers/{id}/attach (hijacked): stdin in, output out, until the stream ends. */
  attachToContainer(id: string, options: AttachOptions, streams: StreamOptions, callOptions?: CallOptions): Promise<AttachResult> {
    return attachToContainer(this, id, options, streams, callOptions);
  }

  /** POST /containers/{id}/resize: the TTY's size in characters. */
  resizeContainerTTY(id: string, height: number, width: number, callOptions?: CallOptions): Promise<ResizeTTYResult> {
    return resizeContainerTTY(this, id, height, width, callOptions);
  }

  /** GET /containers/{id}/stats?stream=false: one sample (memory_stats, cpu_stats, precpu_stats...). */
  getContainerStats(id: string, callOptions?: CallOptions): Promise<ContainerStatsResult> {
    return getContainerStats(this, id, callOptions);
  }

  // Exec --------------------------------------------------------------------------------

  /** POST /containers/{id}/exec -> `{ Id }` of the exec instance. */
  createExec(containerId: string, config: ExecConfig, callOptions?: CallOptions): Promise<CreateExecResult> {
    return createExec(this, containerId, config, callOptions);
  }

  /**
   * POST /exec/{id}/start. Attached (hijacked) unless `detach`: settles when the process's
   * output ended and was written; its exit code is then in inspectExec.
   */
  startExec(execId: string, options?: StartExecOptions, streams?: StreamOptions, callOptions?: CallOptions): Promise<StartExecResult> {
    return startExec(this, execId, options, streams, callOptions);
  }

  /** GET /exec/{id}/json: Running, ExitCode, ProcessConfig... */
  inspectExec(execId: string, callOptions?: CallOptions): Promise<InspectExecResult> {
    return inspectExec(this, execId, callOptions);
  }

  /** POST /exec/{id}/resize: call it once the exec started (`onStarted`). */
  resizeExecTTY(execId: string, height: number, width: number, callOptions?: CallOptions): Promise<ResizeTTYResult> {
    return resizeExecTTY(this, execId, height, width, callOptions);
  }

  // Images ------------------------------------------------------------------------------

  /** GET /images/{name}/json for a name, tag or digest reference, checked like the kubelet's. */
  inspectImageByRef(ref: string, callOptions?: CallOptions): Promise<InspectImageResult> {
    return inspectImageByRef(this, ref, callOptions);
  }

  /** GET /images/{name}/json for an image id ("sha256:..."); another image's answer is a NotFoundError. */
  inspectImageByID(id: string, callOptions?: CallOptions): Promise<InspectImageResult> {
    return inspectImageByID(this, id, callOptions);
  }

  /** GET /images/json */
  listImages(options?: ListImagesOptions, callOptions?: CallOptions): Promise<ListImagesResult> {
    return listImages(this, options, callOptions);
  }

  /**
   * POST /images/create: pull `ref` (`busybox`, `registry:5000/team/app:v1`, `app@sha256:...`),
   * reporting per-layer progress; an error line in the stream rejects; no progress for
   * `progressDeadlineMs` (60 s) cancels.
   */
  pullImage(ref: string, options?: PullImageOptions, callOptions?: CallOptions): Promise<PullImageResult> {
    return pullImage(this, ref, options, callOptions);
  }

  /** DELETE /images/{name} -> what was untagged and deleted. */
  removeImage(ref: string, options?: RemoveImageOptions, callOptions?: CallOptions): Promise<RemoveImageResult> {
    return removeImage(this, ref, options, callOptions);
  }

  /** GET /images/{name}/history: the image's layers, newest first. */
  imageHistory(id: string, callOptions?: CallOptions): Promise<ImageHistoryResult> {
    return imageHistory(this, id, callOptions);
  }

  // Lifecycle, run, volumes, system (issue #15) -------------------------------------------

  /**
   * POST /containers/{id}/wait -> `{ StatusCode, Error? }` once the container reached
   * `condition` (default `not-running`; `next-exit` to wait before a start).
   */
  waitContainer(id: string, options?: WaitContainerOptions, callOptions?: CallOptions): Promise<WaitContainerResult> {
    return waitContainer(this, id, options, callOptions);
  }

  /** POST /containers/{id}/kill: send `signal` (default SIGKILL). Not running: ConflictError. */
  killContainer(id: string, options?: KillContainerOptions, callOptions?: CallOptions): Promise<KillContainerResult> {
    return killContainer(this, id, options, callOptions);
  }

  /** POST /containers/{id}/restart: stop (grace `timeout` s) then start; the deadline grows by the grace period as stopContainer's. */
  restartContainer(id: string, options?: RestartContainerOptions, callOptions?: CallOptions): Promise<RestartContainerResult> {
    return restartContainer(this, id, options, callOptions, this.#timeoutMs);
  }

  /** POST /containers/{id}/pause: freeze its processes (State.Paused). */
  pauseContainer(id: string, callOptions?: CallOptions): Promise<PauseContainerResult> {
    return pauseContainer(this, id, callOptions);
  }

  /** POST /containers/{id}/unpause */
  unpauseContainer(id: string, callOptions?: CallOptions): Promise<PauseContainerResult> {
    return unpauseContainer(this, id, callOptions);
  }

  /** POST /containers/{id}/rename. A name in use is a ConflictError. */
  renameContainer(id: string, name: string, callOptions?: CallOptions): Promise<RenameContainerResult> {
    return renameContainer(this, id, name, callOptions);
  }

  /** GET /containers/{id}/top -> `{ Titles, Processes }` (ps on the host, `psArgs` default -ef). */
  topContainer(id: string, options?: TopContainerOptions, callOptions?: CallOptions): Promise<TopContainerResult> {
    return topContainer(this, id, options, callOptions);
  }

  /** GET /containers/{id}/changes -> `[{ Path, Kind }]` (0 modified, 1 added, 2 deleted). */
  containerChanges(id: string, callOptions?: CallOptions): Promise<ContainerChangesResult> {
    return containerChanges(this, id, callOptions);
  }

  /** GET /containers/{id}/export: the filesystem as a tar Readable (consume or destroy it). */
  exportContainer(id: string, callOptions?: CallOptions): Promise<Readable> {
    return exportContainer(this, id, callOptions);
  }

  /** POST /containers/prune -> `{ ContainersDeleted, SpaceReclaimed }`. Filter by label: others' containers are theirs. */
  pruneContainers(options?: PruneContainersOptions, callOptions?: CallOptions): Promise<PruneContainersResult> {
    return pruneContainers(this, options, callOptions);
  }

  /**
   * `docker run`: create, attach `streams` (when given), wait (armed before the start, so an
   * instant exit is never missed), start; resolves `{ id, exitCode }` once it exited and its
   * output was written. `remove: true` removes it afterwards, on failure too.
   */
  run(options: RunOptions, streams?: StreamOptions, callOptions?: CallOptions): Promise<RunResult> {
    return run(this, options, streams, callOptions);
  }

  /** POST /volumes/create -> the Volume. */
  createVolume(config?: VolumeCreateConfig, callOptions?: CallOptions): Promise<Volume> {
    return createVolume(this, config, callOptions);
  }

  /** GET /volumes/{name}. Missing: NotFoundError. */
  inspectVolume(name: string, callOptions?: CallOptions): Promise<Volume> {
    return inspectVolume(this, name, callOptions);
  }

  /** GET /volumes -> `{ Volumes, Warnings }` (both arrays, never null). */
  listVolumes(options?: ListVolumesOptions, callOptions?: CallOptions): Promise<ListVolumesResult> {
    return listVolumes(this, options, callOptions);
  }

  /** DELETE /volumes/{name}. In use: ConflictError. */
  removeVolume(name: string, options?: RemoveVolumeOptions, callOptions?: CallOptions): Promise<RemoveVolumeResult> {
    return removeVolume(this, name, options, callOptions);
  }

  /** POST /volumes/prune -> `{ VolumesDeleted, SpaceReclaimed }`. Filter by label: others' volumes are theirs. */
  pruneVolumes(options?: PruneVolumesOptions, callOptions?: CallOptions): Promise<PruneVolumesResult> {
    return pruneVolumes(this, options, callOptions);
  }

  /** GET /system/df: disk usage of images, containers, volumes, build cache. */
  systemDf(options?: SystemDfOptions, callOptions?: CallOptions): Promise<SystemDfResult> {
    return systemDf(this, options, callOptions);
  }

  /** POST /auth: check registry credentials (`docker login`). Wrong ones: UnauthorizedError. */
  checkAuth(auth: RegistryAuth, callOptions?: CallOptions): Promise<CheckAuthResult> {
    return checkAuth(this, auth, callOptions);
  }

  /** Close pooled connections and the transport. Calls after close() fail with ConnectionError. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pipeline.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
