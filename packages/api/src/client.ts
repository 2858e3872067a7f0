import type { DockerRequest, DockerResponse, Pipeline, Transport } from '@dockline/core';
import type { CallOptions } from './call-options.js';
import type { ClientContext } from './context.js';
import type { OperationId } from './generated/operations.js';
import { buildRequest, encodeRequestParams, resultOf, type FullResponse, type RawParams, type RequestParams, type RequestResult } from './request.js';
import { ping, type PingResult } from './operations/system-ping.js';
import { version, type VersionResult } from './operations/system-version.js';
import { detectEngine, type EngineIdentity } from './operations/system-engine.js';
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
import { createNetwork, type CreateNetworkConfig, type CreateNetworkResult } from './operations/network-create.js';
import { inspectNetwork, type InspectNetworkOptions, type InspectNetworkResult } from './operations/network-inspect.js';
import { listNetworks, type ListNetworksOptions, type ListNetworksResult } from './operations/network-list.js';
import { removeNetwork, type RemoveNetworkResult } from './operations/network-remove.js';
import {
  connectNetwork,
  disconnectNetwork,
  type ConnectNetworkOptions,
  type ConnectNetworkResult,
  type DisconnectNetworkOptions,
  type DisconnectNetworkResult,
} from './operations/network-connect.js';
import { pruneNetworks, type PruneNetworksOptions, type PruneNetworksResult } from './operations/network-prune.js';
import { swarmInit, swarmJoin, swarmLeave, type SwarmInitSpec, type SwarmJoinResult, type SwarmJoinSpec, type SwarmLeaveOptions, type SwarmLeaveResult } from './operations/swarm-init.js';
import { swarmInspect, swarmUpdate, type SwarmInspectResult, type SwarmSpec, type SwarmUpdateFlags, type SwarmUpdateResult } from './operations/swarm-inspect.js';
import {
  inspectNode,
  listNodes,
  removeNode,
  updateNode,
  type ListNodesOptions,
  type NodeSpec,
  type RemoveNodeOptions,
  type RemoveNodeResult,
  type SwarmNode,
  type UpdateNodeResult,
} from './operations/node-list.js';
import {
  createService,
  inspectService,
  listServices,
  removeService,
  updateService,
  type CreateServiceOptions,
  type CreateServiceResult,
  type InspectServiceOptions,
  type ListServicesOptions,
  type RemoveServiceResult,
  type ServiceSpec,
  type SwarmService,
  type UpdateServiceOptions,
  type UpdateServiceResult,
} from './operations/service-create.js';
import { serviceLogs, type ServiceLogsOptions, type ServiceLogsResult } from './operations/service-logs.js';
import { waitForService, type WaitForServiceOptions, type WaitForServiceResult } from './operations/service-wait.js';
import { inspectTask, listTasks, type ListTasksOptions, type SwarmTask } from './operations/task-list.js';
import {
  createSecret,
  inspectSecret,
  listSecrets,
  removeSecret,
  type CreateSecretSpec,
  type ListSecretsOptions,
  type RemoveSecretResult,
  type SwarmSecret,
} from './operations/secret-create.js';
import {
  createConfig,
  inspectConfig,
  listConfigs,
  removeConfig,
  type CreateConfigSpec,
  type ListConfigsOptions,
  type RemoveConfigResult,
  type SwarmConfig,
} from './operations/config-create.js';
import type { StreamOptions } from './streams/stream-options.js';
// Images beyond the 24, commit, events
import { pushImage, type PushImageCallOptions, type PushImageOptions, type PushImageResult } from './operations/image-push.js';
import { tagImage, type TagImageOptions, type TagImageResult } from './operations/image-tag.js';
import { loadImages } from './operations/image-load.js';
import { saveImages } from './operations/image-save.js';
import { importImage, type ImportImageOptions, type ImportImageResult } from './operations/image-import.js';
import { pruneImages, type PruneImagesOptions, type PruneImagesResult } from './operations/image-prune.js';
import { commitContainer, type CommitContainerOptions, type CommitContainerResult } from './operations/container-commit.js';
import { events, type EventStream, type EventsOptions } from './operations/system-events.js';
import type { TarInput } from './streams/binary-body.js';
import type { Readable } from 'node:stream';
import { buildImage, type BuildContext, type BuildImageCallOptions, type BuildImageOptions, type BuildImageResult } from './operations/image-build.js';
import { getArchive, putArchive, statPath, type GetArchiveResult, type PathStat, type PutArchiveOptions } from './operations/container-archive.js';
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

