import { Readable, type Duplex, type Writable } from 'node:stream';
import { DockerError, JsonLinesDecoder, demuxStream as coreDemuxStream, type DockerResponse, type HttpMethod, type ResponseKind } from '@dockline/core';
import type { DockerClient, OperationId } from '@dockline/api';

/** Parameters of one Engine API call, as `DockerClient.call` takes them. */
export interface CallParams {
  path?: Record<string, string | number> | undefined;
  query?: Record<string, unknown> | undefined;
  headers?: Record<string, string> | undefined;
  body?: unknown;
}

/** docker-modem's `dial()` options (the ones dockerode users pass by hand). */
export interface DialOptions {
  path: string;
  method: string;
  options?: Record<string, unknown> | undefined;
  statusCodes?: Record<number, boolean | string> | undefined;
  isStream?: boolean | undefined;
  hijack?: boolean | undefined;
  openStdin?: boolean | undefined;
  file?: Buffer | Readable | string | undefined;
  authconfig?: Record<string, unknown> | undefined;
  headers?: Record<string, string> | undefined;
  abortSignal?: AbortSignal | undefined;
}

/** Where the Docker object's constructor options landed (read by code that inspects `docker.modem`). */
export interface ModemSettings {
  socketPath?: string | undefined;
  host?: string | undefined;
  port?: number | string | undefined;
  protocol?: string | undefined;
  version?: string | undefined;
  timeout?: number | undefined;
  headers?: Record<string, string> | undefined;
}

/**
 * `docker.modem`: what dockerode users reach for (`demuxStream`, `followProgress`, `dial`),
 * on top of a dockline DockerClient. Every request goes through the client's pipeline
 * (version negotiation, deadlines, retries of idempotent calls, tracing).
 */
export class Modem {
  readonly client: DockerClient;
  socketPath: string | undefined;
  host: string | undefined;
  port: number | string | undefined;
  protocol: string | undefined;
  version: string | undefined;
  timeout: number | undefined;
  headers: Record<string, string>;

  constructor(client: DockerClient, settings: ModemSettings = {}) {
    this.client = client;
    this.socketPath = settings.socketPath;
    this.host = settings.host;
    this.port = settings.port;
    this.protocol = settings.protocol;
    this.version = settings.version;
    this.timeout = settings.timeout;
    this.headers = settings.headers ?? {};
  }

  /** One operation of the spec, answered as dockerode answers it (parsed JSON, a stream, a socket, an empty Buffer). */
  async op(operation: OperationId, params: CallParams = {}, signal?: AbortSignal, overrides?: { response?: ResponseKind }): Promise<unknown> {
    const res = await this.client.call(operation, params, signal ? { signal } : undefined, overrides).catch(rethrow);
    return resultOf(res);
  }

  /** The raw DockerResponse (status, headers), for the few methods that read headers. */
  raw(operation: OperationId, params: CallParams = {}, signal?: AbortSignal): Promise<DockerResponse> {
    return this.client.call(operation, params, signal ? { signal } : undefined).catch(rethrow);
  }

  /**
   * Splits a multiplexed (non-TTY) stream into stdout and stderr, as dockerode's
   * `modem.demuxStream(stream, stdout, stderr)`: the destinations are not ended. Reads with
   * backpressure (a full destination pauses the source). A malformed stream is reported as
   * an 'error' on the source stream when someone listens for it.
   */
  demuxStream(stream: NodeJS.ReadableStream, stdout: NodeJS.WritableStream | null, stderr: NodeJS.WritableStream | null): void {
    const source = stream instanceof Readable ? stream : Readable.from(stream as AsyncIterable<Buffer>);
    demux(source, stdout as Writable | null, stderr as Writable | null).catch((err: unknown) => {
      if (source.listenerCount('error') > 0) source.emit('error', err);
    });
  }

  /**
   * Reads an NDJSON progress stream (pull, push, build, load, import) to its end:
   * `onProgress(event)` for each line, then `onFinished(err, output)` with every line.
   * Unlike dockerode, a line carrying `error` / `errorDetail` (a failed pull, a failed
   * build step) finishes with an Error holding the daemon's message, not with `null`.
   */
  followProgress(
    stream: NodeJS.ReadableStream,
    onFinished: (err: Error | null, output: unknown[]) => void,
    onProgress?: (event: any) => void,
  ): void {
    const output: unknown[] = [];
    let failure: Error | null = null;
    let done = false;
    const finish = (err: Error | null) => {
      if (done) return;
      done = true;
      onFinished(err, output);
    };
    const decoder = new JsonLinesDecoder<Record<string, unknown>>((event) => {
      output.push(event);
      if (!failure && event && (event.error !== undefined || event.errorDetail !== undefined)) {
        const detail = event.errorDetail as { message?: string } | undefined;
        failure = Object.assign(new Error(String(event.error ?? detail?.message ?? 'unknown error')), { json: event });
      }
      onProgress?.(event);
    });
    stream.on('data', (chunk: Buffer | string) => {
      try {
        decoder.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      } catch (err) {
        finish(err as Error);
        (stream as Partial<Readable>).destroy?.();
      }
    });
    stream.on('end', () => {
      try {
        decoder.end();
      } catch (err) {
        finish(err as Error);
        return;
      }
      finish(failure);
    });
    stream.on('error', (err: Error) => finish(err));
  }

