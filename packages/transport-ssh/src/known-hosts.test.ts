import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  appendKnownHost,
  checkHostKey,
  fingerprint,
  hashHostName,
  hostsFieldMatches,
  keyTypeOf,
  knownHostsName,
  knownKeyTypes,
  loadKnownHosts,
  parseKnownHosts,
} from './known-hosts.js';

// Fixtures made with ssh-keygen (OpenSSH 9.2): two keys, their `ssh-keygen -l` fingerprints,
// and `ssh-keygen -H` of "[127.0.0.1]:2222 <ed25519>" and "example.com <ecdsa>".
const ED = 'AAAAC3NzaC1lZDI1NTE5AAAAICSOl6YTYgyLVdOh4XBAKnWTZENhAF+z95w5g6sKRVlt';
const ED_FP = 'SHA256:YpzvHZYp5aki97tPh4cEvSZuQ5b539nqB8PqcTtaUOs';
const EC =
  'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBPN6vfZKM7JIBHcb3Cdrq4q5/e0jtldA+TZZj9qDq2n9WyM/yj00NN2AJ9+E6zcTxltqI+BxqREBZ5lNmhebXbc=';
const EC_FP = 'SHA256:T03ZSjUr1JK/+zMATQrYd6b+S7Zw6E6SJG0vNk3UKAE';
const HASHED_ED = `|1|cdKzrGjTFDOmwoB7/InrquTK+bg=|qeA0FHYAw4WbXNkwTZc/05K9sqg= ssh-ed25519 ${ED}`;
const HASHED_EC = `|1|5Yz8aiUsbbeyUIscjGovJGDiOT4=|ap3o8/aTnku60wFyUu+JT47o3C4= ecdsa-sha2-nistp256 ${EC}`;
const ed = Buffer.from(ED, 'base64');
const ec = Buffer.from(EC, 'base64');

describe('key blobs', () => {
  it('reads the key type from the blob', () => {
    expect(keyTypeOf(ed)).toBe('ssh-ed25519');
    expect(keyTypeOf(ec)).toBe('ecdsa-sha2-nistp256');
    expect(keyTypeOf(Buffer.from([0, 0]))).toBe('unknown');
    expect(keyTypeOf(Buffer.from([0, 0, 0, 200, 1]))).toBe('unknown');
  });
  it('fingerprints like ssh-keygen -l (SHA256, base64 without padding)', () => {
    expect(fingerprint(ed)).toBe(ED_FP);
    expect(fingerprint(ec)).toBe(EC_FP);
  });
});

