import { join } from 'node:path';
import type { Transport } from '@dockline/core';
import { createClient } from '../create-client.js';
import type { EngineIdentity } from '../operations/system-engine.js';
import type { SocketProbe } from './default-sockets.js';
import { formatProbes } from './default-sockets.js';
import type { ParsedHost } from './parse-host.js';
import { planConnection, type ConnectionOptions, type ConnectionPlan, type EndpointSource, type PlanInternals } from './plan.js';

export interface DescribeConnectionOptions extends ConnectionOptions {
  /** A transport of your own: described as such, nothing else is looked at. */
  transport?: Transport | undefined;
  /** A pinned API version (createClient's apiVersion option). */
  apiVersion?: string | undefined;
  /**
   * Also connect (GET /_ping and /version through createClient with these options) and report
   * which engine answered: Docker or Podman, its release, the API version it announces and the
   * one negotiation settled on. Default false: nothing is connected to.
   */
  probe?: boolean | undefined;
}

/** What `probe: true` found at the endpoint. */
export interface ProbedEngine extends EngineIdentity {
  /** The API version requests went out with: pinned, or the engine's capped by dockline's newest. */
  negotiatedApiVersion: string | undefined;
}

/**
 * Which endpoint createClient() would use and why, for `--verbose` output and bug reports.
 * Holds paths, host names and file names, never key material, passwords or config.json
 * contents.
 */
export interface ConnectionDescription {
  /** Redacted endpoint: unix:///var/run/docker.sock, tcp://host:2376, ssh://user@host. */
  endpoint: string;
  /** 'tls' is TCP with TLS. */
  kind: 'unix' | 'npipe' | 'tcp' | 'tls' | 'ssh' | 'custom';
  /** The step of the resolution order that decided ('transport option' for a transport of your own). */
  source: EndpointSource | 'transport option';
  /** Why, in words. */
  reason: string;
  /** The docker CLI config folder looked at ($DOCKER_CONFIG or ~/.docker). */
  configDir: string | undefined;
  /** The context used, when one was. */
  context: { name: string; metadataPath: string; tlsPath: string; skipTLSVerify: boolean; tlsMaterial: string[] } | undefined;
  /** TLS in use: whether the daemon's certificate is verified, where the files come from, which files. */
  tls: { verify: boolean; from: string; files: string[] } | undefined;
  /** The pinned API version, or undefined when it is negotiated on the first call. */
  apiVersion: string | undefined;
  apiVersionSource: 'apiVersion option' | 'DOCKER_API_VERSION' | 'negotiated';
  /** Default sockets looked at, in order (empty unless the default socket was the answer). */
  tried: SocketProbe[];
  /** Settings that were present but did not count, and why. */
  notes: string[];
  /** The engine that answered (only with `probe: true`). */
  engine?: ProbedEngine | undefined;
  /** One line: endpoint (reason; TLS). DockerClient.endpointDescription. */
  summary: string;
  /** Several lines, everything above, for a bug report. */
  text: string;
}

/**
 * Describes the endpoint createClient(options) would use, without connecting. Throws what
 * createClient's first call would: a malformed DOCKER_HOST, a missing context, no local
 * daemon socket (each error lists what was tried).
 *
 * @example
 * if (verbose) console.error((await describeConnection()).text);
 */
export async function describeConnection(options: DescribeConnectionOptions = {}, internals: PlanInternals = {}): Promise<ConnectionDescription> {
  const described = await describeOnly(options, internals);
  if (!options.probe) return described;
  const { probe: _probe, ...clientOptions } = options;
  const client = createClient(clientOptions);
  try {
    const engine = await client.detectEngine();
    return finish({ ...described, engine: { ...engine, negotiatedApiVersion: client.apiVersion } });
  } finally {
    await client.close();
  }
}

async function describeOnly(options: DescribeConnectionOptions, internals: PlanInternals): Promise<ConnectionDescription> {
  const env = options.env ?? process.env;
  const api = apiVersionOf(options, env);
  if (options.transport) {
    const endpoint = options.transport.endpoint;
    return finish({
      endpoint,
      kind: 'custom',
      source: 'transport option',
      reason: 'the transport option',
      configDir: undefined,
      context: undefined,
      tls: undefined,
      ...api,
      tried: [],
      notes: [],
    });
  }
  return describePlan(await planConnection(options, internals), undefined, api);
}

