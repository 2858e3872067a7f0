// Contexts written by the real docker CLI (`docker context create/use`) in a temporary
// DOCKER_CONFIG, read by dockline, and compared with what `docker context inspect` says.
// The machine's own ~/.docker is never touched: every CLI call gets DOCKER_CONFIG and HOME
// pointing at a temporary folder.
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidParameterError } from '@dockline/core';
import { createClient } from '../create-client.js';
import { contextStoreId, listContexts, loadContext, readCurrentContext } from './contexts.js';
import { describeConnection } from './describe.js';
import { resolveConnection } from './resolve.js';
import { docker, inspect, tempConfig, dirs, servers } from '../../test/contexts-fixture.js';

describe('contexts written by `docker context create`', () => {
  let dir: string;
  let fallbackSocket: string;
  const ctxs: Array<[string, string[]]> = [
    ['unix-ctx', ['--description', 'a unix one', '--docker', 'host=unix:///run/dl-nowhere/docker.sock']],
    ['tcp-ctx', ['--docker', 'host=tcp://192.0.2.1:2375']],
    ['noport', ['--docker', 'host=tcp://192.0.2.1']],
    ['skip-ctx', ['--docker', 'host=tcp://192.0.2.1:2376,skip-tls-verify=true']],
    ['ssh-ctx', ['--docker', 'host=ssh://me@192.0.2.1:2222']],
  ];

  beforeAll(async () => {
    dir = await tempConfig();
    dirs.push(dir);
    for (const [name, args] of ctxs) await docker(dir, ['context', 'create', name, ...args]);
    // The "default" context resolves to a local socket: give it one that exists.
    fallbackSocket = join(dir, 'fallback.sock');
    const server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(fallbackSocket, r));
    servers.push(server);
  });

  it('stores each under contexts/meta/<sha256 of its name>, as dockline looks for it', async () => {
    for (const [name] of ctxs) {
      const inspected = await inspect(dir, name);
      expect(inspected.Storage.MetadataPath).toBe(join(dir, 'contexts', 'meta', contextStoreId(name)));
    }
  });

  it.each(['unix-ctx', 'tcp-ctx', 'noport', 'skip-ctx', 'ssh-ctx'])('reads %s exactly as `docker context inspect` shows it', async (name) => {
    const inspected = await inspect(dir, name);
    const ctx = await loadContext(name, { configDir: dir });
    expect({
      name: ctx.name,
      host: ctx.host,
      skipTLSVerify: ctx.skipTLSVerify,
      tlsMaterial: ctx.tlsMaterial,
      metadataPath: ctx.metadataPath,
      tlsPath: ctx.tlsPath,
    }).toEqual({
      name: inspected.Name,
      host: inspected.Endpoints.docker!.Host,
      skipTLSVerify: inspected.Endpoints.docker!.SkipTLSVerify,
      tlsMaterial: inspected.TLSMaterial.docker ?? [],
      metadataPath: inspected.Storage.MetadataPath,
      tlsPath: inspected.Storage.TLSPath,
    });
  });

  it('lists the same contexts as `docker context ls`', async () => {
    const cli = (await docker(dir, ['context', 'ls', '--format', '{{.Name}}']))
      .split('\n')
      .map((l) => l.replace(/\s*\*$/, '').trim())
      .filter((n) => n !== '' && n !== 'default');
    expect((await listContexts(dir)).map((c) => c.name)).toEqual([...cli].sort());
  });

  // Each row: the environment, and whether `docker context use` set a current context first.
  // The docker CLI says which context (and host) it would use; dockline must agree.
  const combos: Array<{ title: string; env: NodeJS.ProcessEnv; use?: string }> = [
    { title: 'nothing set', env: {} },
    { title: 'DOCKER_CONTEXT', env: { DOCKER_CONTEXT: 'unix-ctx' } },
    { title: 'DOCKER_CONTEXT of an ssh context', env: { DOCKER_CONTEXT: 'ssh-ctx' } },
    { title: 'DOCKER_HOST over DOCKER_CONTEXT', env: { DOCKER_HOST: 'unix:///tmp/dl-elsewhere.sock', DOCKER_CONTEXT: 'unix-ctx' } },
    { title: 'currentContext of config.json', env: {}, use: 'tcp-ctx' },
    { title: 'DOCKER_CONTEXT over currentContext', env: { DOCKER_CONTEXT: 'ssh-ctx' }, use: 'tcp-ctx' },
    { title: 'DOCKER_CONTEXT=default over currentContext', env: { DOCKER_CONTEXT: 'default' }, use: 'tcp-ctx' },
    { title: 'DOCKER_HOST over currentContext', env: { DOCKER_HOST: 'tcp://192.0.2.9:2375' }, use: 'tcp-ctx' },
    { title: 'currentContext "default"', env: {}, use: 'default' },
  ];
  it.each(combos)('resolves like the docker CLI: $title', async ({ env, use }) => {
    await docker(dir, ['context', 'use', use ?? 'default']);
    const cli = await inspect(dir, undefined, env);
    const d = await describeConnection({ env: { DOCKER_CONFIG: dir, HOME: dir, ...env } }, { socketCandidates: [{ path: fallbackSocket, label: 'test socket' }] });
    expect(d.context?.name ?? 'default').toBe(cli.Name);
    if (d.source === 'default socket') {
      // The CLI's default context is /var/run/docker.sock; dockline takes the first local socket that exists.
      expect(cli.Endpoints.docker!.Host).toBe('unix:///var/run/docker.sock');
      expect(d.endpoint).toBe(`unix://${fallbackSocket}`);
    } else {
      expect(d.endpoint).toBe(cli.Endpoints.docker!.Host);
    }
  });

  it('reads currentContext from the config.json the CLI wrote', async () => {
    await docker(dir, ['context', 'use', 'ssh-ctx']);
    expect(await readCurrentContext(dir)).toBe('ssh-ctx');
    await docker(dir, ['context', 'use', 'default']);
    expect(await readCurrentContext(dir)).toBeUndefined();
  });

  it('uses a context with SkipTLSVerify as TLS without verification, and says so', async () => {
    const d = await describeConnection({ env: { DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'skip-ctx' } });
    expect(d.kind).toBe('tls');
    expect(d.tls).toEqual({ verify: false, from: 'no TLS files', files: [] });
    expect(d.summary).toContain('TLS WITHOUT verifying the daemon certificate (SkipTLSVerify)');
  });

  it('uses a plain tcp context without TLS, and DOCKER_TLS_VERIFY does not change that (contexts carry their own TLS)', async () => {
    const d = await describeConnection({ env: { DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'tcp-ctx', DOCKER_TLS_VERIFY: '1' } });
    expect(d.kind).toBe('tcp');
    expect(d.tls).toBeUndefined();
    expect(d.notes.join('\n')).toContain('DOCKER_TLS_VERIFY / DOCKER_CERT_PATH are ignored');
  });

  it('gives ssh contexts to the lazily loaded SSH transport with the ssh options', async () => {
    // The transport is built (the package loads, nothing connects until the first request).
    const r = await resolveConnection({ env: { DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'ssh-ctx' }, ssh: { knownHosts: join(dir, 'known_hosts'), configFile: false } });
    expect(r.transport.kind).toBe('ssh');
    expect(r.transport.endpoint).toBe('ssh://me@192.0.2.1:2222');
    await r.transport.close();
  });

  it('lets the host option win over DOCKER_HOST and DOCKER_CONTEXT, noting what it overrode', async () => {
    const d = await describeConnection({ host: 'tcp://192.0.2.7:2375', env: { DOCKER_CONFIG: dir, DOCKER_HOST: 'unix:///x.sock', DOCKER_CONTEXT: 'unix-ctx' } });
    expect(d.endpoint).toBe('tcp://192.0.2.7:2375');
    expect(d.source).toBe('host option');
    expect(d.notes).toEqual(['DOCKER_HOST is set but the host option wins', 'DOCKER_CONTEXT=unix-ctx is ignored: the host option wins']);
  });

  describe('errors', () => {
    it('a context that does not exist (DOCKER_CONTEXT) names it and lists the ones that do', async () => {
      const err = await resolveConnection({ env: { DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'nope' } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidParameterError);
      expect((err as Error).message).toBe(
        `Docker context "nope" (from DOCKER_CONTEXT) does not exist in ${join(dir, 'contexts')}; ` +
          'the contexts there are: default, noport, skip-ctx, ssh-ctx, tcp-ctx, unix-ctx. ' +
          'Create it with `docker context create nope --docker host=...`, or pick one of those.',
      );
    });

    it('a currentContext that does not exist names config.json', async () => {
      const other = await tempConfig();
      dirs.push(other);
      await writeFile(join(other, 'config.json'), JSON.stringify({ auths: {}, currentContext: 'gone' }));
      const docker = createClient({ env: { DOCKER_CONFIG: other } });
      // createClient() is synchronous: the error surfaces on the first call.
      await expect(docker.ping()).rejects.toThrow(`Docker context "gone" (from currentContext in ${join(other, 'config.json')}) does not exist`);
      await docker.close();
    });

    it('a config.json that is not JSON is named, and none of its content (credentials) is echoed', async () => {
      const other = await tempConfig();
      dirs.push(other);
      await writeFile(join(other, 'config.json'), '{"auths":{"r.example":{"auth":"c2VjcmV0LXRva2Vu"}},');
      const err = await resolveConnection({ env: { DOCKER_CONFIG: other } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidParameterError);
      expect((err as Error).message).toContain(`${join(other, 'config.json')} is not valid JSON`);
      expect((err as Error).message).not.toContain('c2VjcmV0');
    });

    it('a context whose host is malformed names the context, the value and its file', async () => {
      const other = await tempConfig();
      dirs.push(other);
      await docker(other, ['context', 'create', 'broken', '--docker', 'host=tcp://192.0.2.1:2375']);
      const meta = join(other, 'contexts', 'meta', contextStoreId('broken'), 'meta.json');
      await writeFile(meta, (await readFile(meta, 'utf8')).replace('tcp://192.0.2.1:2375', 'tcp//192.0.2.1'));
      const err = await resolveConnection({ env: { DOCKER_CONFIG: other, DOCKER_CONTEXT: 'broken' } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidParameterError);
      expect((err as Error).message).toContain('context "broken", set by DOCKER_CONTEXT: invalid Docker host "tcp//192.0.2.1"');
      expect((err as Error).message).toContain(meta);
    });

    it('a meta.json that is not JSON is named', async () => {
      const other = await tempConfig();
      dirs.push(other);
      await docker(other, ['context', 'create', 'garbled', '--docker', 'host=tcp://192.0.2.1:2375']);
      const meta = join(other, 'contexts', 'meta', contextStoreId('garbled'), 'meta.json');
      await writeFile(meta, '{"Name":');
      await expect(loadContext('garbled', { configDir: other })).rejects.toThrow(`the Docker context file ${meta} is not valid JSON`);
    });
  });

  it('describes without secrets: no config.json content, no key material, no ssh key', async () => {
    const other = await tempConfig();
    dirs.push(other);
    await docker(other, ['context', 'create', 'remote', '--docker', 'host=ssh://me@192.0.2.1:2222']);
    await docker(other, ['context', 'use', 'remote']);
    // Credentials beside currentContext, as `docker login` leaves them.
    const config = JSON.parse(await readFile(join(other, 'config.json'), 'utf8')) as Record<string, unknown>;
    config.auths = { 'registry.example': { auth: Buffer.from('me:hunter2-secret').toString('base64') } };
    await writeFile(join(other, 'config.json'), JSON.stringify(config));
    const d = await describeConnection({ env: { DOCKER_CONFIG: other }, ssh: { privateKey: 'PRIVATE-KEY-MATERIAL', passphrase: 'pass-secret' } });
    expect(d.context?.name).toBe('remote');
    const all = JSON.stringify(d);
    for (const secret of ['hunter2', Buffer.from('me:hunter2-secret').toString('base64'), 'PRIVATE-KEY-MATERIAL', 'pass-secret']) {
      expect(all).not.toContain(secret);
    }
  });
});

