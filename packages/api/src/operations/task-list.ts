// Swarm tasks: listTasks, inspectTask.
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { components } from '../generated/engine-api.js';
import { encodeFilters, type Filters } from './filters.js';
import { requireId } from './validate.js';

export type SwarmTask = components['schemas']['Task'];

export interface ListTasksOptions {
  /** e.g. `{ service: ['web'], 'desired-state': ['running'], node: ['ID'] }`. */
  filters?: Filters | undefined;
}

/** GET /tasks: current and historical tasks (up to the swarm's TaskHistoryRetentionLimit per slot). */
export async function listTasks(ctx: ClientContext, options: ListTasksOptions = {}, call?: CallOptions): Promise<SwarmTask[]> {
  const res = await ctx.call('TaskList', { query: { filters: encodeFilters(options.filters) } }, call);
  return (res.body ?? []) as SwarmTask[];
}

/** GET /tasks/{id} */
export async function inspectTask(ctx: ClientContext, id: string, call?: CallOptions): Promise<SwarmTask> {
  requireId('inspectTask', 'id', id, 'TaskInspect');
  const res = await ctx.call('TaskInspect', { path: { id } }, call);
  return res.body as SwarmTask;
}
