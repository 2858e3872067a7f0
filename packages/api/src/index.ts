export { createClient, type CreateClientOptions } from './create-client.js';
export { DockerClient, type DockerClientInit } from './client.js';
export type { CallOptions } from './call-options.js';
export type { PingResult } from './operations/system-ping.js';
export type { EngineIdentity, EngineKind } from './operations/system-engine.js';
export type { VersionResult } from './operations/system-version.js';
export type { InfoResult } from './operations/system-info.js';
export type { Filters } from './operations/filters.js';
export type { ListContainersOptions, ListContainersResult, ContainerSummary } from './operations/container-list.js';
export type { InspectContainerResult } from './operations/container-inspect.js';
export type { CreateContainerOptions, CreateContainerResult, ContainerConfig, HostConfig, NetworkingConfig } from './operations/container-create.js';
export type { StartContainerResult } from './operations/container-start.js';
export type { StopContainerOptions, StopContainerResult } from './operations/container-stop.js';
export type { UpdateContainerResources, UpdateContainerResult } from './operations/container-update.js';
export type { RemoveContainerOptions, RemoveContainerResult } from './operations/container-remove.js';
export type { InspectImageResult } from './operations/image-inspect.js';
export type { ListImagesOptions, ListImagesResult, ImageSummary } from './operations/image-list.js';
export { DEFAULT_PULL_PROGRESS_DEADLINE_MS, type PullImageOptions, type PullImageResult } from './operations/image-pull.js';
export type { RemoveImageOptions, RemoveImageResult, ImageDeleteResponseItem } from './operations/image-remove.js';
export type { ImageHistoryResult, ImageHistoryItem } from './operations/image-history.js';
export type { LogsOptions, LogsResult } from './operations/container-logs.js';
export type { ExecConfig, CreateExecResult } from './operations/exec-create.js';
export type { StartExecOptions, StartExecResult } from './operations/exec-start.js';
export type { InspectExecResult } from './operations/exec-inspect.js';
export type { AttachOptions, AttachResult } from './operations/container-attach.js';
export type { ResizeTTYResult } from './operations/container-resize.js';
export type { ContainerStatsResult } from './operations/container-stats.js';
export type { RegistryAuth } from './operations/registry-auth.js';
export type { CreateNetworkConfig, CreateNetworkResult } from './operations/network-create.js';
export type { InspectNetworkOptions, InspectNetworkResult } from './operations/network-inspect.js';
export type { ListNetworksOptions, ListNetworksResult, NetworkSummary } from './operations/network-list.js';
export type { RemoveNetworkResult } from './operations/network-remove.js';
export type {
  ConnectNetworkOptions,
  ConnectNetworkResult,
  DisconnectNetworkOptions,
  DisconnectNetworkResult,
  EndpointSettings,
} from './operations/network-connect.js';
export type { PruneNetworksOptions, PruneNetworksResult } from './operations/network-prune.js';
export type { SwarmInitSpec, SwarmJoinSpec, SwarmJoinResult, SwarmLeaveOptions, SwarmLeaveResult } from './operations/swarm-init.js';
export type { SwarmInspectResult, SwarmSpec, SwarmUpdateFlags, SwarmUpdateResult } from './operations/swarm-inspect.js';
export type { ListNodesOptions, NodeSpec, RemoveNodeOptions, RemoveNodeResult, SwarmNode, UpdateNodeResult } from './operations/node-list.js';
export type {
  CreateServiceOptions,
  CreateServiceResult,
  InspectServiceOptions,
  ListServicesOptions,
  RemoveServiceResult,
  ServiceSpec,
  SwarmService,
  UpdateServiceOptions,
  UpdateServiceResult,
} from './operations/service-create.js';
export type { ServiceLogsOptions, ServiceLogsResult } from './operations/service-logs.js';
export { ServiceTaskFailedError, type WaitForServiceOptions, type WaitForServiceResult } from './operations/service-wait.js';
export type { ListTasksOptions, SwarmTask } from './operations/task-list.js';
export type { CreateSecretSpec, ListSecretsOptions, RemoveSecretResult, SecretSpec, SwarmSecret } from './operations/secret-create.js';
export type { CreateConfigSpec, ListConfigsOptions, RemoveConfigResult, ConfigSpec, SwarmConfig } from './operations/config-create.js';
export {
  parseNormalizedReference,
  InvalidReferenceError,
  type ImageReference,
} from './operations/image-reference.js';
export type { StreamOptions } from './streams/stream-options.js';
// Images beyond the 24, commit, events
export type { PushImageOptions, PushImageCallOptions, PushImageResult, PushProgress } from './operations/image-push.js';
export type { TagImageOptions, TagImageResult } from './operations/image-tag.js';
export type { ImportImageOptions, ImportImageResult } from './operations/image-import.js';
export type { PruneImagesOptions, PruneImagesResult } from './operations/image-prune.js';
export type { CommitContainerOptions, CommitContainerResult } from './operations/container-commit.js';
export type { EventsOptions, EventMessage, EventStream } from './operations/system-events.js';
export type { TarInput } from './streams/binary-body.js';
export {
  FILE_MODE_DIR,
  FILE_MODE_SYMLINK,
  type GetArchiveResult,
  type PathStat,
  type PutArchiveOptions,
} from './operations/container-archive.js';
export type {
  BuildContext,
  BuildImageCallOptions,
  BuildImageOptions,
  BuildImageResult,
  BuildProgressEvent,
  BuildStatusEvent,
  BuildStreamEvent,
} from './operations/image-build.js';
export type { BuildKitEvent, BuildLogEvent, BuildVertexEvent, BuildVertexStatusEvent, BuildWarningEvent } from './build/buildkit-status.js';
export { BuildError, type BuildErrorOptions, type BuildErrorStep } from './build/build-error.js';
export type { PullProgress, LayerProgress, PullMessage } from './streams/pull-progress.js';
export { parseDockerHost, type ParsedHost } from './connection/parse-host.js';
export { resolveConnection, type ConnectionOptions, type ResolvedConnection } from './connection/resolve.js';
export type { RequestResult, RequestParams, FullResponse, OperationId, OperationParams, OperationResult } from './request.js';
export { operations, MAX_API_VERSION } from './generated/operations.js';
export type { components, paths } from './generated/engine-api.js';
export {
  AbortError,
  ConflictError,
  ConnectionError,
  DockerError,
  ForbiddenError,
  InvalidParameterError,
  NotFoundError,
  NotImplementedError,
  ProtocolError,
  ServerError,
  TimeoutError,
  UnauthorizedError,
  UnavailableError,
} from '@dockline/core';
export { describeConnection, type ConnectionDescription, type DescribeConnectionOptions, type ProbedEngine } from './connection/describe.js';
export type { EndpointSource } from './connection/plan.js';
export {
  DEFAULT_CONTEXT_NAME,
  contextStoreId,
  dockerConfigDir,
  listContexts,
  loadContext,
  readCurrentContext,
  type DockerContext,
} from './connection/contexts.js';
export {
  defaultSocketCandidates,
  probeSockets,
  type SocketCandidate,
  type SocketProbe,
  type SocketProbeOutcome,
  type SocketProbeResult,
} from './connection/default-sockets.js';
// Lifecycle, run, volumes, system (issue #15)
export type { WaitContainerOptions, WaitContainerResult, WaitCondition } from './operations/container-wait.js';
export type { KillContainerOptions, KillContainerResult } from './operations/container-kill.js';
export type { RestartContainerOptions, RestartContainerResult } from './operations/container-restart.js';
export type { PauseContainerResult } from './operations/container-pause.js';
export type { RenameContainerResult } from './operations/container-rename.js';
export type { TopContainerOptions, TopContainerResult } from './operations/container-top.js';
export type { ContainerChangesResult, FilesystemChange } from './operations/container-changes.js';
export type { PruneContainersOptions, PruneContainersResult } from './operations/container-prune.js';
export type { RunOptions, RunResult } from './operations/container-run.js';
export type { Volume, VolumeCreateConfig } from './operations/volume-create.js';
export type { ListVolumesOptions, ListVolumesResult } from './operations/volume-list.js';
export type { RemoveVolumeOptions, RemoveVolumeResult } from './operations/volume-remove.js';
export type { PruneVolumesOptions, PruneVolumesResult } from './operations/volume-prune.js';
export type { SystemDfOptions, SystemDfResult } from './operations/system-df.js';
export type { CheckAuthResult } from './operations/system-auth.js';
export { PACKAGE_VERSION, DEFAULT_USER_AGENT } from './version.js';
