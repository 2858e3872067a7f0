import { EventEmitter } from 'node:events';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, type Duplex } from 'node:stream';
import { createClient, type CreateClientOptions, type DockerClient } from '@dockline/api';
import { InvalidParameterError } from '@dockline/core';
import { pack } from 'tar-stream';
import { callOptionsOf, dual, queryOf } from './callback.js';
import { Container, Exec } from './container.js';
import { Modem, collect, encodeAuth } from './modem.js';
import { Config, Image, Network, Node, Plugin, Secret, Service, Task, Volume } from './objects.js';

/** dockerode's constructor options (docker-modem's), plus `client` to wrap a DockerClient you made. */
export interface DockerOptions {
  socketPath?: string | undefined;
  host?: string | undefined;
  port?: number | string | undefined;
  protocol?: 'http' | 'https' | 'ssh' | undefined;
  username?: string | undefined;
  ca?: string | Buffer | Array<string | Buffer> | undefined;
  cert?: string | Buffer | undefined;
  key?: string | Buffer | undefined;
  sshOptions?: Record<string, unknown> | undefined;
  version?: string | undefined;
  timeout?: number | undefined;
  headers?: Record<string, string> | undefined;
  /** dockline only: use this client (its transport, middleware and tracing) instead of building one. */
  client?: DockerClient | undefined;
  /** Accepted for compatibility and ignored (dockline has its own promises and agent). */
  Promise?: unknown;
  agent?: unknown;
}

/** What createClient() gets from dockerode's options; undefined fields mean "the default resolution". */
export function clientOptionsOf(opts: DockerOptions): CreateClientOptions {
  const out: CreateClientOptions = {};
  if (opts.socketPath) {
    out.host = `unix://${opts.socketPath}`;
  } else if (opts.host) {
    const tls = opts.ca !== undefined || opts.cert !== undefined || opts.key !== undefined;
    const protocol = opts.protocol ?? (tls ? 'https' : 'http');
    const port = opts.port ?? (protocol === 'ssh' ? 22 : protocol === 'https' ? 2376 : 2375);
    if (protocol === 'ssh') {
      out.host = `ssh://${opts.username ? `${opts.username}@` : ''}${opts.host}:${port}`;
      if (opts.sshOptions) out.ssh = opts.sshOptions;
    } else if (protocol === 'https') {
      out.host = `https://${opts.host}:${port}`;
      out.tls = { ca: opts.ca as never, cert: opts.cert, key: opts.key };
    } else if (protocol === 'http') {
      out.host = `tcp://${opts.host}:${port}`;
    } else {
      throw new InvalidParameterError(`new Docker(): protocol must be "http", "https" or "ssh", got ${JSON.stringify(protocol)}`);
    }
  }
  if (opts.version) out.apiVersion = opts.version.replace(/^v/, '');
  if (opts.timeout !== undefined) out.timeoutMs = opts.timeout;
  if (opts.headers) out.headers = opts.headers;
  return out;
}

/** "registry:5000/repo:tag" -> repository and tag (digest references keep the whole name). */
function parseRepositoryTag(ref: string): { repository: string; tag: string | undefined } {
  if (ref.includes('@')) return { repository: ref, tag: undefined };
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { repository: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repository: ref, tag: undefined };
}

/** A build context as dockerode takes it: a tar (path, Buffer, stream) or `{ context, src }` (files packed here). */
function buildContext(file: unknown): Readable | Buffer {
  if (typeof file === 'string') return createReadStream(file);
  if (Buffer.isBuffer(file) || file instanceof Readable) return file;
  const spec = file as { context?: string; src?: string[] } | undefined;
  if (spec && typeof spec.context === 'string' && Array.isArray(spec.src)) {
    const tar = pack();
    for (const name of spec.src) tar.entry({ name }, readFileSync(join(spec.context, name)));
    tar.finalize();
    return tar as unknown as Readable;
  }
  throw new InvalidParameterError(`buildImage: file must be a tar (a path, Buffer or Readable) or { context, src: [...] }, got ${typeof file}`);
}

/**
 * dockerode's Docker class on dockline: same constructor options, same methods (callback
 * when the last argument is a function, else a Promise), same object classes. See
 * docs/migrating-from-dockerode.md for what differs.
 */
export class Docker {
  readonly modem: Modem;
  /** The dockline client underneath, for dockline's own typed methods. */
  readonly client: DockerClient;

  constructor(opts: DockerOptions = {}) {
    this.client = opts.client ?? createClient(clientOptionsOf(opts));
    this.modem = new Modem(this.client, opts);
  }

  /** Closes the client's connections (dockerode has no such call; a script may need it to exit at once). */
  close(): Promise<void> {
    return this.client.close();
  }

