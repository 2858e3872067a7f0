// From what the caller gave (host, port, username) and ~/.ssh/config to the hops to dial:
// [jump hosts..., target], each with its effective user, port, keys and host key settings.
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type SSHConfig from 'ssh-config';
import { sshError } from './errors.js';
import { computeConfig, expandTokens, home, optList, optString, optYes, type ComputedConfig } from './ssh-config.js';

export type HostKeyPolicy = 'strict' | 'accept-new' | 'insecure';

/** A host as asked for: the target, or one ProxyJump entry. */
export interface HopSpec {
  host: string;
  port?: number | undefined;
  user?: string | undefined;
}

export interface ResolvedHop {
  /** The name the user gave (an alias in ~/.ssh/config, or a real name). */
  originalHost: string;
  /** What to dial (HostName, or the name itself). */
  hostName: string;
  port: number;
  username: string;
  /** IdentityFile entries of the config, expanded; empty when the config names none. */
  identityFiles: string[];
  identitiesOnly: boolean;
  /** IdentityAgent: a socket path, 'none', or undefined (use SSH_AUTH_SOCK). */
  identityAgent: string | undefined;
  userKnownHostsFiles: string[] | undefined;
  globalKnownHostsFiles: string[] | undefined;
  hostKeyAlias: string | undefined;
  strictHostKeyChecking: HostKeyPolicy | undefined;
  hashKnownHosts: boolean;
  connectTimeoutMs: number | undefined;
  serverAliveIntervalMs: number | undefined;
  serverAliveCountMax: number | undefined;
  proxyJump: HopSpec[];
}

function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'root';
  }
}

/** `[user@]host[:port]` or `ssh://[user@]host[:port]`, comma-separated; `none` is none. */
export function parseProxyJump(value: string): HopSpec[] {
  if (value.trim().toLowerCase() === 'none') return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      let rest = s.replace(/^ssh:\/\//i, '');
      let user: string | undefined;
      const at = rest.lastIndexOf('@');
      if (at !== -1) {
        user = rest.slice(0, at);
        rest = rest.slice(at + 1);
      }
      let host = rest;
      let port: number | undefined;
      const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest) ?? /^([^:]+)(?::(\d+))?$/.exec(rest);
      if (m) {
        host = m[1]!;
        port = m[2] !== undefined ? Number(m[2]) : undefined;
      }
      return { host, port, user };
    });
}

function policyFrom(value: string | undefined): HostKeyPolicy | undefined {
  switch (value?.toLowerCase()) {
    case undefined:
      return undefined;
    case 'yes':
    case 'ask': // no terminal to ask on: refuse, as 'yes' does
      return 'strict';
    case 'accept-new':
      return 'accept-new';
    case 'no':
    case 'off':
      // OpenSSH's "no" adds new keys but still will not trust a changed key for
      // forwarding, which we need: accept-new is the faithful subset.
      return 'accept-new';
    default:
      return undefined;
  }
}

function seconds(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value) * 1000;
}

/** One hop's effective settings: explicit values first, then the config, then OpenSSH's defaults. */
export function resolveHop(configs: readonly SSHConfig[], spec: HopSpec): ResolvedHop {
  const c: ComputedConfig = computeConfig(configs, spec.host, spec.user);
  const hostNameRaw = optString(c, 'hostname');
  const hostName = hostNameRaw ? hostNameRaw.replace(/%(%|h)/g, (_m, t: string) => (t === '%' ? '%' : spec.host)) : spec.host;
  const portText = optString(c, 'port');
  const port = spec.port ?? (portText && /^\d+$/.test(portText) ? Number(portText) : 22);
  const username = spec.user ?? optString(c, 'user') ?? localUser();
  const ctx = { host: hostName, originalHost: spec.host, port, user: username };
  const expandAll = (list: string[]) => list.flatMap((v) => v.split(/\s+/)).filter((v) => v !== '').map((v) => expandTokens(v, ctx));
  const knownHostsList = (key: string): string[] | undefined => {
    const list = expandAll(optList(c, key));
    if (list.length === 0) return undefined;
    return list.filter((f) => f.toLowerCase() !== 'none');
  };
  const agentRaw = optString(c, 'identityagent');
  let identityAgent: string | undefined;
  if (agentRaw !== undefined) {
    if (agentRaw.toLowerCase() === 'none') identityAgent = 'none';
    else if (agentRaw === 'SSH_AUTH_SOCK') identityAgent = undefined;
    else if (agentRaw.startsWith('$')) identityAgent = process.env[agentRaw.slice(1)] ?? 'none';
    else identityAgent = expandTokens(agentRaw, ctx);
  }
  const proxyJumpRaw = optString(c, 'proxyjump');
  const proxyCommand = optString(c, 'proxycommand');
  if (proxyJumpRaw === undefined && proxyCommand !== undefined && proxyCommand.toLowerCase() !== 'none') {
    throw sshError(
      `ssh://${spec.host}`,
      'config',
      `the SSH config sets ProxyCommand for ${JSON.stringify(spec.host)}, which this transport does not run; use ProxyJump instead`,
    );
  }
  const count = optString(c, 'serveralivecountmax');
  return {
    originalHost: spec.host,
    hostName,
    port,
    username,
    identityFiles: expandAll(optList(c, 'identityfile')).filter((f) => f.toLowerCase() !== 'none'),
    identitiesOnly: optYes(c, 'identitiesonly') ?? false,
    identityAgent,
    userKnownHostsFiles: knownHostsList('userknownhostsfile'),
    globalKnownHostsFiles: knownHostsList('globalknownhostsfile'),
    hostKeyAlias: optString(c, 'hostkeyalias'),
    strictHostKeyChecking: policyFrom(optString(c, 'stricthostkeychecking')),
    hashKnownHosts: optYes(c, 'hashknownhosts') ?? false,
    connectTimeoutMs: seconds(optString(c, 'connecttimeout')),
    serverAliveIntervalMs: seconds(optString(c, 'serveraliveinterval')),
    serverAliveCountMax: count !== undefined && /^\d+$/.test(count) ? Number(count) : undefined,
    proxyJump: proxyJumpRaw !== undefined ? parseProxyJump(proxyJumpRaw) : [],
  };
}

/**
 * The hops to dial for `target`, as OpenSSH does for ProxyJump a,b: reach `a` (with a's own
 * ProxyJump, if its config has one), then b through a (b's own ProxyJump ignored), then the
 * target through b.
 */
export function resolveChain(configs: readonly SSHConfig[], target: HopSpec, depth = 0): ResolvedHop[] {
  if (depth > 8) {
    throw sshError(`ssh://${target.host}`, 'config', 'ProxyJump nests more than 8 levels deep (a loop in the SSH config?)');
  }
  const last = resolveHop(configs, target);
  const jumps = last.proxyJump;
  if (jumps.length === 0) return [last];
  const [first, ...others] = jumps;
  const chain = resolveChain(configs, first!, depth + 1);
  for (const spec of others) chain.push({ ...resolveHop(configs, spec), proxyJump: [] });
  chain.push(last);
  return chain;
}

/** OpenSSH's default identity files, tried when neither a key nor an IdentityFile is given. */
export function defaultIdentityFiles(): string[] {
  const dir = join(home(), '.ssh');
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((n) => join(dir, n));
}

/** OpenSSH's default known_hosts files. */
export function defaultUserKnownHosts(): string[] {
  const dir = join(home(), '.ssh');
  return [join(dir, 'known_hosts'), join(dir, 'known_hosts2')];
}
export const DEFAULT_GLOBAL_KNOWN_HOSTS = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