/** @internal The description of a plan; `endpoint` is the transport's own when it was built. */
export function describePlan(
  plan: ConnectionPlan,
  endpoint: string | undefined,
  api: Pick<ConnectionDescription, 'apiVersion' | 'apiVersionSource'>,
): ConnectionDescription {
  const tls = plan.tls ? { verify: plan.tls.verify, from: plan.tls.from, files: [...plan.tls.files] } : undefined;
  return finish({
    endpoint: endpoint ?? formatEndpoint(plan.parsed, tls !== undefined),
    kind: plan.parsed.kind === 'tcp' ? (tls ? 'tls' : 'tcp') : plan.parsed.kind,
    source: plan.source,
    reason: plan.reason,
    configDir: plan.configDir,
    context: plan.context
      ? {
          name: plan.context.name,
          metadataPath: plan.context.metadataPath,
          tlsPath: plan.context.tlsPath,
          skipTLSVerify: plan.context.skipTLSVerify,
          tlsMaterial: [...plan.context.tlsMaterial],
        }
      : undefined,
    tls,
    ...api,
    tried: plan.tried,
    notes: [...plan.notes],
  });
}

/** @internal */
export function apiVersionOf(
  options: { apiVersion?: string | undefined },
  env: NodeJS.ProcessEnv,
): Pick<ConnectionDescription, 'apiVersion' | 'apiVersionSource'> {
  if (options.apiVersion) return { apiVersion: options.apiVersion, apiVersionSource: 'apiVersion option' };
  if (env.DOCKER_API_VERSION) return { apiVersion: env.DOCKER_API_VERSION, apiVersionSource: 'DOCKER_API_VERSION' };
  return { apiVersion: undefined, apiVersionSource: 'negotiated' };
}

function finish(d: Omit<ConnectionDescription, 'summary' | 'text'> & { summary?: string; text?: string }): ConnectionDescription {
  const tlsText = d.tls
    ? `; TLS${d.tls.verify ? '' : ' WITHOUT verifying the daemon certificate (SkipTLSVerify)'}${d.tls.files.length ? ` with ${d.tls.files.join(', ')} from ${d.tls.from}` : `, ${d.tls.from}`}`
    : d.kind === 'tcp'
      ? '; plain TCP, no TLS'
      : '';
  const summary = `${d.endpoint} (from ${d.reason}${tlsText})`;
  const lines = [
    `endpoint:    ${d.endpoint} (${d.kind === 'custom' ? 'a transport of your own' : d.kind})`,
    `chosen by:   ${d.reason}`,
  ];
  if (d.context) {
    lines.push(`context:     ${d.context.name} (${join(d.context.metadataPath, 'meta.json')})`);
  }
  if (d.tls) {
    lines.push(
      `tls:         ${d.tls.verify ? 'verify the daemon certificate' : 'SkipTLSVerify: any certificate accepted'}; ` +
        `${d.tls.files.length ? `${d.tls.files.join(', ')} from ${d.tls.from}` : d.tls.from}`,
    );
  } else if (d.kind === 'tcp') {
    lines.push('tls:         none (plain TCP)');
  }
  lines.push(`api version: ${d.apiVersion ? `${d.apiVersion} (pinned by ${d.apiVersionSource})` : 'negotiated on the first call'}`);
  if (d.engine) {
    const e = d.engine;
    const what = e.kind === 'podman' ? `Podman ${e.version ?? '?'} (Docker-compatible API)` : e.kind === 'docker' ? `Docker Engine ${e.version ?? '?'}` : `an unknown engine ${e.version ?? ''}`.trimEnd();
    lines.push(`engine:      ${what}; announces API ${e.apiVersion ?? '?'}, requests use ${e.negotiatedApiVersion ?? '?'}`);
  }
  if (d.configDir) lines.push(`config dir:  ${d.configDir}`);
  if (d.tried.length) lines.push('sockets tried, in order:', formatProbes(d.tried));
  for (const n of d.notes) lines.push(`note:        ${n}`);
  return { ...d, summary, text: lines.join('\n') };
}

/** The DOCKER_HOST spelling of a parsed host, without anything secret (ssh passwords are refused earlier). */
function formatEndpoint(p: ParsedHost, tls: boolean): string {
  const host = (h: string) => (h.includes(':') ? `[${h}]` : h);
  switch (p.kind) {
    case 'unix':
      return `unix://${p.socketPath}`;
    case 'npipe':
      return `npipe://${p.pipePath.replace(/\\/g, '/')}`;
    case 'tcp':
      return `tcp://${host(p.host)}:${p.port ?? (tls ? 2376 : 2375)}`;
    case 'ssh':
      return `ssh://${p.username ? `${encodeURIComponent(p.username)}@` : ''}${host(p.host)}${p.port ? `:${p.port}` : ''}${p.socketPath ?? ''}`;
  }
}