  /**
   * docker-modem's `dial()`: a raw request by path, for what dockerode users call by hand.
   * `{name}` placeholders of `path` are filled from `options`; for GET/HEAD/DELETE the other
   * options are the query, else the JSON body (`options._query` / `options._body` to set
   * both). `isStream` answers with the response stream, `hijack` with the raw socket;
   * non-2xx statuses reject with dockline's error classes (they carry `statusCode`).
   */
  dial(options: DialOptions, callback?: (err: unknown, data?: unknown) => void): Promise<unknown> | undefined {
    const run = async (): Promise<unknown> => {
      const opts: Record<string, unknown> = { ...(options.options ?? {}) };
      let path = options.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
        const value = opts[name];
        delete opts[name];
        return encodeURIComponent(String(value));
      });
      const [pathname, presetQuery] = path.split('?', 2) as [string, string | undefined];
      path = pathname;
      const method = options.method.toUpperCase() as HttpMethod;
      let query: Record<string, unknown> = {};
      let body: unknown;
      if ('_query' in opts || '_body' in opts) {
        query = (opts._query as Record<string, unknown>) ?? {};
        body = opts._body;
      } else if (method === 'GET' || method === 'HEAD' || method === 'DELETE') {
        query = opts;
      } else if (options.file !== undefined) {
        query = opts;
      } else if (Object.keys(opts).length > 0) {
        body = opts;
      }
      if (presetQuery) for (const [k, v] of new URLSearchParams(presetQuery)) query[k] = v;
      if (options.file !== undefined) body = typeof options.file === 'string' ? Readable.from([Buffer.from(options.file)]) : options.file;
      const headers: Record<string, string> = { ...options.headers };
      if (options.authconfig) headers['X-Registry-Auth'] = encodeAuth(options.authconfig);
      const response: ResponseKind = options.hijack ? 'hijack' : options.isStream ? 'stream' : method === 'HEAD' ? 'empty' : 'json';
      // Any operation id carries the request; the path, method and answer kind are ours.
      const res = await this.client.call('SystemPing', { query, headers, body }, options.abortSignal ? { signal: options.abortSignal } : undefined, {
        method,
        path,
        route: path,
        response,
        idempotent: method === 'GET' || method === 'HEAD',
        longRunning: response !== 'json' && response !== 'empty',
        minApiVersion: undefined,
      }).catch(rethrow);
      return resultOf(res);
    };
    const promise = run();
    if (!callback) return promise;
    promise.then(
      (value) => process.nextTick(callback, null, value),
      (err: unknown) => process.nextTick(callback, err),
    );
    return undefined;
  }
}

/**
 * A stream that does not start with a frame header (a TTY container's output, a common
 * mistake) is copied to stdout whole, as dockerode does; else it is demultiplexed.
 */
async function demux(source: Readable, stdout: Writable | null, stderr: Writable | null): Promise<void> {
  const it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await it.next();
  if (first.done) return;
  const head = Buffer.from(first.value);
  const rest: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => it };
  const framed = head[0]! <= 2 && (head.length < 4 || (head[1] === 0 && head[2] === 0 && head[3] === 0));
  if (!framed) {
    for await (const chunk of (async function* () {
      yield head;
      yield* rest;
    })()) {
      if (stdout && !stdout.write(chunk)) await new Promise((resolve) => stdout.once('drain', resolve));
    }
    return;
  }
  await coreDemuxStream(
    (async function* () {
      yield head;
      yield* rest;
    })(),
    { stdout, stderr },
  );
}

/** dockerode's answer for a response: JSON parsed, stream or socket as they are, an empty Buffer for no content. */
export function resultOf(res: DockerResponse): unknown {
  switch (res.request.response) {
    case 'stream':
      return res.stream;
    case 'hijack':
      return res.socket as Duplex;
    case 'empty':
      return Buffer.alloc(0);
    default:
      return res.body === undefined ? Buffer.alloc(0) : res.body;
  }
}

/**
 * dockline's errors, plus the fields dockerode code reads on a daemon error: `statusCode`
 * (already there), `json` (the daemon's answer, `{ message }`) and `reason`.
 */
function rethrow(err: unknown): never {
  if (err instanceof DockerError && err.statusCode !== undefined) {
    const e = err as DockerError & { json?: unknown; reason?: string };
    if (e.json === undefined) e.json = e.daemonMessage === undefined ? null : { message: e.daemonMessage };
    if (e.reason === undefined) e.reason = e.name;
  }
  throw err;
}

/** X-Registry-Auth: base64 JSON of the credentials (dockerode's encoding). */
export function encodeAuth(auth: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(auth)).toString('base64');
}

/** Reads a whole stream into one Buffer (logs without follow, stats without stream). */
export async function collect(stream: Readable | undefined): Promise<Buffer> {
  if (!stream) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

export { DockerError };
