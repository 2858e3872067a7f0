import { describe, inject, it } from 'vitest';
import type { ClusterInfo, EngineInfo, NetnsDaemonInfo } from '@dockline/tool-engine';

declare module 'vitest' {
  export interface ProvidedContext {
    'dockline.engine': EngineInfo | null;
    'dockline.engineError': string | null;
    /** the lone dockerd in a network namespace, for network tests (api project only) */
    'dockline.netns': NetnsDaemonInfo | null;
    'dockline.netnsError': string | null;
    /** the 3-node swarm, each node in its own namespace (api project only) */
    'dockline.cluster': ClusterInfo | null;
    'dockline.clusterError': string | null;
  }
}

/** The engine that global setup started, or undefined when it could not (outside CI only). */
export function engineInfo(): EngineInfo | undefined {
  return inject('dockline.engine') ?? undefined;
}

/**
 * describe() for integration tests that need the real engine. Outside CI, without an
 * engine, the block is skipped with the reason; in CI (CI=true) it fails instead, so a
 * missing engine can never pass as green.
 */
export function describeWithEngine(name: string, fn: (engine: EngineInfo) => void): void {
  const engine = engineInfo();
  if (engine) {
    describe(name, () => fn(engine));
    return;
  }
  const reason = inject('dockline.engineError') ?? 'no engine';
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('reaches the engine', () => {
        throw new Error(`integration test cannot reach its engine: ${reason}`);
      });
    });
  } else {
    describe.skip(`${name} (skipped: ${reason})`, () => {
      it('needs the engine', () => undefined);
    });
  }
}

/**
 * describe() for tests that need a namespaced daemon (`dockline.netns`) or the swarm
 * cluster (`dockline.cluster`): skipped with the reason outside CI when it is missing,
 * failing in CI.
 */
export function describeWithNamespaced<K extends 'dockline.netns' | 'dockline.cluster'>(
  key: K,
  name: string,
  fn: (info: NonNullable<ReturnType<typeof inject<K>>>) => void,
): void {
  const info = inject(key);
  if (info) {
    describe(name, () => fn(info as NonNullable<ReturnType<typeof inject<K>>>));
    return;
  }
  const reason = inject(key === 'dockline.netns' ? 'dockline.netnsError' : 'dockline.clusterError') ?? `no ${key}`;
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('reaches its namespaced daemon', () => {
        throw new Error(`integration test cannot reach ${key}: ${reason}`);
      });
    });
  } else {
    describe.skip(`${name} (skipped: ${reason})`, () => {
      it('needs the namespaced daemon', () => undefined);
    });
  }
}