describe('host names', () => {
  it('uses [host]:port for ports other than 22', () => {
    expect(knownHostsName('Example.COM', 22)).toBe('example.com');
    expect(knownHostsName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
  });
  it('matches hashed entries written by ssh-keygen -H', () => {
    expect(hostsFieldMatches(HASHED_ED.split(' ')[0]!, '[127.0.0.1]:2222')).toBe(true);
    expect(hostsFieldMatches(HASHED_ED.split(' ')[0]!, '127.0.0.1')).toBe(false);
    expect(hostsFieldMatches(HASHED_EC.split(' ')[0]!, 'example.com')).toBe(true);
    expect(hostsFieldMatches('|1|bad', 'example.com')).toBe(false);
  });
  it('hashes as ssh-keygen does (HMAC-SHA1 keyed by the salt)', () => {
    const salt = Buffer.from('cdKzrGjTFDOmwoB7/InrquTK+bg=', 'base64');
    expect(hashHostName('[127.0.0.1]:2222', salt)).toBe(HASHED_ED.split(' ')[0]);
    const random = hashHostName('host.example');
    expect(hostsFieldMatches(random, 'host.example')).toBe(true);
  });
  it('matches pattern lists with wildcards and negation', () => {
    expect(hostsFieldMatches('a.example,b.example', 'b.example')).toBe(true);
    expect(hostsFieldMatches('*.example', 'x.example')).toBe(true);
    expect(hostsFieldMatches('*.example', 'example')).toBe(false);
    expect(hostsFieldMatches('host?', 'host1')).toBe(true);
    expect(hostsFieldMatches('*.example,!bad.example', 'bad.example')).toBe(false);
    expect(hostsFieldMatches('[127.0.0.1]:2222', '[127.0.0.1]:2222')).toBe(true);
    expect(hostsFieldMatches('127.0.0.1', '[127.0.0.1]:2222')).toBe(false); // a port entry is its own name
    expect(hostsFieldMatches('EXAMPLE.com', 'example.com')).toBe(true);
    expect(hostsFieldMatches('a.b', 'aXb')).toBe(false); // a dot is a dot
  });
});

describe('parseKnownHosts', () => {
  it('parses plain, hashed and marked lines; skips comments and junk', () => {
    const text = [
      '# a comment',
      '',
      `example.com,10.0.0.1 ssh-ed25519 ${ED} a comment here`,
      HASHED_EC,
      `@cert-authority *.example ssh-ed25519 ${ED}`,
      `@revoked revoked.example ecdsa-sha2-nistp256 ${EC}`,
      `@future-marker x.example ssh-ed25519 ${ED}`,
      `mismatch.example ssh-rsa ${ED}`, // declared type differs from the blob's
      'only-two fields',
      `bad.example ssh-ed25519 not*base64`,
    ].join('\n');
    const entries = parseKnownHosts(text, 'kh');
    expect(entries.map((e) => [e.line, e.marker, e.hosts, e.keyType])).toEqual([
      [3, undefined, 'example.com,10.0.0.1', 'ssh-ed25519'],
      [4, undefined, HASHED_EC.split(' ')[0], 'ecdsa-sha2-nistp256'],
      [5, 'cert-authority', '*.example', 'ssh-ed25519'],
      [6, 'revoked', 'revoked.example', 'ecdsa-sha2-nistp256'],
    ]);
    expect(entries[0]!.key.equals(ed)).toBe(true);
  });
});

describe('checkHostKey', () => {
  const entries = parseKnownHosts(
    [
      `[127.0.0.1]:2222 ssh-ed25519 ${ED}`,
      `other.example ssh-ed25519 ${ED}`,
      `ec-only.example ecdsa-sha2-nistp256 ${EC}`,
      `@cert-authority ca.example ecdsa-sha2-nistp256 ${EC}`,
      `@revoked revoked.example ssh-ed25519 ${ED}`,
      `revoked.example ssh-ed25519 ${ED}`,
      HASHED_EC,
    ].join('\n'),
    'kh',
  );
  it('knows the same key for the name', () => {
    expect(checkHostKey(entries, '[127.0.0.1]:2222', ed).status).toBe('known');
    expect(checkHostKey(entries, 'example.com', ec).status).toBe('known'); // hashed entry
  });
  it('calls another key of the same type changed, naming the line', () => {
    const other = Buffer.from(ED, 'base64');
    other[other.length - 1] = other[other.length - 1]! ^ 1;
    const v = checkHostKey(entries, '[127.0.0.1]:2222', other);
    expect(v.status).toBe('changed');
    expect(v.status === 'changed' && v.entry.line).toBe(1);
  });
  it('calls a key of a type with no entry unknown, listing the known types', () => {
    expect(checkHostKey(entries, 'ec-only.example', ed)).toEqual({ status: 'unknown', otherTypes: ['ecdsa-sha2-nistp256'] });
    expect(checkHostKey(entries, 'nowhere.example', ed)).toEqual({ status: 'unknown', otherTypes: [] });
  });
  it('does not take a @cert-authority key for a host key', () => {
    expect(checkHostKey(entries, 'ca.example', ec).status).toBe('unknown');
  });
  it('refuses a @revoked key even when a plain line lists it', () => {
    expect(checkHostKey(entries, 'revoked.example', ed).status).toBe('revoked');
  });
  it('lists known key types for a name (to prefer them in key exchange)', () => {
    expect(knownKeyTypes(entries, 'ec-only.example')).toEqual(['ecdsa-sha2-nistp256']);
    expect(knownKeyTypes(entries, 'ca.example')).toEqual([]);
  });
});

describe('files', () => {
  it('loads several files (missing ones are empty) and appends entries, hashed or not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dockline-kh-'));
    try {
      const file = join(dir, 'sub', 'known_hosts');
      expect(await loadKnownHosts([file, join(dir, 'nope')])).toEqual([]);
      await appendKnownHost(file, '[127.0.0.1]:2222', ed, false);
      await appendKnownHost(file, 'example.com', ec, true);
      const text = await readFile(file, 'utf8');
      expect(text.split('\n')[0]).toBe(`[127.0.0.1]:2222 ssh-ed25519 ${ED}`);
      expect(text.split('\n')[1]).toMatch(/^\|1\|[^ ]+ ecdsa-sha2-nistp256 /);
      const entries = await loadKnownHosts([file]);
      expect(checkHostKey(entries, '[127.0.0.1]:2222', ed).status).toBe('known');
      expect(checkHostKey(entries, 'example.com', ec).status).toBe('known');
      // a file without a final newline gets one before the new line
      const other = join(dir, 'kh2');
      await writeFile(other, `a.example ssh-ed25519 ${ED}`);
      await appendKnownHost(other, 'b.example', ed, false);
      expect((await readFile(other, 'utf8')).split('\n')).toEqual([`a.example ssh-ed25519 ${ED}`, `b.example ssh-ed25519 ${ED}`, '']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
