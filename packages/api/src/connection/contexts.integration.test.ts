// Contexts written by the real docker CLI (`docker context create/use`) in a temporary
// DOCKER_CONFIG, read by dockline, and compared with what `docker context inspect` says.
// The machine's own ~/.docker is never touched: every CLI call gets DOCKER_CONFIG and HOME
// pointing at a temporary folder.
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { ConnectionError } from '@dockline/core';
import { describeWithEngine } from '@dockline/tool-testkit';
import { createClient } from '../create-client.js';
import { contextStoreId, loadContext } from './contexts.js';
import { describeConnection } from './describe.js';
import { docker, inspect, tempConfig, dirs } from '../../test/contexts-fixture.js';

describeWithEngine('contexts against the real daemon', (engine) => {
  let dir: string;
  const cert = (f: string) => join(engine.tls.certDir, f);

  beforeAll(async () => {
    dir = await tempConfig();
    dirs.push(dir);
    const tcp = `tcp://127.0.0.1:${engine.tls.port}`;
    await docker(dir, ['context', 'create', 'engine-unix', '--docker', `host=unix://${engine.socketPath}`]);
    await docker(dir, ['context', 'create', 'engine-tls', '--docker', `host=${tcp},ca=${cert('ca.pem')},cert=${cert('cert.pem')},key=${cert('key.pem')}`]);
    // No CA: the daemon's certificate can only be accepted by skipping verification.
    await docker(dir, ['context', 'create', 'engine-skip', '--docker', `host=${tcp},cert=${cert('cert.pem')},key=${cert('key.pem')},skip-tls-verify=true`]);
    await docker(dir, ['context', 'create', 'engine-noca', '--docker', `host=${tcp},cert=${cert('cert.pem')},key=${cert('key.pem')}`]);
    await docker(dir, ['context', 'create', 'engine-ssh', '--docker', `host=ssh://root@127.0.0.1:${engine.ssh.port}`]);
  });

  it('reaches dockerd through a context pointing at its unix socket (DOCKER_CONTEXT)', async () => {
    const docker = createClient({ env: { DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'engine-unix' } });
    try {
      expect((await docker.version()).ApiVersion).toBe(engine.apiVersion);
      expect(docker.transport.endpoint).toBe(`unix://${engine.socketPath}`);
      expect(docker.endpointDescription).toBe(`unix://${engine.socketPath} (from context "engine-unix", set by DOCKER_CONTEXT)`);
    } finally {
      await docker.close();
    }
  });

  it('reaches dockerd through the current context that `docker context use` wrote', async () => {
    const other = await tempConfig();
    dirs.push(other);
    await docker(other, ['context', 'create', 'mine', '--docker', `host=unix://${engine.socketPath}`]);
    await docker(other, ['context', 'use', 'mine']);
    const client = createClient({ env: { DOCKER_CONFIG: other } });
    try {
      expect((await client.ping()).apiVersion).toBe(engine.apiVersion);
      expect(client.endpointDescription).toContain(`context "mine", set by currentContext in ${join(other, 'config.json')}`);
    } finally {
      await client.close();
    }
  });

  it('reads the TLS material the CLI copied into the store as `docker context inspect` lists it', async () => {
    const inspected = await inspect(dir, 'engine-tls');
    const ctx = await loadContext('engine-tls', { configDir: dir });
    expect(ctx.tlsMaterial).toEqual(inspected.TLSMaterial.docker);
    expect(ctx.tlsPath).toBe(inspected.Storage.TLSPath);
    expect(ctx.tlsMaterial).toEqual(['ca.pem', 'cert.pem', 'key.pem']);
  });

  it('reaches dockerd over mutual TLS through a context with TLS material', async () => {
    const docker = createClient({ env: { DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'engine-tls' } });
    try {
      expect((await docker.version()).ApiVersion).toBe(engine.apiVersion);
      expect(docker.transport.kind).toBe('tls');
      const d = await describeConnection({ env: { DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'engine-tls' } });
      expect(d.tls).toEqual({ verify: true, from: join(dir, 'contexts', 'tls', contextStoreId('engine-tls'), 'docker'), files: ['ca.pem', 'cert.pem', 'key.pem'] });
      expect(d.text).not.toContain('BEGIN');
    } finally {
      await docker.close();
    }
  });

  it('honours SkipTLSVerify: without a CA, the context only connects when it skips verification', async () => {
    const noca = createClient({ env: { DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'engine-noca' } });
    await expect(noca.ping()).rejects.toBeInstanceOf(ConnectionError);
    await noca.close();
    const skip = createClient({ env: { DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'engine-skip' } });
    try {
      expect((await skip.ping()).apiVersion).toBe(engine.apiVersion);
    } finally {
      await skip.close();
    }
  });

  it('reaches dockerd through an ssh:// context, with the ssh options', async () => {
    const docker = createClient({
      env: { DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'engine-ssh' },
      ssh: { privateKey: engine.ssh.privateKeyPath, knownHosts: engine.ssh.knownHostsPath, configFile: false, agent: false },
    });
    try {
      expect((await docker.ping()).apiVersion).toBe(engine.apiVersion);
      expect(docker.transport.kind).toBe('ssh');
    } finally {
      await docker.close();
    }
  });

  it('DOCKER_TLS_VERIFY with the "default" context means tcp://localhost:2376, as the CLI says', async () => {
    const env = { DOCKER_CONTEXT: 'default', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: engine.tls.certDir };
    const cli = await inspect(dir, undefined, env);
    const d = await describeConnection({ env: { DOCKER_CONFIG: dir, ...env } });
    expect(d.endpoint).toBe(cli.Endpoints.docker!.Host);
    // The CLI builds the default context's list from a Go map: its order varies.
    expect(d.tls?.files).toEqual([...(cli.TLSMaterial.docker ?? [])].sort());
    expect(d.source).toBe('DOCKER_TLS_VERIFY');
  });
});
