// Swarm services: createService, inspectService, listServices, updateService, removeService.
import { DockerError } from '@dockline/core';
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { components } from '../generated/engine-api.js';
import { encodeFilters, type Filters } from './filters.js';
import { encodeRegistryAuth, type RegistryAuth } from './registry-auth.js';
import { staleVersionError } from './swarm-version.js';
import { requireId, requireVersion } from './validate.js';

export type ServiceSpec = components['schemas']['ServiceSpec'];
export type SwarmService = components['schemas']['Service'];

export interface CreateServiceOptions {
  /** Credentials for the image's registry, sent in X-Registry-Auth (never logged) and passed on to the nodes. */
  auth?: RegistryAuth | undefined;
}

export interface CreateServiceResult {
  ID: string;
  Warnings: string[];
}

export interface InspectServiceOptions {
  /** Fill in the defaults the daemon applies (UpdateConfig, RestartPolicy...). */
  insertDefaults?: boolean | undefined;
}

export interface ListServicesOptions {
  /** e.g. `{ label: ['team=a'], name: ['web'], mode: ['replicated'] }`. */
  filters?: Filters | undefined;
  /** Also fill ServiceStatus (RunningTasks, DesiredTasks); API >= 1.41. */
  status?: boolean | undefined;
}

export interface UpdateServiceOptions {
  /** Credentials for the (new) image's registry, sent in X-Registry-Auth. */
  auth?: RegistryAuth | undefined;
  /** Without `auth`: reuse the credentials of the 'spec' (default) or 'previous-spec'. */
  registryAuthFrom?: 'spec' | 'previous-spec' | undefined;
  /** true: roll back to the previous spec (the `spec` argument is then ignored by the daemon but must be sent). */
  rollback?: boolean | undefined;
}

export interface UpdateServiceResult {
  Warnings: string[];
}

/** Nothing yet: a type so fields can be added without breaking callers. */
export interface RemoveServiceResult {}

const authHeader = (auth: RegistryAuth | undefined): Record<string, string> | undefined =>
  auth ? { 'X-Registry-Auth': encodeRegistryAuth(auth) } : undefined;

/** POST /services/create -> `{ ID }`. A name in use is a ConflictError. */
export async function createService(ctx: ClientContext, spec: ServiceSpec, options: CreateServiceOptions = {}, call?: CallOptions): Promise<CreateServiceResult> {
  const res = await ctx.call('ServiceCreate', { body: spec, headers: authHeader(options.auth) }, call);
  const out = res.body as components['schemas']['ServiceCreateResponse'];
  if (!out?.ID) throw new DockerError('ServiceCreate: the daemon answered without a service ID', { operation: 'ServiceCreate' });
  return { ID: out.ID, Warnings: out.Warnings ?? [] };
}

/** GET /services/{id}: Spec, Version (for updateService), UpdateStatus, Endpoint... */
export async function inspectService(ctx: ClientContext, id: string, options: InspectServiceOptions = {}, call?: CallOptions): Promise<SwarmService> {
  requireId('inspectService', 'id', id, 'ServiceInspect');
  const res = await ctx.call('ServiceInspect', { path: { id }, query: { insertDefaults: options.insertDefaults } }, call);
  return res.body as SwarmService;
}

/** GET /services */
export async function listServices(ctx: ClientContext, options: ListServicesOptions = {}, call?: CallOptions): Promise<SwarmService[]> {
  const res = await ctx.call('ServiceList', { query: { filters: encodeFilters(options.filters), status: options.status } }, call);
  return (res.body ?? []) as SwarmService[];
}

/**
 * POST /services/{id}/update?version=N with the whole new spec. `version` is
 * `Version.Index` from inspectService; an older one is a ConflictError naming it.
 */
export async function updateService(
  ctx: ClientContext,
  id: string,
  version: number,
  spec: ServiceSpec,
  options: UpdateServiceOptions = {},
  call?: CallOptions,
): Promise<UpdateServiceResult> {
  requireId('updateService', 'id', id, 'ServiceUpdate');
  requireVersion('updateService', version, 'ServiceUpdate');
  try {
    const res = await ctx.call(
      'ServiceUpdate',
      {
        path: { id },
        query: {
          version,
          registryAuthFrom: options.auth ? undefined : options.registryAuthFrom,
          rollback: options.rollback ? 'previous' : undefined,
        },
        body: spec,
        headers: authHeader(options.auth),
      },
      call,
    );
    const out = (res.body ?? {}) as components['schemas']['ServiceUpdateResponse'];
    return { Warnings: out.Warnings ?? [] };
  } catch (err) {
    throw staleVersionError(err, `updateService ${id}`, version);
  }
}

/** DELETE /services/{id}: its tasks are shut down (asynchronously) on every node. */
export async function removeService(ctx: ClientContext, id: string, call?: CallOptions): Promise<RemoveServiceResult> {
  requireId('removeService', 'id', id, 'ServiceDelete');
  await ctx.call('ServiceDelete', { path: { id } }, call);
  return {};
}
