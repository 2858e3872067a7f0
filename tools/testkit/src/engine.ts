import { describe, inject, it } from 'vitest';
import type { EngineInfo } from '@dockline/tool-engine';

declare module 'vitest' {
  export interface ProvidedContext {
    'dockline.engine': EngineInfo | null;
    'dockline.engineError': string | null;
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
