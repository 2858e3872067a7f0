// The resolution order, as data: which endpoint, decided by what, with which TLS. Nothing
// here opens a connection or reads key material; resolve.ts builds the transport from a
// plan and describe.ts turns one into words.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidParameterError } from '@dockline/core';
import { tlsFromCertPath, type TlsOptions } from '@dockline/transport-tcp-tls';
import { DEFAULT_CONTEXT_NAME, dockerConfigDir, loadContext, readContextTls, readCurrentContext, type DockerContext } from './contexts.js';
import { defaultSocketCandidates, noDaemonError, probeSockets, type SocketCandidate, type SocketProbe } from './default-sockets.js';
import { parseDockerHost, type ParsedHost } from './parse-host.js';
import type { SshOptions } from './ssh.js';

export interface ConnectionOptions {
  /** unix:///path, tcp://host:port, https://..., ssh://user@host. Wins over DOCKER_HOST and contexts. */
  host?: string | undefined;
  /** TLS material for tcp hosts (PEM strings or Buffers). Turns TLS on; wins over DOCKER_CERT_PATH and a context's. */
  tls?: TlsOptions | undefined;
  /** Options for ssh:// hosts (from any source), passed to @dockline/transport-ssh. */
  ssh?: SshOptions | undefined;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv | undefined;
}

/** The step of the resolution order that decided the endpoint. */
export type EndpointSource = 'host option' | 'DOCKER_HOST' | 'DOCKER_CONTEXT' | 'currentContext' | 'DOCKER_TLS_VERIFY' | 'default socket';

export interface TlsPlan {
  /** false: SkipTLSVerify (any certificate for any name is accepted). */
  verify: boolean;
  /** Where the material comes from, for people: "the tls option", a folder. */
  from: string;
  /** Files used (ca.pem, cert.pem, key.pem): names only, never contents. */
  files: string[];
  load(): Promise<TlsOptions>;
}

export interface ConnectionPlan {
  parsed: ParsedHost;
  source: EndpointSource;
  /** Why, in words: `context "prod" (from DOCKER_CONTEXT)`. */
  reason: string;
  context: DockerContext | undefined;
  tls: TlsPlan | undefined;
  configDir: string;
  /** Default sockets looked at (empty unless the default socket was the answer). */
  tried: SocketProbe[];
  /** Settings that were present but did not count, and why. */
  notes: string[];
}

/** @internal Test hooks; not part of the public options. */
export interface PlanInternals {
  socketCandidates?: readonly SocketCandidate[] | undefined;
}

const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);

/**
 * The docker CLI's order: the host option; DOCKER_HOST (with DOCKER_TLS_VERIFY and
 * DOCKER_CERT_PATH); DOCKER_CONTEXT; `currentContext` of $DOCKER_CONFIG/config.json; then the
 * "default" context: tcp://localhost:2376 when DOCKER_TLS_VERIFY is set, else the first
 * local daemon socket that exists.
 */
export async function planConnection(options: ConnectionOptions = {}, internals: PlanInternals = {}): Promise<ConnectionPlan> {
  const env = options.env ?? process.env;
  const configDir = dockerConfigDir(env);
  const notes: string[] = [];
  const dockerHost = nonEmpty(env.DOCKER_HOST);
  const dockerContext = nonEmpty(env.DOCKER_CONTEXT);
  const base = { configDir, notes, tried: [] as SocketProbe[], context: undefined };

  if (options.host !== undefined) {
    if (dockerHost) notes.push('DOCKER_HOST is set but the host option wins');
    if (dockerContext) notes.push(`DOCKER_CONTEXT=${dockerContext} is ignored: the host option wins`);
    const parsed = parseDockerHost(options.host);
    return { ...base, parsed, source: 'host option', reason: 'the host option', tls: envTls(parsed, options, env, notes) };
  }
  if (dockerHost) {
    if (dockerContext) notes.push(`DOCKER_CONTEXT=${dockerContext} is ignored: DOCKER_HOST wins, as with the docker CLI`);
    const parsed = parseDockerHost(dockerHost);
    return { ...base, parsed, source: 'DOCKER_HOST', reason: 'DOCKER_HOST', tls: envTls(parsed, options, env, notes) };
  }

  let name: string | undefined;
  let source: 'DOCKER_CONTEXT' | 'currentContext' | undefined;
  if (dockerContext) {
    name = dockerContext;
    source = 'DOCKER_CONTEXT';
  } else {
    name = await readCurrentContext(configDir);
    if (name !== undefined) source = 'currentContext';
  }
  const sourceText = source === 'DOCKER_CONTEXT' ? 'DOCKER_CONTEXT' : `currentContext in ${join(configDir, 'config.json')}`;

  if (name !== undefined && source !== undefined && name !== DEFAULT_CONTEXT_NAME) {
    const ctx = await loadContext(name, { configDir, source: sourceText });
    const reason = `context ${JSON.stringify(ctx.name)}, set by ${sourceText}`;
    if (nonEmpty(env.DOCKER_TLS_VERIFY) || nonEmpty(env.DOCKER_CERT_PATH)) {
      notes.push(`DOCKER_TLS_VERIFY / DOCKER_CERT_PATH are ignored: context ${JSON.stringify(ctx.name)} carries its own TLS settings, as with the docker CLI`);
    }
    if (ctx.host === '') {
      // The CLI gives a context without a host its default socket.
      notes.push(`context ${JSON.stringify(ctx.name)} has no host: the default socket is used`);
      return { ...(await defaultSocketPlan(base, `${reason}, which has no host`, internals, env)), context: ctx };
    }
    let parsed: ParsedHost;
    try {
      parsed = parseDockerHost(ctx.host);
    } catch (err) {
      throw new InvalidParameterError(`${reason}: ${(err as Error).message} (in ${join(ctx.metadataPath, 'meta.json')})`, { cause: err });
    }
    return { ...base, parsed, source, reason, context: ctx, tls: contextTls(parsed, ctx, options, notes) };
  }

  const defaultWhy =
    name === DEFAULT_CONTEXT_NAME
      ? `the context is "default", set by ${sourceText}`
      : `nothing else is set (no host option, DOCKER_HOST, DOCKER_CONTEXT or currentContext in ${join(configDir, 'config.json')})`;
  if (nonEmpty(env.DOCKER_TLS_VERIFY)) {
    // The docker CLI with --tlsverify and no host dials tcp://localhost:2376.
    const parsed = parseDockerHost('tcp://localhost:2376');
    return { ...base, parsed, source: 'DOCKER_TLS_VERIFY', reason: `DOCKER_TLS_VERIFY, as ${defaultWhy}`, tls: envTls(parsed, options, env, notes) };
  }
  return defaultSocketPlan(base, defaultWhy, internals, env);
}

