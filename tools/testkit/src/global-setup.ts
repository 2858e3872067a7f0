import type { TestProject } from 'vitest/node';
import { ensureCluster, ensureEngine, ensureNetnsDaemon } from '@dockline/tool-engine';

import './engine.js'; // the ProvidedContext typing for 'dockline.engine', 'dockline.netns', 'dockline.cluster'

const log = (line: string): void => {
  process.stderr.write(`[engine] ${line}\n`);
};

/**
 * Runs once per `vitest run` (per project): makes the private engine ready (reusing a
 * running one) and provides its addresses to every test file. DOCKLINE_NO_ENGINE=1 skips
 * it for unit-only runs outside CI; in CI a failure to start fails the run.
 */
export default async function setup(project: TestProject): Promise<void> {
  if (process.env.DOCKLINE_NO_ENGINE === '1' && process.env.CI !== 'true') {
    for (const key of ['dockline.engine', 'dockline.netns', 'dockline.cluster'] as const) project.provide(key, null);
    project.provide('dockline.engineError', 'DOCKLINE_NO_ENGINE=1 was set');
    project.provide('dockline.netnsError', 'DOCKLINE_NO_ENGINE=1 was set');
    project.provide('dockline.clusterError', 'DOCKLINE_NO_ENGINE=1 was set');
    return;
  }
  try {
    const info = await ensureEngine({ log });
    project.provide('dockline.engine', info);
    project.provide('dockline.engineError', null);
  } catch (err) {
    if (process.env.CI === 'true') throw err;
    project.provide('dockline.engine', null);
    project.provide('dockline.engineError', message(err));
  }
  await setupNamespaced(project);
}

/** Test files that need the namespaced daemons: their names say so. */
const NAMESPACED = /network|swarm|cluster|netns/i;
/** The projects with such files. */
const NAMESPACED_PROJECTS = new Set(['api', 'dockerode-compat']);

/**
 * The namespaced network daemon and the 3-node swarm: only for the api and dockerode-compat
 * projects, and only
 * when the run may include a network/swarm test file (no file filter, or a filter naming
 * one), so a run of other files never waits for them. Started once, reused by later runs.
 */
async function setupNamespaced(project: TestProject): Promise<void> {
  // vitest keeps the CLI's file filters here (not public API): absent means "every file".
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern;
  const wanted = NAMESPACED_PROJECTS.has(project.name) && (!filters?.length || filters.some((f) => NAMESPACED.test(f)));
  if (!wanted) {
    project.provide('dockline.netns', null);
    project.provide('dockline.netnsError', `not started for project ${project.name} with filters ${JSON.stringify(filters ?? [])}`);
    project.provide('dockline.cluster', null);
    project.provide('dockline.clusterError', `not started for project ${project.name} with filters ${JSON.stringify(filters ?? [])}`);
    return;
  }
  const [netns, cluster] = await Promise.allSettled([ensureNetnsDaemon({ log }), ensureCluster({ log })]);
  if (process.env.CI === 'true') {
    if (netns.status === 'rejected') throw netns.reason;
    if (cluster.status === 'rejected') throw cluster.reason;
  }
  project.provide('dockline.netns', netns.status === 'fulfilled' ? netns.value : null);
  project.provide('dockline.netnsError', netns.status === 'rejected' ? message(netns.reason) : null);
  project.provide('dockline.cluster', cluster.status === 'fulfilled' ? cluster.value : null);
  project.provide('dockline.clusterError', cluster.status === 'rejected' ? message(cluster.reason) : null);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
