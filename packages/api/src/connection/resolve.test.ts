// Environment combinations of the docker CLI (DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH,
// DOCKER_API_VERSION, DOCKER_CONTEXT) through createClient(), against the real dockerd.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError } from '@dockline/core';
import { describeWithEngine } from '@dockline/tool-testkit';
import { createClient } from '../create-client.js';
import { describeConnection } from './describe.js';

let empty: string;
beforeAll(async () => {
  empty = await mkdtemp(join(tmpdir(), 'dl-env-'));
});
afterAll(async () => {
  await rm(empty, { recursive: true, force: true });
});

describe('describeConnection', () => {
  it('names the source, TLS files and pinned API version of DOCKER_HOST + DOCKER_TLS_VERIFY + DOCKER_CERT_PATH', async () => {
    const d = await describeConnection({
      env: { DOCKER_HOST: 'tcp://192.0.2.1:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: empty, DOCKER_API_VERSION: '1.40', DOCKER_CONFIG: empty },
    });
    expect(d).toMatchObject({
      endpoint: 'tcp://192.0.2.1:2376',
      kind: 'tls',
      source: 'DOCKER_HOST',
      tls: { verify: true, from: `${empty} (DOCKER_CERT_PATH)`, files: [] },
      apiVersion: '1.40',
      apiVersionSource: 'DOCKER_API_VERSION',
    });
    expect(d.text).toContain('api version: 1.40 (pinned by DOCKER_API_VERSION)');
  });

  it('notes a DOCKER_CERT_PATH that does nothing without DOCKER_TLS_VERIFY', async () => {
    const d = await describeConnection({ env: { DOCKER_HOST: 'tcp://192.0.2.1:2375', DOCKER_CERT_PATH: empty } });
    expect(d.kind).toBe('tcp');
    expect(d.summary).toBe('tcp://192.0.2.1:2375 (from DOCKER_HOST; plain TCP, no TLS)');
    expect(d.notes).toEqual(['DOCKER_CERT_PATH is set but TLS is off: set DOCKER_TLS_VERIFY=1 (or use https://) to use it, as with the docker CLI']);
  });

  it('describes a transport of your own as such, and the apiVersion option as pinned', async () => {
    const transport = { kind: 'custom', endpoint: 'custom://x', connect: () => Promise.reject(new Error('unused')), close: async () => undefined };
    const d = await describeConnection({ transport, apiVersion: '1.41', env: { DOCKER_HOST: 'ftp://ignored' } });
    expect(d).toMatchObject({ endpoint: 'custom://x', source: 'transport option', apiVersion: '1.41', apiVersionSource: 'apiVersion option' });
  });
});

describeWithEngine('environment combinations against the real daemon', (engine) => {
  const tcp = `tcp://127.0.0.1:${engine.tls.port}`;

  it('DOCKER_HOST=tcp + DOCKER_TLS_VERIFY + DOCKER_CERT_PATH: mutual TLS', async () => {
    const docker = createClient({ env: { DOCKER_HOST: tcp, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: engine.tls.certDir } });
    try {
      expect((await docker.version()).ApiVersion).toBe(engine.apiVersion);
      expect(docker.transport.kind).toBe('tls');
      expect(docker.endpointDescription).toBe(`${tcp} (from DOCKER_HOST; TLS with ca.pem, cert.pem, key.pem from ${engine.tls.certDir} (DOCKER_CERT_PATH))`);
    } finally {
      await docker.close();
    }
  });

  it('DOCKER_HOST=tcp + DOCKER_CERT_PATH without DOCKER_TLS_VERIFY: plain HTTP to the TLS port fails, as with the CLI', async () => {
    const docker = createClient({ env: { DOCKER_HOST: tcp, DOCKER_CERT_PATH: engine.tls.certDir } });
    try {
      const err = await docker.ping().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectionError);
      expect((err as Error).message).toContain('is a TLS port: enable TLS');
      expect(docker.transport.kind).toBe('tcp');
    } finally {
      await docker.close();
    }
  });

  it('DOCKER_HOST wins over a DOCKER_CONTEXT that does not even exist (the CLI never reads it then)', async () => {
    const docker = createClient({ env: { DOCKER_HOST: `unix://${engine.socketPath}`, DOCKER_CONTEXT: 'no-such-context', DOCKER_CONFIG: empty } });
    try {
      expect((await docker.ping()).apiVersion).toBe(engine.apiVersion);
    } finally {
      await docker.close();
    }
  });

  it('DOCKER_API_VERSION pins the version: no negotiation', async () => {
    const docker = createClient({ env: { DOCKER_HOST: `unix://${engine.socketPath}`, DOCKER_API_VERSION: '1.40' } });
    try {
      await docker.version();
      expect(docker.apiVersion).toBe('1.40');
    } finally {
      await docker.close();
    }
  });

  it('DOCKER_TLS_VERIFY with nothing else: tcp://localhost:2376 (the CLI default), and the error names it', async () => {
    const docker = createClient({ env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: engine.tls.certDir, DOCKER_CONFIG: empty } });
    try {
      const err = await docker.ping({ timeoutMs: 5000 }).catch((e: unknown) => e);
      // Nothing listens on 2376 here (the engine's TLS port is random).
      expect(err).toBeInstanceOf(ConnectionError);
      expect((err as Error).message).toContain('tcp://localhost:2376');
      expect(docker.endpointDescription).toBe(`tcp://localhost:2376 (from DOCKER_TLS_VERIFY, as nothing else is set (no host option, DOCKER_HOST, DOCKER_CONTEXT or currentContext in ${join(empty, 'config.json')}); TLS with ca.pem, cert.pem, key.pem from ${engine.tls.certDir} (DOCKER_CERT_PATH))`);
    } finally {
      await docker.close();
    }
  });
});
