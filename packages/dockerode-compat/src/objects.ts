// dockerode's small object classes: a handle (id or name) plus the calls on it. Each method
// takes dockerode's options and an optional trailing callback (else it returns a Promise).
import type { OperationId } from '@dockline/api';
import { callOptionsOf, dual, queryOf } from './callback.js';
import { encodeAuth, type Modem } from './modem.js';

type PathKey = 'id' | 'name';

/** One object kind: the path parameter it fills, and the calls on it. */
abstract class Handle {
  readonly modem: Modem;
  defaultOptions: Record<string, unknown> = {};
  constructor(modem: Modem) {
    this.modem = modem;
  }
  protected abstract key(): string;
  protected call(operation: OperationId, pathKey: PathKey, opts: unknown, params: { query?: Record<string, unknown>; body?: unknown; headers?: Record<string, string> } = {}): Promise<unknown> {
    return this.modem.op(operation, { path: { [pathKey]: this.key() }, ...params }, callOptionsOf(opts).signal);
  }
}

/** Options with a `version` (swarm objects' update): the version as query, the rest as the spec. */
function versioned(opts: unknown): { query: Record<string, unknown>; body: Record<string, unknown> } {
  const { version, ...spec } = queryOf(opts);
  return { query: { version }, body: spec };
}

function authHeader(opts: unknown): Record<string, string> {
  const auth = (opts as { authconfig?: Record<string, unknown> } | undefined)?.authconfig;
  // The daemon wants the header on push even when anonymous: an empty object then.
  return { 'X-Registry-Auth': encodeAuth(auth ?? {}) };
}

export class Image extends Handle {
  name: string;
  constructor(modem: Modem, name: string) {
    super(modem);
    this.name = name;
  }
  protected key(): string {
    return this.name;
  }
  inspect(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('ImageInspect', 'name', opts));
  }
  distribution(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('DistributionInspect', 'name', opts, { headers: authHeader(opts) }));
  }
  history(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('ImageHistory', 'name', opts));
  }
  /** The `docker save` tar of this image, as a Readable. */
  get(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('ImageGet', 'name', opts));
  }
  /** The NDJSON progress stream (feed it to `docker.modem.followProgress`). */
  push(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('ImagePush', 'name', opts, { query: queryOf(opts), headers: authHeader(opts) }));
  }
  tag(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('ImageTag', 'name', opts, { query: queryOf(opts) }));
  }
  remove(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('ImageDelete', 'name', opts, { query: queryOf(opts) }));
  }
}

export class Volume extends Handle {
  name: string;
  constructor(modem: Modem, name: string) {
    super(modem);
    this.name = name;
  }
  protected key(): string {
    return this.name;
  }
  inspect(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('VolumeInspect', 'name', opts));
  }
  remove(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('VolumeDelete', 'name', opts, { query: queryOf(opts) }));
  }
}

export class Network extends Handle {
  id: string;
  constructor(modem: Modem, id: string) {
    super(modem);
    this.id = id;
  }
  protected key(): string {
    return this.id;
  }
  inspect(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('NetworkInspect', 'id', opts, { query: queryOf(opts) }));
  }
  remove(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('NetworkDelete', 'id', opts));
  }
  /** `{ Container, EndpointConfig? }` */
  connect(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('NetworkConnect', 'id', opts, { body: queryOf(opts) }));
  }
  /** `{ Container, Force? }` */
  disconnect(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('NetworkDisconnect', 'id', opts, { body: queryOf(opts) }));
  }
}

export class Service extends Handle {
  id: string;
  constructor(modem: Modem, id: string) {
    super(modem);
    this.id = id;
  }
  protected key(): string {
    return this.id;
  }
  inspect(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('ServiceInspect', 'id', opts, { query: queryOf(opts) }));
  }
  remove(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('ServiceDelete', 'id', opts));
  }
  /** `{ version, ...ServiceSpec }`, as dockerode (`authconfig` for a private image). */
  update(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => {
      const { query, body } = versioned(opts);
      const auth = (opts as { authconfig?: Record<string, unknown> } | undefined)?.authconfig;
      return this.call('ServiceUpdate', 'id', opts, { query, body, ...(auth ? { headers: { 'X-Registry-Auth': encodeAuth(auth) } } : {}) });
    });
  }
  /** The raw log stream (multiplexed unless the service has a TTY). */
  logs(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('ServiceLogs', 'id', opts, { query: queryOf(opts) }));
  }
}

