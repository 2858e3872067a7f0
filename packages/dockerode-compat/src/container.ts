import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { callOptionsOf, dual, queryOf } from './callback.js';
import { collect, type Modem } from './modem.js';

type Opts = Record<string, unknown> | undefined;

/** Query keys of POST /commit; the other options are the container config (the body). */
const COMMIT_QUERY = new Set(['container', 'repo', 'tag', 'comment', 'author', 'changes', 'pause']);

/** dockerode's Exec: `start()` answers with the hijacked socket (multiplexed unless Tty). */
export class Exec {
  readonly modem: Modem;
  id: string;
  constructor(modem: Modem, id: string) {
    this.modem = modem;
    this.id = id;
  }

  /**
   * `{ hijack: true, stdin: true }` gives the raw duplex socket: write stdin to it and
   * `end()` it to close the process's stdin (a half-close; the output keeps coming).
   * `{ Detach: true }` starts without attaching.
   */
  start(...args: unknown[]): any {
    return dual(args, async (opts?: unknown) => {
      const o = (opts ?? {}) as Record<string, unknown>;
      const detach = o.Detach === true || o.detach === true;
      const body = { Detach: detach, Tty: o.Tty === true || o.tty === true, ConsoleSize: o.ConsoleSize };
      if (detach) return this.modem.op('ExecStart', { path: { id: this.id }, body }, callOptionsOf(o).signal, { response: 'empty' });
      return this.modem.op('ExecStart', { path: { id: this.id }, body }, callOptionsOf(o).signal);
    });
  }

  resize(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.modem.op('ExecResize', { path: { id: this.id }, query: queryOf(opts) }, callOptionsOf(opts).signal));
  }

  inspect(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.modem.op('ExecInspect', { path: { id: this.id } }, callOptionsOf(opts).signal));
  }
}

/** dockerode's Container: `docker.getContainer(id)`; every method is callback or Promise. */
export class Container {
  readonly modem: Modem;
  id: string;
  defaultOptions: Record<string, unknown> = {};
  constructor(modem: Modem, id: string) {
    this.modem = modem;
    this.id = id;
  }

