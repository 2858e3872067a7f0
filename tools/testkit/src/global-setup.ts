import type { TestProject } from 'vitest/node';
import { ensureEngine, type EngineInfo } from '@dockline/tool-engine';

import './engine.js'; // the ProvidedContext typing for 'dockline.engine'

/**
 * Runs once per `vitest run`: makes the private engine ready (reusing a running one) and
 * provides its addresses to every test file. DOCKLINE_NO_ENGINE=1 skips it for unit-only
 * runs outside CI; in CI a failure to start fails the run.
 */
export default async function setup(project: TestProject): Promise<void> {
  if (process.env.DOCKLINE_NO_ENGINE === '1' && process.env.CI !== 'true') {
    project.provide('dockline.engine', null);
    project.provide('dockline.engineError', 'DOCKLINE_NO_ENGINE=1 was set');
    return;
  }
  try {
    const info = await ensureEngine({ log: (line) => process.stderr.write(`[engine] ${line}\n`) });
    project.provide('dockline.engine', info);
    project.provide('dockline.engineError', null);
  } catch (err) {
    if (process.env.CI === 'true') throw err;
    project.provide('dockline.engine', null);
    project.provide('dockline.engineError', err instanceof Error ? err.message : String(err));
  }
}
