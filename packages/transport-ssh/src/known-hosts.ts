// known_hosts, as OpenSSH reads it (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): plain and
// hashed host patterns, [host]:port for non-22 ports, wildcards and negation, and the
// @cert-authority / @revoked markers.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface KnownHostEntry {
  file: string;
  /** 1-based line number, for messages. */
  line: number;
  marker: 'cert-authority' | 'revoked' | undefined;
  /** The host pattern field as written (comma-separated patterns, or one |1|salt|hash). */
  hosts: string;
  /** The key type declared on the line (ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa...). */
  keyType: string;
  /** The public key blob (base64-decoded). */
  key: Buffer;
}

/** The key type named inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > blob.length) return 'unknown';
  return blob.toString('latin1', 4, 4 + len);
}

/** OpenSSH's fingerprint: SHA256, base64 without padding. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` on any other. */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** Parse one known_hosts file's text. Malformed lines are skipped, as OpenSSH does. */
export function parseKnownHosts(text: string, file = 'known_hosts'): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const fields = raw.split(/[ \t]+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift()!.toLowerCase();
      if (m === '@cert-authority') marker = 'cert-authority';
      else if (m === '@revoked') marker = 'revoked';
      else continue; // an unknown marker: OpenSSH ignores the line
    }
    const [hosts, keyType, b64] = fields;
    if (!hosts || !keyType || !b64) continue;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) continue;
    const key = Buffer.from(b64, 'base64');
    // The line's declared type must be the blob's own.
    if (keyTypeOf(key) !== keyType) continue;
    out.push({ file, line: i + 1, marker, hosts, keyType, key });
  }
  return out;
}

/** OpenSSH's wildcard match: `*` any run, `?` one character; case-insensitive. */
function wildcardMatch(pattern: string, name: string): boolean {
  let re = '^';
  for (const ch of pattern.toLowerCase()) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`${re}$`, 's').test(name);
}

/** Does an entry's host field name `name` (as knownHostsName() builds it)? */
export function hostsFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) {
    const parts = hosts.split('|');
    // ['', '1', salt, hash]
    if (parts.length !== 4 || !parts[2] || !parts[3]) return false;
    const salt = Buffer.from(parts[2], 'base64');
    const expected = Buffer.from(parts[3], 'base64');
    const actual = createHmac('sha1', salt).update(name).digest();
    return actual.length === expected.length && actual.equals(expected);
  }
  let matched = false;
  for (const p of hosts.split(',')) {
    if (p === '') continue;
    if (p.startsWith('!')) {
      if (wildcardMatch(p.slice(1), name)) return false; // a negated match vetoes the line
    } else if (wildcardMatch(p, name)) {
      matched = true;
    }
  }
  return matched;
}

/** A hashed host field for `name` (what `ssh-keygen -H` and HashKnownHosts write). */
export function hashHostName(name: string, salt: Buffer = randomBytes(20)): string {
  const hash = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${hash.toString('base64')}`;
}

export type HostKeyVerdict =
  | { status: 'known'; entry: KnownHostEntry }
  | { status: 'unknown'; otherTypes: string[] }
  | { status: 'changed'; entry: KnownHostEntry }
  | { status: 'revoked'; entry: KnownHostEntry };

/**
 * Check a server's key against entries, as OpenSSH's check_key_in_hostkeys: a revoked key
 * is refused; the same key for this name is known (it wins over other lines); another key
 * of the same type is a changed key; keys of other types only make it unknown.
 * @cert-authority lines certify host certificates, which are not plain keys: skipped.
 */
export function checkHostKey(entries: readonly KnownHostEntry[], name: string, key: Buffer): HostKeyVerdict {
  const type = keyTypeOf(key);
  let changed: KnownHostEntry | undefined;
  const otherTypes = new Set<string>();
  let known: KnownHostEntry | undefined;
  for (const e of entries) {
    if (e.marker === 'cert-authority') continue;
    if (!hostsFieldMatches(e.hosts, name)) continue;
    if (e.marker === 'revoked') {
      if (e.key.equals(key)) return { status: 'revoked', entry: e };
      continue;
    }
    if (e.keyType !== type) {
      otherTypes.add(e.keyType);
      continue;
    }
    if (e.key.equals(key)) known ??= e;
    else changed ??= e;
  }
  if (known) return { status: 'known', entry: known };
  if (changed) return { status: 'changed', entry: changed };
  return { status: 'unknown', otherTypes: [...otherTypes] };
}

/** Key types known for `name` (to prefer them in key exchange, as OpenSSH does). */
export function knownKeyTypes(entries: readonly KnownHostEntry[], name: string): string[] {
  const types: string[] = [];
  for (const e of entries) {
    if (e.marker !== undefined) continue;
    if (!types.includes(e.keyType) && hostsFieldMatches(e.hosts, name)) types.push(e.keyType);
  }
  return types;
}

/** Read and parse known_hosts files; a missing file is empty. */
export async function loadKnownHosts(files: readonly string[]): Promise<KnownHostEntry[]> {
  const all: KnownHostEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      throw err;
    }
    all.push(...parseKnownHosts(text, file));
  }
  return all;
}

/** Append `name keytype base64` (hashed when asked) to a known_hosts file, creating it. */
export async function appendKnownHost(file: string, name: string, key: Buffer, hashed: boolean): Promise<string> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  let prefix = '';
  try {
    const current = await readFile(file);
    if (current.length > 0 && current[current.length - 1] !== 0x0a) prefix = '\n';
  } catch {
    /* a new file */
  }
  const line = `${hashed ? hashHostName(name) : name} ${keyTypeOf(key)} ${key.toString('base64')}`;
  await appendFile(file, `${prefix}${line}\n`, { mode: 0o600 });
  return line;
}