export interface DockerClientInit {
  pipeline: Pipeline;
  /** Why this endpoint was chosen (for --verbose output and bug reports); no secrets. */
  endpointDescription?: string | undefined;
  /** Reports the negotiated API version, when a versionNegotiation middleware is installed. */
  apiVersion?: (() => string | undefined) | undefined;
}

/**
 * The Docker client: the kubelet's DockerInterface as Promise-returning methods, plus
 * `request()` for every other Engine API operation. Create it with `createClient()`.
 */
export class DockerClient implements ClientContext {
  readonly #pipeline: Pipeline;
  readonly #apiVersion: (() => string | undefined) | undefined;
  readonly #init: DockerClientInit;
  #closed = false;

  /** Which endpoint was chosen and why (for --verbose output and bug reports); no secrets. Known after the first call. */
  get endpointDescription(): string | undefined {
    return this.#init.endpointDescription;
  }

  constructor(init: DockerClientInit) {
    this.#pipeline = init.pipeline;
    this.#apiVersion = init.apiVersion;
    this.#init = init;
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
   * Which engine answers (Docker or Podman's Docker-compatible service), its release and the
   * API versions it announces: GET /_ping, then GET /version.
   */
  detectEngine(options?: CallOptions): Promise<EngineIdentity> {
    return detectEngine(this, options);
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
   * deadline is the client's default plus that grace period (the timeout middleware adds it).
   */
  stopContainer(id: string, options?: StopContainerOptions, callOptions?: CallOptions): Promise<StopContainerResult> {
    return stopContainer(this, id, options, callOptions);
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

  // Images: push, tag, save/load, import, prune; commit; events -------------------------

  /**
   * POST /images/{name}/push: push one tag to its registry, reporting per-layer progress
   * (`onProgress` in the call options) -> `{ digest }`. An error line in the stream rejects
   * (UnauthorizedError for missing or refused credentials).
   */
  pushImage(ref: string, options?: PushImageOptions, callOptions?: PushImageCallOptions): Promise<PushImageResult> {
    return pushImage(this, ref, options, callOptions);
  }

  /** POST /images/{name}/tag: `ref` also becomes `repo:tag` (tag default "latest"). */
  tagImage(ref: string, options: TagImageOptions, callOptions?: CallOptions): Promise<TagImageResult> {
    return tagImage(this, ref, options, callOptions);
  }

  /** GET /images/get (or /images/{name}/get for one): the images as a `docker save` tar stream. */
  saveImages(refs: string | readonly string[], callOptions?: CallOptions): Promise<Readable> {
    return saveImages(this, refs, callOptions);
  }

  /** POST /images/load: load a `docker save` tar (streamed) -> the loaded refs, or ids of untagged images. */
  loadImages(tar: TarInput, callOptions?: CallOptions): Promise<string[]> {
    return loadImages(this, tar, callOptions);
  }

  /** POST /images/create?fromSrc=-: an image from a root filesystem tar (streamed) -> `{ id }`. */
  importImage(tar: TarInput, options?: ImportImageOptions, callOptions?: CallOptions): Promise<ImportImageResult> {
    return importImage(this, tar, options, callOptions);
  }

  /** POST /images/prune: remove unused images (only dangling ones unless `filters.dangling` is ['false']; on Podman 4.3 dangling ones only). */
  pruneImages(options?: PruneImagesOptions, callOptions?: CallOptions): Promise<PruneImagesResult> {
    return pruneImages(this, options, callOptions);
  }

  /** POST /commit: a new image from a container -> `{ Id }`. */
  commitContainer(id: string, options?: CommitContainerOptions, callOptions?: CallOptions): Promise<CommitContainerResult> {
    return commitContainer(this, id, options, callOptions);
  }

  /**
   * GET /events as an async iterable: `for await (const e of docker.events({ filters }))`.
   * Leaving the loop or aborting closes the connection; `until` ends it by itself.
   */
  events(options?: EventsOptions, callOptions?: CallOptions): EventStream {
    return events(this, options, callOptions);
  }

  // Networks ----------------------------------------------------------------------------

  /** POST /networks/create -> `{ Id }`; a name already taken is a ConflictError. */
  createNetwork(config: CreateNetworkConfig, callOptions?: CallOptions): Promise<CreateNetworkResult> {
    return createNetwork(this, config, callOptions);
  }

  /** GET /networks/{id}: IPAM, Options, and the connected containers' endpoints. */
  inspectNetwork(id: string, options?: InspectNetworkOptions, callOptions?: CallOptions): Promise<InspectNetworkResult> {
    return inspectNetwork(this, id, options, callOptions);
  }

  /** GET /networks */
  listNetworks(options?: ListNetworksOptions, callOptions?: CallOptions): Promise<ListNetworksResult> {
    return listNetworks(this, options, callOptions);
  }

  /** DELETE /networks/{id}; one still in use is refused (ForbiddenError on dockerd 20.10). */
  removeNetwork(id: string, callOptions?: CallOptions): Promise<RemoveNetworkResult> {
    return removeNetwork(this, id, callOptions);
  }

  /** POST /networks/{id}/connect: attach a container (aliases, fixed address in `endpointConfig`). */
  connectNetwork(id: string, options: ConnectNetworkOptions, callOptions?: CallOptions): Promise<ConnectNetworkResult> {
    return connectNetwork(this, id, options, callOptions);
  }

  /** POST /networks/{id}/disconnect */
  disconnectNetwork(id: string, options: DisconnectNetworkOptions, callOptions?: CallOptions): Promise<DisconnectNetworkResult> {
    return disconnectNetwork(this, id, options, callOptions);
  }

  /** POST /networks/prune -> the names removed; filter by label to touch only your own. */
  pruneNetworks(options?: PruneNetworksOptions, callOptions?: CallOptions): Promise<PruneNetworksResult> {
    return pruneNetworks(this, options, callOptions);
  }

  // Swarm -------------------------------------------------------------------------------
  // Managers answer everything below; a worker answers 503 (UnavailableError) to most.
  // Updates take the object's `Version.Index` from inspect; a stale one is a ConflictError.

  /** POST /swarm/init -> the new node's ID. */
  swarmInit(spec: SwarmInitSpec, callOptions?: CallOptions): Promise<string> {
    return swarmInit(this, spec, callOptions);
  }

  /** POST /swarm/join: as a manager or worker, by the token given. */
  swarmJoin(spec: SwarmJoinSpec, callOptions?: CallOptions): Promise<SwarmJoinResult> {
    return swarmJoin(this, spec, callOptions);
  }

  /** POST /swarm/leave (`force` for the last manager). */
  swarmLeave(options?: SwarmLeaveOptions, callOptions?: CallOptions): Promise<SwarmLeaveResult> {
    return swarmLeave(this, options, callOptions);
  }

  /** GET /swarm: ID, Version, Spec, JoinTokens. */
  swarmInspect(callOptions?: CallOptions): Promise<SwarmInspectResult> {
    return swarmInspect(this, callOptions);
  }

  /** POST /swarm/update?version=N, optionally rotating join tokens or the unlock key. */
  swarmUpdate(version: number, spec: SwarmSpec, flags?: SwarmUpdateFlags, callOptions?: CallOptions): Promise<SwarmUpdateResult> {
    return swarmUpdate(this, version, spec, flags, callOptions);
  }

  /** GET /nodes */
  listNodes(options?: ListNodesOptions, callOptions?: CallOptions): Promise<SwarmNode[]> {
    return listNodes(this, options, callOptions);
  }

  /** GET /nodes/{id} */
  inspectNode(id: string, callOptions?: CallOptions): Promise<SwarmNode> {
    return inspectNode(this, id, callOptions);
  }

  /** POST /nodes/{id}/update?version=N: the whole NodeSpec (Availability 'drain' moves its tasks away). */
  updateNode(id: string, version: number, spec: NodeSpec, callOptions?: CallOptions): Promise<UpdateNodeResult> {
    return updateNode(this, id, version, spec, callOptions);
  }

  /** DELETE /nodes/{id} (`force` for a node not down yet). */
  removeNode(id: string, options?: RemoveNodeOptions, callOptions?: CallOptions): Promise<RemoveNodeResult> {
    return removeNode(this, id, options, callOptions);
  }

  /** POST /services/create -> `{ ID }`; `auth` goes in X-Registry-Auth. */
  createService(spec: ServiceSpec, options?: CreateServiceOptions, callOptions?: CallOptions): Promise<CreateServiceResult> {
    return createService(this, spec, options, callOptions);
  }

  /** GET /services/{id} */
  inspectService(id: string, options?: InspectServiceOptions, callOptions?: CallOptions): Promise<SwarmService> {
    return inspectService(this, id, options, callOptions);
  }

  /** GET /services */
  listServices(options?: ListServicesOptions, callOptions?: CallOptions): Promise<SwarmService[]> {
    return listServices(this, options, callOptions);
  }

  /** POST /services/{id}/update?version=N with the whole new spec; `rollback` returns to the previous one. */
  updateService(id: string, version: number, spec: ServiceSpec, options?: UpdateServiceOptions, callOptions?: CallOptions): Promise<UpdateServiceResult> {
    return updateService(this, id, version, spec, options, callOptions);
  }

  /** DELETE /services/{id} */
  removeService(id: string, callOptions?: CallOptions): Promise<RemoveServiceResult> {
    return removeService(this, id, callOptions);
  }

  /** GET /services/{id}/logs: every task's output on every node, demultiplexed into `streams`. */
  serviceLogs(id: string, options: ServiceLogsOptions, streams: StreamOptions, callOptions?: CallOptions): Promise<ServiceLogsResult> {
    return serviceLogs(this, id, options, streams, callOptions);
  }

  /**
   * Resolves when every desired task of the service runs its current spec; rejects with
   * ServiceTaskFailedError naming a failed/rejected task and its error, or a TimeoutError.
   */
  waitForService(id: string, options?: WaitForServiceOptions): Promise<WaitForServiceResult> {
    return waitForService(this, id, options);
  }

  /** GET /tasks (filter by service, node, desired-state...) */
  listTasks(options?: ListTasksOptions, callOptions?: CallOptions): Promise<SwarmTask[]> {
    return listTasks(this, options, callOptions);
  }

  /** GET /tasks/{id} */
  inspectTask(id: string, callOptions?: CallOptions): Promise<SwarmTask> {
    return inspectTask(this, id, callOptions);
  }

  /** POST /secrets/create -> `{ ID }`; `Data` as text or bytes (base64-encoded for you). */
  createSecret(spec: CreateSecretSpec, callOptions?: CallOptions): Promise<{ ID: string }> {
    return createSecret(this, spec, callOptions);
  }

  /** GET /secrets/{id} (never the data) */
  inspectSecret(id: string, callOptions?: CallOptions): Promise<SwarmSecret> {
    return inspectSecret(this, id, callOptions);
  }

  /** GET /secrets */
  listSecrets(options?: ListSecretsOptions, callOptions?: CallOptions): Promise<SwarmSecret[]> {
    return listSecrets(this, options, callOptions);
  }

  /** DELETE /secrets/{id} */
  removeSecret(id: string, callOptions?: CallOptions): Promise<RemoveSecretResult> {
    return removeSecret(this, id, callOptions);
  }

  /** POST /configs/create -> `{ ID }`; `Data` as text or bytes (base64-encoded for you). */
  createConfig(spec: CreateConfigSpec, callOptions?: CallOptions): Promise<{ ID: string }> {
    return createConfig(this, spec, callOptions);
  }

  /** GET /configs/{id} (Spec.Data base64-encoded) */
  inspectConfig(id: string, callOptions?: CallOptions): Promise<SwarmConfig> {
    return inspectConfig(this, id, callOptions);
  }

  /** GET /configs */
  listConfigs(options?: ListConfigsOptions, callOptions?: CallOptions): Promise<SwarmConfig[]> {
    return listConfigs(this, options, callOptions);
  }

  /** DELETE /configs/{id} */
  removeConfig(id: string, callOptions?: CallOptions): Promise<RemoveConfigResult> {
    return removeConfig(this, id, callOptions);
  }

  // Files (container archives) -------------------------------------------------------

  /** HEAD /containers/{id}/archive: name, size, mode, mtime and linkTarget of a path. Missing path: NotFoundError. */
  statPath(id: string, path: string, callOptions?: CallOptions): Promise<PathStat> {
    return statPath(this, id, path, callOptions);
  }

  /** GET /containers/{id}/archive: a streamed tar of `path` and its stat. Missing path: NotFoundError. */
  getArchive(id: string, path: string, callOptions?: CallOptions): Promise<GetArchiveResult> {
    return getArchive(this, id, path, callOptions);
  }

  /** PUT /containers/{id}/archive: extract a tar (streamed, checked to be a tar) into the directory `path`. */
  putArchive(id: string, path: string, tar: TarInput, options?: PutArchiveOptions, callOptions?: CallOptions): Promise<void> {
    return putArchive(this, id, path, tar, options, callOptions);
  }

  // Builds ------------------------------------------------------------------------------

  /**
   * POST /build: build from a directory (packed honouring .dockerignore, streamed) or a tar
   * stream -> `{ id }`. `onProgress` gets legacy `stream` lines or BuildKit's decoded
   * vertex/log/warning events; a failing step rejects with BuildError.
   */
  buildImage(context: BuildContext, options?: BuildImageOptions, callOptions?: BuildImageCallOptions): Promise<BuildImageResult> {
    return buildImage(this, context, options, callOptions);
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
    return restartContainer(this, id, options, callOptions);
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