  getContainer(id: string): Container {
    return new Container(this.modem, id);
  }
  getImage(name: string): Image {
    return new Image(this.modem, name);
  }
  getVolume(name: string): Volume {
    return new Volume(this.modem, name);
  }
  getPlugin(name: string, remote?: string): Plugin {
    return new Plugin(this.modem, name, remote);
  }
  getService(id: string): Service {
    return new Service(this.modem, id);
  }
  getTask(id: string): Task {
    return new Task(this.modem, id);
  }
  getNode(id: string): Node {
    return new Node(this.modem, id);
  }
  getNetwork(id: string): Network {
    return new Network(this.modem, id);
  }
  getSecret(id: string): Secret {
    return new Secret(this.modem, id);
  }
  getConfig(id: string): Config {
    return new Config(this.modem, id);
  }
  getExec(id: string): Exec {
    return new Exec(this.modem, id);
  }

  #op(operation: Parameters<Modem['op']>[0], opts: unknown, params: Parameters<Modem['op']>[1] = {}): Promise<unknown> {
    return this.modem.op(operation, params, callOptionsOf(opts).signal);
  }

  /** Creates and answers a Container object (not the create response), as dockerode. */
  createContainer(...args: unknown[]): any {
    return dual(args, async (opts?: unknown) => {
      const { name, platform, ...config } = queryOf(opts);
      const res = (await this.#op('ContainerCreate', opts, { query: { name, platform }, body: config })) as { Id: string };
      return this.getContainer(res.Id);
    });
  }
  listContainers(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('ContainerList', opts, { query: queryOf(opts) }));
  }
  listImages(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('ImageList', opts, { query: queryOf(opts) }));
  }
  listVolumes(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('VolumeList', opts, { query: queryOf(opts) }));
  }
  listNetworks(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('NetworkList', opts, { query: queryOf(opts) }));
  }
  listServices(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('ServiceList', opts, { query: queryOf(opts) }));
  }
  listNodes(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('NodeList', opts, { query: queryOf(opts) }));
  }
  listTasks(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('TaskList', opts, { query: queryOf(opts) }));
  }
  listSecrets(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('SecretList', opts, { query: queryOf(opts) }));
  }
  listConfigs(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('ConfigList', opts, { query: queryOf(opts) }));
  }
  listPlugins(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('PluginList', opts, { query: queryOf(opts) }));
  }
  /** Answers a Volume object, as dockerode. */
  createVolume(...args: unknown[]): any {
    return dual(args, async (opts?: unknown) => {
      const res = (await this.#op('VolumeCreate', opts, { body: queryOf(opts) })) as { Name: string };
      return this.getVolume(res.Name);
    });
  }
  /** Answers a Network object, as dockerode. */
  createNetwork(...args: unknown[]): any {
    return dual(args, async (opts?: unknown) => {
      const res = (await this.#op('NetworkCreate', opts, { body: queryOf(opts) })) as { Id: string };
      return this.getNetwork(res.Id);
    });
  }
  /** `createService([auth,] spec)`: answers a Service object, as dockerode. */
  createService(...args: unknown[]): any {
    return dual(args, async (a?: unknown, b?: unknown) => {
      const [auth, opts] = b === undefined ? [undefined, a] : [a, b];
      const headers = auth ? { 'X-Registry-Auth': encodeAuth(auth as Record<string, unknown>) } : undefined;
      const res = (await this.#op('ServiceCreate', opts, { body: queryOf(opts), headers })) as { ID: string };
      return this.getService(res.ID);
    });
  }
  /** Answers a Secret object, as dockerode. */
  createSecret(...args: unknown[]): any {
    return dual(args, async (opts?: unknown) => {
      const res = (await this.#op('SecretCreate', opts, { body: queryOf(opts) })) as { ID: string };
      return this.getSecret(res.ID);
    });
  }
  /** Answers a Config object, as dockerode. */
  createConfig(...args: unknown[]): any {
    return dual(args, async (opts?: unknown) => {
      const res = (await this.#op('ConfigCreate', opts, { body: queryOf(opts) })) as { ID: string };
      return this.getConfig(res.ID);
    });
  }
  /** `{ name, file }`: a plugin from a tar of its rootfs and config.json. Answers a Plugin object. */
  createPlugin(...args: unknown[]): any {
    return dual(args, async (opts?: unknown) => {
      const o = (opts ?? {}) as { name: string; file: unknown };
      await this.#op('PluginCreate', opts, { query: { name: o.name }, body: buildContext(o.file), headers: { 'Content-Type': 'application/x-tar' } });
      return this.getPlugin(o.name);
    });
  }

  /** `createImage([auth,] opts)`: POST /images/create, answering its NDJSON progress stream. */
  createImage(...args: unknown[]): any {
    return dual(args, (a?: unknown, b?: unknown) => {
      const [auth, opts] = b === undefined ? [undefined, a] : [a, b];
      const merged = (auth ?? (opts as { authconfig?: unknown } | undefined)?.authconfig) as Record<string, unknown> | undefined;
      return this.#op('ImageCreate', opts, { query: queryOf(opts), headers: merged ? { 'X-Registry-Auth': encodeAuth(merged) } : undefined });
    });
  }
  /** `pull(ref, [opts], [callback], [auth])`: the progress stream; `followProgress` it. A ref without a tag pulls `latest`. */
  pull(ref: string, ...rest: unknown[]): any {
    // dockerode's 4th argument (auth after the callback) is folded into opts.authconfig.
    const args = [...rest];
    if (args.length >= 2 && typeof args[1] === 'function' && args[2] !== undefined) {
      args[0] = { ...(args[0] as object), authconfig: args[2] };
      args.length = 2;
    }
    return dual(args, (opts?: unknown) => {
      const { repository, tag } = parseRepositoryTag(ref);
      const query = { ...queryOf(opts), fromImage: repository, tag: tag ?? (repository.includes('@') ? undefined : 'latest') };
      const auth = (opts as { authconfig?: Record<string, unknown> } | undefined)?.authconfig;
      return this.#op('ImageCreate', opts, { query, headers: auth ? { 'X-Registry-Auth': encodeAuth(auth) } : undefined });
    });
  }
  /** `pullAll(ref, [opts], [callback], [auth])`: every tag of the repository (no tag in the query). */
  pullAll(ref: string, ...rest: unknown[]): any {
    const args = [...rest];
    if (args.length >= 2 && typeof args[1] === 'function' && args[2] !== undefined) {
      args[0] = { ...(args[0] as object), authconfig: args[2] };
      args.length = 2;
    }
    return dual(args, (opts?: unknown) => {
      const auth = (opts as { authconfig?: Record<string, unknown> } | undefined)?.authconfig;
      const query = { ...queryOf(opts), fromImage: parseRepositoryTag(ref).repository };
      return this.#op('ImageCreate', opts, { query, headers: auth ? { 'X-Registry-Auth': encodeAuth(auth) } : undefined });
    });
  }
  /** `getImages({ names: [...] })`: one `docker save` tar of several images, as a Readable. */
  getImages(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('ImageGetAll', opts, { query: queryOf(opts) }));
  }
  /** dockerode's alias of `modem.followProgress`. */
  followProgress(stream: NodeJS.ReadableStream, onFinished: (err: Error | null, output: unknown[]) => void, onProgress?: (event: any) => void): void {
    this.modem.followProgress(stream, onFinished, onProgress);
  }
  /** `loadImage(file, [opts])`: file a path or a stream of a `docker save` tar; answers the progress stream. */
  loadImage(file: unknown, ...args: unknown[]): any {
    return dual(args, (opts?: unknown) =>
      this.#op('ImageLoad', opts, { query: queryOf(opts), body: typeof file === 'string' ? createReadStream(file) : file, headers: { 'Content-Type': 'application/x-tar' } }),
    );
  }
  /** `importImage(file, [opts])`: a rootfs tar as a new image (`opts.repo`, `opts.tag`); answers the progress stream. */
  importImage(file: unknown, ...args: unknown[]): any {
    return dual(args, (opts?: unknown) =>
      this.#op('ImageCreate', opts, {
        query: { ...queryOf(opts), fromSrc: '-' },
        body: typeof file === 'string' ? createReadStream(file) : file,
        headers: { 'Content-Type': 'application/x-tar' },
      }),
    );
  }
  /** `buildImage(file, [opts])`: answers the raw NDJSON build stream; `followProgress` it (it reports a failed step as an error). */
  buildImage(file: unknown, ...args: unknown[]): any {
    return dual(args, (opts?: unknown) => {
      const o = (opts ?? {}) as Record<string, unknown>;
      const headers: Record<string, string> = { 'Content-Type': 'application/x-tar' };
      const registry = o.registryconfig ?? o.authconfig;
      if (registry) headers['X-Registry-Config'] = encodeAuth(registry as Record<string, unknown>);
      return this.#op('ImageBuild', opts, { query: queryOf(opts), headers, body: buildContext(file) });
    });
  }
  checkAuth(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('SystemAuth', opts, { body: queryOf(opts) }));
  }
  searchImages(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('ImageSearch', opts, { query: queryOf(opts) }));
  }
  pruneImages(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('ImagePrune', opts, { query: queryOf(opts) }));
  }
  pruneBuilder(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('BuildPrune', opts, { query: queryOf(opts) }));
  }
  pruneContainers(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('ContainerPrune', opts, { query: queryOf(opts) }));
  }
  pruneVolumes(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('VolumePrune', opts, { query: queryOf(opts) }));
  }
  pruneNetworks(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('NetworkPrune', opts, { query: queryOf(opts) }));
  }
  info(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('SystemInfo', opts));
  }
  df(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('SystemDataUsage', opts, { query: queryOf(opts) }));
  }
  version(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('SystemVersion', opts));
  }
  /** Answers a Buffer of "OK", as dockerode. */
  ping(...args: unknown[]): any {
    return dual(args, async (opts?: unknown) => {
      const body = await this.modem.dial({ path: '/_ping', method: 'GET', isStream: true, abortSignal: callOptionsOf(opts).signal });
      return collect(body as Readable);
    });
  }
  /** The raw NDJSON event stream (`{ since, until, filters }`); destroy it to stop. */
  getEvents(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('SystemEvents', opts, { query: queryOf(opts) }));
  }
  swarmInit(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('SwarmInit', opts, { body: queryOf(opts) }));
  }
  swarmJoin(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('SwarmJoin', opts, { body: queryOf(opts) }));
  }
  swarmLeave(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('SwarmLeave', opts, { query: queryOf(opts) }));
  }
  /** `{ version, ...SwarmSpec }` plus the rotate flags in `_query`, or everything as the spec. */
  swarmUpdate(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => {
      const { version, rotateWorkerToken, rotateManagerToken, rotateManagerUnlockKey, ...spec } = queryOf(opts);
      return this.#op('SwarmUpdate', opts, { query: { version, rotateWorkerToken, rotateManagerToken, rotateManagerUnlockKey }, body: spec });
    });
  }
  swarmInspect(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('SwarmInspect', opts));
  }

  /**
   * `run(image, cmd, outputs, [createOptions], [startOptions], [callback])`, as dockerode:
   * with a callback it returns an EventEmitter ('container', 'stream', 'start', 'data') and
   * calls `callback(err, data, container)`; without one it returns a Promise of
   * `[data, container]`. `outputs` is a Writable (TTY output) or `[stdout, stderr]`.
   *
   * Unlike dockerode, the wait is registered before the start (its response head has
   * arrived), so a container that exits at once (and is auto-removed) is never missed.
   */
  run(image: string, cmd: string[] | string, outputs: unknown, ...rest: unknown[]): any {
    let callback: ((err: unknown, data?: unknown, container?: Container) => void) | undefined;
    const last = rest[rest.length - 1];
    if (typeof last === 'function') callback = rest.pop() as typeof callback;
    const createOptions = (rest[0] ?? {}) as Record<string, unknown>;
    const startOptions = (rest[1] ?? {}) as Record<string, unknown>;
    const hub = new EventEmitter();
    let container: Container | undefined;
    const flow = async (): Promise<[unknown, Container]> => {
      container = (await this.createContainer({
        Hostname: '',
        User: '',
        AttachStdin: false,
        AttachStdout: true,
        AttachStderr: true,
        Tty: true,
        OpenStdin: false,
        StdinOnce: false,
        Env: null,
        Cmd: cmd,
        Image: image,
        Volumes: {},
        VolumesFrom: [],
        ...createOptions,
      })) as Container;
      const c = container;
      hub.emit('container', c);
      const stream = (await c.attach({ stream: true, stdout: true, stderr: true })) as Duplex;
      hub.emit('stream', stream);
      const done = outputs ? pipeOutputs(this.modem, stream, outputs) : Promise.resolve();
      // The wait's response head arrives before the start is sent: the daemon has then
      // registered the waiter, and answers even if the container exits (and is removed) at once.
      // API < 1.30 has no next-exit (400): wait after the start there, as dockerode does.
      const wait = await this.client
        .call('ContainerWait', { path: { id: c.id }, query: { condition: 'next-exit' } }, undefined, { response: 'stream', longRunning: true })
        .catch(() => undefined);
      const waitStream = wait?.stream;
      await c.start(startOptions);
      hub.emit('start', c);
      const data = waitStream ? JSON.parse((await collect(waitStream)).toString('utf8')) : await c.wait();
      await done;
      hub.emit('data', data);
      return [data, c];
    };
    if (!callback) return flow();
    const cb = callback;
    flow().then(
      ([data, c]) => process.nextTick(cb, null, data, c),
      (err: unknown) => process.nextTick(cb, err, null, container),
    );
    return hub;
  }
}

/** dockerode's handling of run()'s outputs: demux into [stdout, stderr] (then end both), or pipe a TTY stream. */
function pipeOutputs(modem: Modem, stream: Duplex, outputs: unknown): Promise<void> {
  return new Promise((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    if (Array.isArray(outputs)) {
      stream.on('end', () => {
        for (const o of outputs) (o as NodeJS.WritableStream | undefined)?.end?.();
      });
      modem.demuxStream(stream, outputs[0] as NodeJS.WritableStream, outputs[1] as NodeJS.WritableStream);
    } else {
      stream.setEncoding('utf8');
      stream.pipe(outputs as NodeJS.WritableStream, { end: true });
    }
  });
}
