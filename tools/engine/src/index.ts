// @dockline/tool-engine: real engines on loopback for tests and the demo.
export { ensureEngine, stopEngine, engineStatus, readEngineInfo } from './engine.ts';
export type { EngineOptions, EngineStatus } from './engine.ts';
export type { EngineInfo } from './state.ts';
export { DEFAULT_STATE_DIR, TEST_IMAGE, resolveStateDir } from './state.ts';
export { registryAuthHeader } from './registry.ts';
export { ensurePodman, stopPodman, DEFAULT_PODMAN_DIR, type PodmanInfo, type PodmanOptions } from './podman.ts';
export { ensurePrometheus, prometheusStatus, stopPrometheus, PROMETHEUS_JOB, type PrometheusInfo } from './prometheus.ts';
