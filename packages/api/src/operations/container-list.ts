import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { components } from '../generated/engine-api.js';
import { encodeFilters, type Filters } from './filters.js';

export interface ListContainersOptions {
  /** Include stopped containers too. Default false: running only. */
  all?: boolean | undefined;
  /** Only the N most recently created containers (running or not). */
  limit?: number | undefined;
  /** Fill SizeRw / SizeRootFs (slow: the daemon walks each container's files). */
  size?: boolean | undefined;
  /** e.g. `{ label: ['app=web'], status: ['exited'] }` (the Engine API's filter names). */
  filters?: Filters | undefined;
}

export type ContainerSummary = components['schemas']['ContainerSummary'];
export type ListContainersResult = ContainerSummary[];

/** GET /containers/json */
export async function listContainers(ctx: ClientContext, options: ListContainersOptions = {}, call?: CallOptions): Promise<ListContainersResult> {
  const res = await ctx.call(
    'ContainerList',
    { query: { all: options.all, limit: options.limit, size: options.size, filters: encodeFilters(options.filters) } },
    call,
  );
  return (res.body ?? []) as ListContainersResult;
}
