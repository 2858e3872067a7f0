import { createPipeline, type Middleware, type Transport } from '@dockline/core';
import { defaultMiddleware, versionNegotiation, type TracingOptions } from '@dockline/middleware';
import { DockerClient, type DockerClientInit } from './client.js';
import { resolveConnection, type ConnectionOptions } from './connection/resolve.js';
import { MAX_API_VERSION } from './generated/operations.js';
import { clientHeaders, defaultHeaders } from './default-headers.js';

export interface CreateClientOptions extends ConnectionOptions {
  /** Your own transport; wins over host and the environment. */
  transport?: Transport | undefined;
  /** The middleware pipeline, first outermost. Default: tracing, timeout, retry, versionNegotiation. */
  middleware?: readonly Middleware[] | undefined;
  /** Pin the API version (no negotiation). Default: DOCKER_API_VERSION, else negotiate. */
  apiVersion?: string | undefined;
  /** Deadline for short operations, ms. Default 120 000 (the kubelet's 2 minutes). */
  timeoutMs?: number | undefined;
  /**
   * Options for the default tracing middleware: your `tracerProvider` / `meterProvider`
   * (else the global ones), hooks. Ignored when `middleware` is given.
   */
  tracing?: Omit<TracingOptions, 'serverAddress' | 'networkTransport'> | undefined;
  /** Most pooled connections to the daemon. Default 16. */
  connections?: number | undefined;
  /**
   * Cap on a buffered (JSON) answer in bytes, enforced while reading: a larger answer fails
   * with a ProtocolError and is never resent. Default 64 MiB; a call's own option wins.
   */
  maxResponseBytes?: number | undefined;
  /**
   * Headers sent with every request (hijacked attach/exec and the version ping included).
   * A request's own headers win. Default: `User-Agent: dockline/<version>`, unless you set
   * a User-Agent here.
   */
  headers?: Readonly<Record<string, string>> | undefined;
}

/**
 * A DockerClient for the daemon the docker CLI would use (DOCKER_HOST, DOCKER_CONTEXT, the
 * current context, the first local daemon socket: docs/configuration.md), or for the host or
 * transport you give.
 *
 * @example
 * const docker = createClient();
 * console.log((await docker.version()).ApiVersion);
 * await docker.close();
 */
export function createClient(options: CreateClientOptions = {}): DockerClient {
  return new DockerClient(lazyInit(options));
}

function lazyInit(options: CreateClientOptions): DockerClientInit {
  // Resolving a host may read certificate files or load the SSH package: both async. The
  // client is returned at once; the first call waits for the connection to be resolved.
  const env = options.env ?? process.env;
  // Checked now, not on the first call: a bad header is the caller's mistake, found at once.
  const headersLayer = defaultHeaders(clientHeaders(options.headers));
  const apiVersion = options.apiVersion ?? (env.DOCKER_API_VERSION || undefined);
  let description: string | undefined = options.transport ? `${options.transport.endpoint} (from the transport option)` : undefined;
  const resolved = options.transport
    ? Promise.resolve({ transport: options.transport, description: description! })
    : resolveConnection(options);
  const pipelinePromise = resolved.then(({ transport, description: d }) => {
    description = d;
    let middleware = options.middleware;
    let negotiated: (() => string | undefined) | undefined;
    if (!middleware) {
      // Order and why: @dockline/middleware's defaultMiddleware (tracing outermost, then one
      // deadline for the whole call, retry, version negotiation, the per-attempt span).
      const negotiation = versionNegotiation({ version: apiVersion, maxVersion: MAX_API_VERSION, env });
      middleware = defaultMiddleware({
        versionNegotiation: negotiation,
        timeout: options.timeoutMs === undefined ? undefined : { defaultMs: options.timeoutMs },
        tracing: {
          ...options.tracing,
          serverAddress: (transport.host ?? 'localhost').replace(/:\d+$/, ''),
          networkTransport: transport.networkTransport ?? transport.kind,
        },
      });
      negotiated = () => negotiation.version();
    }
    // dial-stdio over SSH runs one remote session per connection, and sshd's MaxSessions
    // defaults to 10: stay under it.
    const connections = options.connections ?? (transport.kind === 'ssh' ? 8 : undefined);
    // Innermost, so what inner layers send (the version ping) carries the headers too.
    middleware = [...middleware, headersLayer];
    return { pipeline: createPipeline({ transport, middleware, connections, maxResponseBytes: options.maxResponseBytes }), negotiated };
  });
  // Keep an early failure (bad DOCKER_HOST) from being an unhandled rejection before first use.
  pipelinePromise.catch(() => undefined);
  let transportRef: Transport | undefined = options.transport;
  void resolved.then((r) => (transportRef = r.transport), () => undefined);
  let negotiatedRef: (() => string | undefined) | undefined;
  void pipelinePromise.then((p) => (negotiatedRef = p.negotiated), () => undefined);

  return {
    pipeline: {
      get transport(): Transport {
        if (!transportRef) throw new Error('dockline: the connection is still being resolved; await a call first');
        return transportRef;
      },
      send: async (req) => (await pipelinePromise).pipeline.send(req),
      close: async () => {
        const p = await pipelinePromise.catch(() => undefined);
        await p?.pipeline.close();
      },
    },
    get endpointDescription() {
      return description;
    },
    apiVersion: () => apiVersion ?? negotiatedRef?.(),
  };
}
