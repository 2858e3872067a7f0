// @dockline/tool-engine: real engines on loopback for tests and the demo.
export { ensureEngine, stopEngine, engineStatus, readEngineInfo } from './engine.ts';
export type { EngineOptions, EngineStatus } from './engine.ts';
export type { EngineInfo } from './state.ts';
export { DEFAULT_STATE_DIR, TEST_IMAGE, resolveStateDir } from './state.ts';
export { registryAuthHeader } from './registry.ts';
export { ensurePodman, stopPodman, podmanHealth, resolvePodmanDir, PODMAN_SUBDIR, type PodmanInfo, type PodmanOptions } from './podman.ts';
export {
  ensureCluster,
  stopCluster,
  clusterStatus,
  ensureNetnsDaemon,
  stopNetnsDaemon,
  netnsDaemonStatus,
  DEFAULT_CLUSTER_SUBNET,
} from './cluster.ts';
export type { ClusterInfo, ClusterNodeInfo, ClusterOptions, ClusterStatus, NetnsDaemonInfo, NetnsDaemonStatus } from './cluster.ts';
export { ensurePrometheus, prometheusStatus, stopPrometheus, PROMETHEUS_JOB, type PrometheusInfo } from './prometheus.ts';