async function defaultSocketPlan(
  base: Pick<ConnectionPlan, 'configDir' | 'notes' | 'context'>,
  why: string,
  internals: PlanInternals,
  env: NodeJS.ProcessEnv,
): Promise<ConnectionPlan> {
  const { found, tried } = await probeSockets(internals.socketCandidates ?? defaultSocketCandidates(env));
  if (!found) throw noDaemonError(tried, why);
  return {
    ...base,
    parsed: { kind: 'unix', socketPath: found.path },
    source: 'default socket',
    reason: `the first local daemon socket found (${found.label}); ${why}`,
    tls: undefined,
    tried,
  };
}

/** TLS for the host option and DOCKER_HOST: the tls option, else https:// or DOCKER_TLS_VERIFY with DOCKER_CERT_PATH. */
function envTls(parsed: ParsedHost, options: ConnectionOptions, env: NodeJS.ProcessEnv, notes: string[]): TlsPlan | undefined {
  if (parsed.kind !== 'tcp') return undefined;
  const tlsVerify = nonEmpty(env.DOCKER_TLS_VERIFY) !== undefined;
  let plan: TlsPlan | undefined;
  if (options.tls) plan = optionTls(options.tls);
  else if (parsed.tls === true || tlsVerify) {
    // As the docker CLI: DOCKER_CERT_PATH, else the config folder (DOCKER_CONFIG or ~/.docker).
    const dir = nonEmpty(env.DOCKER_CERT_PATH) ?? dockerConfigDir(env);
    plan = {
      verify: true,
      from: `${dir}${env.DOCKER_CERT_PATH ? ' (DOCKER_CERT_PATH)' : ''}`,
      files: tlsFilesIn(dir),
      load: async () => tlsFromCertPath(dir),
    };
  }
  if (parsed.tls === false && plan) {
    throw new InvalidParameterError(`Docker host http://${parsed.host} says plain HTTP, but TLS was asked for (tls option or DOCKER_TLS_VERIFY)`);
  }
  if (!plan && nonEmpty(env.DOCKER_CERT_PATH)) {
    notes.push('DOCKER_CERT_PATH is set but TLS is off: set DOCKER_TLS_VERIFY=1 (or use https://) to use it, as with the docker CLI');
  }
  return plan;
}

/** TLS for a context: the tls option, else the context's own files and SkipTLSVerify (DOCKER_TLS_VERIFY does not apply). */
function contextTls(parsed: ParsedHost, ctx: DockerContext, options: ConnectionOptions, notes: string[]): TlsPlan | undefined {
  if (parsed.kind !== 'tcp') {
    if (ctx.tlsMaterial.length > 0 || ctx.skipTLSVerify) notes.push(`context ${JSON.stringify(ctx.name)} has TLS settings, unused for a ${parsed.kind} host`);
    return undefined;
  }
  if (options.tls) return optionTls(options.tls);
  if (ctx.tlsMaterial.length === 0 && !ctx.skipTLSVerify && parsed.tls !== true) return undefined;
  if (parsed.tls === false) {
    throw new InvalidParameterError(`context ${JSON.stringify(ctx.name)} has host http://${parsed.host} (plain HTTP) but TLS material or SkipTLSVerify`);
  }
  return {
    verify: !ctx.skipTLSVerify,
    from: ctx.tlsMaterial.length > 0 ? join(ctx.tlsPath, 'docker') : ctx.skipTLSVerify ? 'no TLS files' : 'the system CA store',
    files: [...ctx.tlsMaterial],
    load: async () => ({ ...(await readContextTls(ctx)), ...(ctx.skipTLSVerify ? { rejectUnauthorized: false } : {}) }),
  };
}

function optionTls(tls: TlsOptions): TlsPlan {
  const files = [tls.ca !== undefined ? 'ca' : '', tls.cert !== undefined ? 'cert' : '', tls.key !== undefined ? 'key' : ''].filter(Boolean);
  return { verify: tls.rejectUnauthorized !== false, from: 'the tls option', files, load: async () => tls };
}

function tlsFilesIn(dir: string): string[] {
  try {
    const present = new Set(readdirSync(dir));
    return ['ca.pem', 'cert.pem', 'key.pem'].filter((f) => present.has(f));
  } catch {
    return [];
  }
}
