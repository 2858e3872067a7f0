// Environment combinations of the docker CLI (DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH,
// DOCKER_API_VERSION, DOCKER_CONTEXT) through createClient(), against the real dockerd.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ConnectionError } from '@dockline/core';
import { describeWithEngine } from '@dockline/tool-testkit';
import { createClient } from '../create-client.js';

let empty: string;
beforeAll(async () => {
  empty = await mkdtemp(join(tmpdir(), 'dl-env-'));
});
afterAll(async () => {
  await rm(empty, { recursive: true, force: true });
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