export class Task extends Handle {
  id: string;
  constructor(modem: Modem, id: string) {
    super(modem);
    this.id = id;
  }
  protected key(): string {
    return this.id;
  }
  inspect(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('TaskInspect', 'id', opts));
  }
  logs(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('TaskLogs', 'id', opts, { query: queryOf(opts) }));
  }
}

export class Node extends Handle {
  id: string;
  constructor(modem: Modem, id: string) {
    super(modem);
    this.id = id;
  }
  protected key(): string {
    return this.id;
  }
  inspect(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('NodeInspect', 'id', opts));
  }
  /** `{ version, ...NodeSpec }` */
  update(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('NodeUpdate', 'id', opts, versioned(opts)));
  }
  remove(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('NodeDelete', 'id', opts, { query: queryOf(opts) }));
  }
}

export class Secret extends Handle {
  id: string;
  constructor(modem: Modem, id: string) {
    super(modem);
    this.id = id;
  }
  protected key(): string {
    return this.id;
  }
  inspect(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('SecretInspect', 'id', opts));
  }
  /** `{ version, ...SecretSpec }` */
  update(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('SecretUpdate', 'id', opts, versioned(opts)));
  }
  remove(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('SecretDelete', 'id', opts));
  }
}

export class Config extends Handle {
  id: string;
  constructor(modem: Modem, id: string) {
    super(modem);
    this.id = id;
  }
  protected key(): string {
    return this.id;
  }
  inspect(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('ConfigInspect', 'id', opts));
  }
  /** `{ version, ...ConfigSpec }` */
  update(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('ConfigUpdate', 'id', opts, versioned(opts)));
  }
  remove(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('ConfigDelete', 'id', opts));
  }
}

/** Managed plugins. Not exercised against a daemon here (no plugin can be pulled offline). */
export class Plugin extends Handle {
  name: string;
  remote: string | undefined;
  constructor(modem: Modem, name: string, remote?: string) {
    super(modem);
    this.name = name;
    this.remote = remote;
  }
  protected key(): string {
    return this.name;
  }
  inspect(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('PluginInspect', 'name', opts));
  }
  remove(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('PluginDelete', 'name', opts, { query: queryOf(opts) }));
  }
  privileges(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.modem.op('GetPluginPrivileges', { query: { remote: this.remote ?? this.name } }, callOptionsOf(opts).signal));
  }
  /** `opts` the privileges to grant (the body); `_query` for `remote` / `name`. */
  pull(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => {
      const o = (opts ?? {}) as Record<string, unknown>;
      const query = (o._query as Record<string, unknown> | undefined) ?? { remote: this.remote ?? this.name, name: this.name };
      const body = (o._body as unknown) ?? [];
      return this.modem.op('PluginPull', { query, body, headers: authHeader(opts) }, callOptionsOf(opts).signal);
    });
  }
  enable(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('PluginEnable', 'name', opts, { query: queryOf(opts) }));
  }
  disable(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('PluginDisable', 'name', opts, { query: queryOf(opts) }));
  }
  push(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('PluginPush', 'name', opts, { headers: authHeader(opts) }));
  }
  /** `opts`: the settings, `["KEY=value"]`. */
  configure(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.call('PluginSet', 'name', opts, { body: Array.isArray(opts) ? opts : [] }));
  }
  upgrade(auth: unknown, ...args: unknown[]): any {
    return dual(args, (opts?: unknown) => {
      const o = (opts ?? {}) as Record<string, unknown>;
      return this.call('PluginUpgrade', 'name', opts, {
        query: (o._query as Record<string, unknown> | undefined) ?? { remote: this.remote ?? this.name },
        body: (o._body as unknown) ?? [],
        headers: { 'X-Registry-Auth': encodeAuth((auth as Record<string, unknown> | null | undefined) ?? {}) },
      });
    });
  }
}