  #op(operation: Parameters<Modem['op']>[0], opts: unknown, params: { query?: Record<string, unknown>; body?: unknown } = {}): Promise<unknown> {
    return this.modem.op(operation, { path: { id: this.id }, ...params }, callOptionsOf(opts).signal);
  }

  inspect(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('ContainerInspect', opts, { query: queryOf(opts) }));
  }
  // Checkpoints are experimental (dockerd --experimental with CRIU) and not in the spec: raw paths.
  listCheckpoint(...args: unknown[]): any {
    return dual(args, (opts?: unknown) =>
      this.modem.dial({ path: `/containers/${encodeURIComponent(this.id)}/checkpoints`, method: 'GET', options: queryOf(opts), abortSignal: callOptionsOf(opts).signal }) as Promise<unknown>,
    );
  }
  createCheckpoint(...args: unknown[]): any {
    return dual(args, (opts?: unknown) =>
      this.modem.dial({ path: `/containers/${encodeURIComponent(this.id)}/checkpoints`, method: 'POST', options: queryOf(opts), abortSignal: callOptionsOf(opts).signal }) as Promise<unknown>,
    );
  }
  deleteCheckpoint(checkpoint: string, ...args: unknown[]): any {
    return dual(args, (opts?: unknown) =>
      this.modem.dial({
        path: `/containers/${encodeURIComponent(this.id)}/checkpoints/${encodeURIComponent(checkpoint)}`,
        method: 'DELETE',
        options: queryOf(opts),
        abortSignal: callOptionsOf(opts).signal,
      }) as Promise<unknown>,
    );
  }
  rename(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('ContainerRename', opts, { query: queryOf(opts) }));
  }
  update(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('ContainerUpdate', opts, { body: queryOf(opts) }));
  }
  top(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('ContainerTop', opts, { query: queryOf(opts) }));
  }
  changes(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('ContainerChanges', opts));
  }
  export(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('ContainerExport', opts));
  }
  start(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('ContainerStart', opts, { query: queryOf(opts) }));
  }
  pause(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('ContainerPause', opts));
  }
  unpause(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('ContainerUnpause', opts));
  }
  exec(...args: unknown[]): any {
    return dual(args, async (opts?: unknown) => {
      const res = (await this.#op('ContainerExec', opts, { body: queryOf(opts) })) as { Id: string };
      return new Exec(this.modem, res.Id);
    });
  }
  commit(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => {
      const all = { ...queryOf(opts), container: this.id };
      const query: Record<string, unknown> = {};
      const body: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(all)) (COMMIT_QUERY.has(k) ? query : body)[k] = v;
      return this.modem.op('ImageCommit', { query, body }, callOptionsOf(opts).signal);
    });
  }
  stop(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('ContainerStop', opts, { query: queryOf(opts) }));
  }
  restart(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('ContainerRestart', opts, { query: queryOf(opts) }));
  }
  kill(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('ContainerKill', opts, { query: queryOf(opts) }));
  }
  resize(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('ContainerResize', opts, { query: queryOf(opts) }));
  }
  wait(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('ContainerWait', opts, { query: queryOf(opts) }));
  }
  remove(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('ContainerDelete', opts, { query: queryOf(opts) }));
  }
  /** The tar of `opts.path`, as a Readable. */
  getArchive(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('ContainerArchive', opts, { query: queryOf(opts) }));
  }
  /**
   * HEAD of the archive endpoint. dockerode answers the raw http.IncomingMessage; this
   * answers `{ statusCode, headers }`, the part of it such code reads
   * (`headers['x-docker-container-path-stat']`, base64 JSON).
   */
  infoArchive(...args: unknown[]): any {
    return dual(args, async (opts?: unknown) => {
      const res = await this.modem.raw('ContainerArchiveInfo', { path: { id: this.id }, query: queryOf(opts) }, callOptionsOf(opts).signal);
      return { statusCode: res.statusCode, headers: res.headers };
    });
  }
  /** `file`: a file name (read from disk), a Buffer or a Readable of a tar. */
  putArchive(file: unknown, ...args: unknown[]): any {
    return dual(args, (opts?: unknown) => {
      const body = typeof file === 'string' ? createReadStream(file) : file;
      return this.modem.op(
        'PutContainerArchive',
        { path: { id: this.id }, query: queryOf(opts), headers: { 'Content-Type': 'application/x-tar' }, body },
        callOptionsOf(opts).signal,
      );
    });
  }
  /** With `follow: true` the raw (multiplexed unless Tty) stream; else the whole log as one Buffer, as dockerode. */
  logs(...args: unknown[]): any {
    return dual(args, async (opts?: unknown) => {
      const query = queryOf(opts);
      const stream = (await this.#op('ContainerLogs', opts, { query })) as Readable;
      return query.follow ? stream : collect(stream);
    });
  }
  /** A stream of stats objects (NDJSON) unless `stream: false`, then one parsed object. */
  stats(...args: unknown[]): any {
    return dual(args, async (opts?: unknown) => {
      const query = queryOf(opts);
      const streaming = query.stream !== false;
      const stream = (await this.#op('ContainerStats', opts, { query: { ...query, stream: streaming } })) as Readable;
      if (streaming) return stream;
      return JSON.parse((await collect(stream)).toString('utf8')) as unknown;
    });
  }
  /**
   * The hijacked socket of POST /attach (raw, multiplexed unless Tty): with `stdin: true`,
   * write to it and `end()` it to close the container's stdin while reading the rest.
   */
  attach(...args: unknown[]): any {
    return dual(args, (opts?: unknown) => this.#op('ContainerAttach', opts, { query: queryOf(opts, 'hijack') }));
  }
}

export { Readable };
