import {
  AbortError,
  ConnectionError,
  DockerError,
  NotImplementedError,
  ProtocolError,
  TimeoutError,
  markSequential,
  raceCall,
  type CompleteRequest,
  type DockerRequest,
  type DockerResponse,
  type Handler,
  type Middleware, InvalidParameterError } from '@dockline/core';
import { checkApiVersion, compareApiVersions, isApiVersion, parseApiVersion } from '../internal/api-version.js';

/** Oldest Engine API version negotiated by default: 1.24 (Docker 1.12), the Go client's floor. */
export const DEFAULT_MIN_API_VERSION = '1.24';
/** Newest Engine API version this release speaks (the newest spec in the repo). */
export const DEFAULT_MAX_API_VERSION = '1.56';

export interface VersionNegotiationOptions {
  /**
   * Oldest daemon API version accepted. A daemon below it fails every call with a
   * NotImplementedError naming both versions. Default '1.24'.
   */
  minVersion?: string;
  /** Newest API version the client speaks; the negotiated version never exceeds it. Default '1.56'. */
  maxVersion?: string;
  /**
   * Pin the version: every path gets `/v<version>` and no ping is ever sent. Default: the
   * `DOCKER_API_VERSION` environment variable (read once, when the factory is called);
   * when neither is set, the version is negotiated.
   */
  version?: string;
  /** Called once the version is known (after the first successful ping, or on the first call when pinned). */
  onVersion?: (info: ApiVersionInfo) => void;
  /**
   * Where DOCKER_API_VERSION is read from. Default `process.env`; a client resolving its
   * settings from an environment of its own passes that (or `{}` to ignore the variable).
   */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface ApiVersionInfo {
  /** The version requests go out with. */
  version: string;
  /** What the daemon's Api-Version header said; undefined when pinned or when it sent none. */
  serverVersion: string | undefined;
  /** True when the version came from the `version` option or DOCKER_API_VERSION. */
  pinned: boolean;
}

export interface VersionNegotiationMiddleware extends Middleware {
  /** The version requests go out with, or undefined before the first successful negotiation. */
  version(): string | undefined;
  /** Everything known about the version, or undefined before the first successful negotiation. */
  info(): ApiVersionInfo | undefined;
}

/**
 * API version negotiation, as the docker CLI does it: on the first request (and only
 * then) ping the daemon with `HEAD /_ping` (then `GET /_ping` when HEAD is refused), take
 * min(daemon's Api-Version, maxVersion), and prefix every path with `/vX.Y`.
 *
 * - Single flight: 100 concurrent first calls send one ping; the others wait for it.
 * - A failed ping is not remembered: the next call pings again.
 * - A daemon older than `minVersion` is a NotImplementedError naming both versions.
 * - A request whose `minApiVersion` (filled by the API layer from the spec) is above the
 *   negotiated version fails before anything is sent, with a NotImplementedError naming both.
 * - The ping goes through `next` (operation 'SystemPing'), with the caller's signal and
 *   deadline, so inner middleware see it and outer ones (retry, timeout) govern it like
 *   any request.
 *
 * @example
 * import { createPipeline } from '@dockline/core';
 * import { versionNegotiation } from '@dockline/middleware';
 * const negotiate = versionNegotiation({ maxVersion: '1.47' });
 * const pipeline = createPipeline({ transport, middleware: [negotiate] });
 * await pipeline.send({ operation: 'SystemInfo', method: 'GET', path: '/info', route: '/info',
 *   response: 'json', idempotent: true, longRunning: false }); // GET /v1.47/info (or lower)
 * negotiate.version(); // '1.47', or the daemon's version when it is older
 */
export function versionNegotiation(options: VersionNegotiationOptions = {}): VersionNegotiationMiddleware {
  const minVersion = checkApiVersion('versionNegotiation({ minVersion })', options.minVersion ?? DEFAULT_MIN_API_VERSION);
  const maxVersion = checkApiVersion('versionNegotiation({ maxVersion })', options.maxVersion ?? DEFAULT_MAX_API_VERSION);
  if (compareApiVersions(minVersion, maxVersion) > 0) {
    throw new InvalidParameterError(`dockline: versionNegotiation minVersion ${minVersion} is above maxVersion ${maxVersion}`);
  }
  const pinned = pinnedVersion(options.version, options.env ?? process.env);
  const onVersion = options.onVersion;

  let settled: ApiVersionInfo | undefined;
  let announced = false;
  let inflight: Promise<ApiVersionInfo> | undefined;
  /** The request that started the inflight ping: its signal and deadline govern the ping. */
  let inflightReq: DockerRequest | undefined;

  function announce(info: ApiVersionInfo): void {
    if (announced) return;
    announced = true;
    if (!onVersion) return;
    try {
      onVersion(info);
    } catch {
      // A throwing callback must not break the request that negotiated.
    }
  }

  async function negotiate(req: DockerRequest, next: Handler): Promise<ApiVersionInfo> {
    for (;;) {
      if (settled) return settled;
      if (!inflight) {
        inflightReq = req;
        inflight = ping(req, next, minVersion, maxVersion)
          .then((info) => {
            settled = info;
            return info;
          })
          .finally(() => {
            inflight = undefined;
            inflightReq = undefined;
          });
      }
      const shared = inflight;
      const starter = inflightReq!;
      try {
        // A waiter whose own signal aborts or deadline passes stops waiting at once; the
        // ping goes on for the others.
        return await raceCall(shared, req);
      } catch (err) {
        // The ping died only because the caller that started it gave up: that says nothing
        // about the daemon, so a waiter that has not given up pings again on its own terms.
        if (starter !== req && starterGaveUp(starter, req)) continue;
        throw err;
      }
    }
  }

  const middleware = function versionNegotiationMiddleware(req: DockerRequest, next: Handler): Promise<DockerResponse> {
    // Known version and nothing to check: the path every request takes after the first.
    const version = pinned ?? settled?.version;
    if (version !== undefined && announced && req.minApiVersion === undefined) {
      return next({ ...req, path: `/v${version}${req.path}`, apiVersion: version });
    }
    return negotiated(req, next);
  };

  async function negotiated(req: DockerRequest, next: Handler): Promise<DockerResponse> {
    const min = req.minApiVersion;
    if (min !== undefined && !isApiVersion(min)) {
      throw new InvalidParameterError(`dockline: ${req.operation}: minApiVersion ${JSON.stringify(min)} is not an API version such as "1.41"`);
    }
    // Known to fail whatever the daemon says: do not even ping.
    if (min !== undefined && compareApiVersions(min, pinned ?? maxVersion) > 0) {
      throw tooNew(req.operation, min, pinned ?? maxVersion, undefined, pinned !== undefined ? 'pinned' : 'client maximum');
    }
    const info = pinned !== undefined ? { version: pinned, serverVersion: undefined, pinned: true } : await negotiate(req, next);
    announce(info);
    if (min !== undefined && compareApiVersions(min, info.version) > 0) {
      throw tooNew(req.operation, min, info.version, info.serverVersion, 'negotiated');
    }
    return next({ ...req, path: `/v${info.version}${req.path}`, apiVersion: info.version });
  }

  return Object.assign(markSequential(middleware), {
    version: () => (pinned !== undefined ? pinned : settled?.version),
    info: () => (pinned !== undefined ? { version: pinned, serverVersion: undefined, pinned: true } : settled),
  });
}

/** The starter's signal aborted or its deadline passed, while the waiter's did not. */
function starterGaveUp(starter: DockerRequest, waiter: DockerRequest): boolean {
  if (waiter.signal?.aborted || waiter.deadline?.expired) return false;
  const aborted = starter.signal !== undefined && starter.signal !== waiter.signal && starter.signal.aborted;
  const timedOut = starter.deadline !== undefined && starter.deadline !== waiter.deadline && starter.deadline.expired;
  return aborted || timedOut;
}

function pinnedVersion(option: string | undefined, environment: Readonly<Record<string, string | undefined>>): string | undefined {
  if (option !== undefined) return checkApiVersion('versionNegotiation({ version })', option);
  const env = environment.DOCKER_API_VERSION;
  if (env === undefined || env.trim() === '') return undefined;
  return checkApiVersion('DOCKER_API_VERSION', env);
}

function tooNew(operation: string, needs: string, has: string, server: string | undefined, what: string): NotImplementedError {
  const daemon = server !== undefined ? `; the daemon speaks ${server}` : '';
  return new NotImplementedError(
    `${operation} needs Engine API ${needs} or newer, but this client uses ${has} (${what}${daemon})`,
    { operation },
  );
}

/** HEAD /_ping, then GET /_ping when the HEAD got an answer other than success. */
async function ping(req: DockerRequest, next: Handler, minVersion: string, maxVersion: string): Promise<ApiVersionInfo> {
  // Spread the caller's request so private annotations of outer middleware (tracing's
  // parent span) travel with the ping; every public field is decided here (CompleteRequest:
  // a field added to DockerRequest must be decided here too). Only the caller's signal and
  // deadline are kept: the ping is part of its call.
  const fields: CompleteRequest = {
    operation: 'SystemPing',
    method: 'HEAD',
    path: '/_ping',
    route: '/_ping',
    query: undefined,
    headers: undefined,
    body: undefined,
    response: 'empty',
    idempotent: true,
    longRunning: false,
    signal: req.signal,
    deadline: req.deadline,
    timeoutMs: undefined,
    graceMs: undefined,
    idleTimeoutMs: undefined,
    maxResponseBytes: undefined,
    unref: undefined,
    secrets: undefined,
    apiVersion: undefined,
    minApiVersion: undefined,
    attempt: req.attempt,
  };
  const head: DockerRequest = { ...req, ...fields };
  let res: DockerResponse;
  try {
    try {
      res = await next(head);
    } catch (err) {
      if (!headRefused(err)) throw err;
      res = await next({ ...head, method: 'GET' });
    }
  } catch (err) {
    throw pingFailed(err);
  }
  const raw = res.headers['api-version'];
  const header = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  let serverVersion: string | undefined;
  if (header !== undefined && header !== '') {
    if (parseApiVersion(header) === undefined) {
      throw new ProtocolError(`SystemPing: the daemon's Api-Version header ${JSON.stringify(header.slice(0, 40))} is not a version such as "1.41"`, {
        operation: 'SystemPing',
        statusCode: res.statusCode,
      });
    }
    serverVersion = header;
  }
  if (serverVersion !== undefined && compareApiVersions(serverVersion, minVersion) < 0) {
    throw new NotImplementedError(
      `the Docker daemon speaks Engine API ${serverVersion}, older than this client's minimum ${minVersion}: upgrade the daemon or lower versionNegotiation({ minVersion })`,
      { operation: req.operation },
    );
  }
  // No Api-Version header (a daemon older than 1.24, or a proxy that strips it): the client's
  // maximum, as DESIGN.md says (min(server, max) with the server unknown). The Go client
  // assumes 1.24 instead; an old daemon then answers 400 to the first call, which names the problem.
  const version = serverVersion === undefined || compareApiVersions(serverVersion, maxVersion) > 0 ? maxVersion : serverVersion;
  return { version, serverVersion, pinned: false };
}

/**
 * As the Go client (client/ping.go): a HEAD that got an HTTP answer other than success
 * (405 from an old daemon or a proxy, 404, 501...) or a malformed answer is tried again
 * as GET; a connection failure, a deadline or an abort is not (GET would fail the same way).
 */
function headRefused(err: unknown): boolean {
  if (err instanceof ConnectionError || err instanceof TimeoutError || err instanceof AbortError) return false;
  return err instanceof ProtocolError || (err instanceof DockerError && err.statusCode !== undefined);
}

/**
 * When the ping's connection broke, the caller's own request was never sent: say so
 * (connectFailed), so that retry() may try even a non-idempotent request again.
 */
function pingFailed(err: unknown): unknown {
  if (err instanceof ConnectionError && !err.connectFailed) {
    return new ConnectionError(err.message, {
      operation: err.operation,
      endpoint: err.endpoint,
      statusCode: err.statusCode,
      cause: err,
      connectFailed: true,
    });
  }
  // Something answers HTTP there, but not as a Docker daemon does (every daemon answers
  // GET /_ping with 200): say so rather than "HTTP 404 with no message".
  if (!(err instanceof ConnectionError) && err instanceof DockerError && err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    const where = err.endpoint ?? 'the endpoint';
    return new ProtocolError(
      `${where} does not look like a Docker daemon: it answered GET /_ping with HTTP ${err.statusCode}` +
        `${err.daemonMessage ? ` (${err.daemonMessage.slice(0, 200)})` : ''}; check DOCKER_HOST, the context or the host option`,
      { operation: 'SystemPing', endpoint: err.endpoint, statusCode: err.statusCode, daemonMessage: err.daemonMessage, cause: err },
    );
  }
  return err;
}
