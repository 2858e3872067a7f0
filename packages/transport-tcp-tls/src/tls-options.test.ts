import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectionError, InvalidParameterError } from '@dockline/core';
import { tlsFromCertPath } from './tls-options.js';

const FAKE_CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const FAKE_KEY = '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n';

describe('tlsFromCertPath', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dockline-certpath-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const put = (files: Record<string, string>) => {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  };
  const failure = (d: string): ConnectionError => {
    try {
      tlsFromCertPath(d);
    } catch (err) {
      expect(err).toBeInstanceOf(ConnectionError);
      return err as ConnectionError;
    }
    throw new Error('expected tlsFromCertPath to throw');
  };

  it('reads ca.pem, cert.pem and key.pem as Buffers', () => {
    put({ 'ca.pem': FAKE_CERT, 'cert.pem': FAKE_CERT, 'key.pem': FAKE_KEY });
    const tls = tlsFromCertPath(dir);
    expect(Buffer.isBuffer(tls.ca)).toBe(true);
    expect(tls.ca?.toString()).toBe(FAKE_CERT);
    expect(tls.cert?.toString()).toBe(FAKE_CERT);
    expect(tls.key?.toString()).toBe(FAKE_KEY);
    expect(tls.rejectUnauthorized).toBeUndefined(); // verification stays on (the default)
  });

  it('accepts ca.pem alone (server-only TLS, no client certificate), as the docker CLI does', () => {
    put({ 'ca.pem': FAKE_CERT });
    const tls = tlsFromCertPath(dir);
    expect(tls.ca?.toString()).toBe(FAKE_CERT);
    expect(tls).not.toHaveProperty('cert');
    expect(tls).not.toHaveProperty('key');
  });

  it('names a missing folder', () => {
    const missing = join(dir, 'nope');
    const err = failure(missing);
    expect(err.message).toContain(missing);
    expect(err.message).toMatch(/does not exist/);
    expect(err.message).toMatch(/DOCKER_CERT_PATH/);
    expect(err.connectFailed).toBe(true);
  });

  it('names a path that is a file, not a folder', () => {
    put({ 'ca.pem': FAKE_CERT });
    const err = failure(join(dir, 'ca.pem'));
    expect(err.message).toMatch(/is not a folder/);
  });

  it('names a missing ca.pem', () => {
    put({ 'cert.pem': FAKE_CERT, 'key.pem': FAKE_KEY });
    const err = failure(dir);
    expect(err.message).toContain(join(dir, 'ca.pem'));
    expect(err.message).toMatch(/is missing/);
  });

  it('refuses cert.pem without key.pem, naming key.pem', () => {
    put({ 'ca.pem': FAKE_CERT, 'cert.pem': FAKE_CERT });
    const err = failure(dir);
    expect(err.message).toContain(join(dir, 'key.pem'));
    expect(err.message).toMatch(/needs its key/);
  });

  it('refuses key.pem without cert.pem, naming cert.pem', () => {
    put({ 'ca.pem': FAKE_CERT, 'key.pem': FAKE_KEY });
    const err = failure(dir);
    expect(err.message).toContain(join(dir, 'cert.pem'));
    expect(err.message).toMatch(/needs its certificate/);
  });

  it('refuses a file that is not PEM, naming it', () => {
    put({ 'ca.pem': 'not a certificate', 'cert.pem': FAKE_CERT, 'key.pem': FAKE_KEY });
    const err = failure(dir);
    expect(err.message).toContain(join(dir, 'ca.pem'));
    expect(err.message).toMatch(/not PEM/);
  });

  it('reports an unreadable entry (a folder named key.pem)', () => {
    put({ 'ca.pem': FAKE_CERT, 'cert.pem': FAKE_CERT });
    mkdirSync(join(dir, 'key.pem'));
    const err = failure(dir);
    expect(err.message).toContain(join(dir, 'key.pem'));
    expect(err.message).toMatch(/is a folder/);
  });

  it('never puts key material in an error message', () => {
    put({ 'ca.pem': FAKE_CERT, 'key.pem': FAKE_KEY });
    const err = failure(dir);
    expect(err.message).not.toContain('MIIB');
  });

  it('rejects an empty or non-string path with a TypeError', () => {
    expect(() => tlsFromCertPath('')).toThrow(InvalidParameterError);
    expect(() => tlsFromCertPath(undefined as unknown as string)).toThrow(/DOCKER_CERT_PATH/);
  });
});
