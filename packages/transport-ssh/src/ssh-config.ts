// ~/.ssh/config through the maintained `ssh-config` parser: its compute(host) gives the
// effective options (Host patterns, first value wins, IdentityFile accumulates). What it
// does not do is done here: Include, tokens (%h, %p, %r, ~...), and the option types.
import { readdir, readFile } from 'node:fs/promises';
import { homedir, hostname as localHostName, userInfo } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import SSHConfig from 'ssh-config';

export const SYSTEM_CONFIG_FILE = '/etc/ssh/ssh_config';

/** The effective options for one host, lower-cased keys (hostname, user, port, identityfile...). */
export type ComputedConfig = Record<string, string | string[]>;

export function home(): string {
  return process.env.HOME || homedir();
}

function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? '';
  }
}

/** `~` and `~/x` -> the home directory. */
export function expandHome(path: string): string {
  if (path === '~') return home();
  if (path.startsWith('~/')) return join(home(), path.slice(2));
  return path;
}

export interface TokenContext {
  /** %h: the remote host name (after HostName). */
  host: string;
  /** %n: the host as the user gave it. */
  originalHost: string;
  /** %p */
  port: number;
  /** %r */
  user: string;
}

/** ssh_config(5) TOKENS, those that make sense here; unknown tokens are left alone. */
export function expandTokens(value: string, ctx: TokenContext): string {
  return expandHome(value).replace(/%([%dhinprulL])/g, (_m, t: string) => {
    switch (t) {
      case '%':
        return '%';
      case 'd':
        return home();
      case 'h':
        return ctx.host;
      case 'i':
        return String(process.getuid?.() ?? '');
      case 'n':
        return ctx.originalHost;
      case 'p':
        return String(ctx.port);
      case 'r':
        return ctx.user;
      case 'u':
        return localUser();
      case 'L':
        return localHostName().split('.')[0] ?? '';
      case 'l':
        return localHostName();
      default:
        return `%${t}`;
    }
  });
}

function globToRegExp(glob: string): RegExp {
  let re = '^';
  for (const ch of glob) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`);
}

/** Paths an Include names: relative ones from ~/.ssh (user file) or /etc/ssh (system file); globs in the last segment. */
async function includeTargets(pattern: string, system: boolean): Promise<string[]> {
  let p = expandHome(pattern);
  if (!isAbsolute(p)) p = join(system ? '/etc/ssh' : join(home(), '.ssh'), p);
  const base = basename(p);
  if (!/[*?]/.test(base)) return [p];
  const dir = dirname(p);
  try {
    const re = globToRegExp(base);
    return (await readdir(dir)).filter((n) => re.test(n)).sort().map((n) => join(dir, n));
  } catch {
    return [];
  }
}

/**
 * The file's text with `Include` lines replaced by the included files (recursively, 16
 * levels at most, as OpenSSH), so the parser sees one file. An Include inside a Host
 * block lands inside that block, which is what OpenSSH means by it for plain directives.
 */
async function readWithIncludes(file: string, system: boolean, depth = 0): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw err;
  }
  if (depth >= 16 || !/^\s*include\b/im.test(text)) return text;
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*include\s*[= ]\s*(.+?)\s*$/i.exec(line);
    if (!m) {
      out.push(line);
      continue;
    }
    out.push(`# ${line.trim()}`);
    for (const pattern of m[1]!.split(/\s+/)) {
      for (const target of await includeTargets(pattern.replace(/^"(.*)"$/, '$1'), system)) {
        const inner = await readWithIncludes(target, system, depth + 1);
        if (inner !== undefined) out.push(inner);
      }
    }
  }
  return out.join('\n');
}

/** Parse a config file (with its Includes); undefined when the file does not exist. */
export async function loadSshConfig(file: string, system = false): Promise<SSHConfig | undefined> {
  const text = await readWithIncludes(expandHome(file), system);
  if (text === undefined) return undefined;
  return SSHConfig.parse(text);
}

/**
 * Effective options for `host` over the config files in order (first value wins, as in
 * OpenSSH; IdentityFile lists add up). `Match exec` is not run: a library should not run
 * shell commands found in a config file, so those blocks never match.
 */
export function computeConfig(configs: readonly SSHConfig[], host: string, user: string | undefined): ComputedConfig {
  const out: ComputedConfig = {};
  for (const config of configs) {
    const computed = config.compute(user !== undefined ? { Host: host, User: user } : { Host: host }, {
      ignoreCase: true,
      matchExec: false,
    });
    for (const [k, v] of Object.entries(computed)) {
      const key = k.toLowerCase();
      const prev = out[key];
      if (prev === undefined) out[key] = v;
      else if (key === 'identityfile' || key === 'certificatefile') {
        // repeatable: the lists of all files add up, in order
        out[key] = [...(Array.isArray(prev) ? prev : [prev]), ...(Array.isArray(v) ? v : [v])];
      }
    }
  }
  return out;
}

/** First value of a computed option, if any. */
export function optString(c: ComputedConfig, key: string): string | undefined {
  const v = c[key];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

/** All values of a computed option (IdentityFile, UserKnownHostsFile: space-separated lists too). */
export function optList(c: ComputedConfig, key: string): string[] {
  const v = c[key];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((s) => s !== '');
}

export function optYes(c: ComputedConfig, key: string): boolean | undefined {
  const s = optString(c, key)?.toLowerCase();
  if (s === undefined) return undefined;
  return s === 'yes' || s === 'true';
}
