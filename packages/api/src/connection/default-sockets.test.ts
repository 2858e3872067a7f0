import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError } from '@dockline/core';
import { defaultSocketCandidates, probeSockets, type SocketCandidate } from './default-sockets.js';
import { resolveConnection } from './resolve.js';

const uid = process.getuid?.() ?? 0;
const isRoot = uid === 0;

let dir: string;
const servers: Server[] = [];

/** A real listening unix socket. */
async function listen(path: string): Promise<string> {
  const server = createServer((s) => s.destroy());
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(path, () => resolve()));
  servers.push(server);
  return path;
}

/** A socket file nobody listens on any more: a process that bound it and was killed. */
async function staleSocket(path: string): Promise<string> {
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
  await new Promise((resolve) => child.once('exit', resolve));
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dl-sockets-'));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await rm(dir, { recursive: true, force: true });
});

describe('defaultSocketCandidates', () => {
  it('lists the places in the order of the issue: Docker, rootless, Desktop, Podman, Colima, Rancher Desktop', () => {
    const paths = defaultSocketCandidates({ HOME: '/h', XDG_RUNTIME_DIR: '/x' }).map((c) => c.path);
    expect(paths).toEqual([
      '/var/run/docker.sock',
      '/x/docker.sock',
      '/h/.docker/run/docker.sock',
      '/h/.docker/desktop/docker.sock',
      `/run/user/${uid}/docker.sock`,
      '/run/podman/podman.sock',
      '/x/podman/podman.sock',
      `/run/user/${uid}/podman/podman.sock`,
      '/h/.colima/default/docker.sock',
      '/h/.config/colima/default/docker.sock',
      '/h/.rd/docker.sock',
    ]);
  });

  it('lists a path once when XDG_RUNTIME_DIR is /run/user/$UID, and honours COLIMA_HOME', () => {
    const list = defaultSocketCandidates({ HOME: '/h', XDG_RUNTIME_DIR: `/run/user/${uid}`, COLIMA_HOME: '/c' });
    const paths = list.map((c) => c.path);
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths.indexOf(`/run/user/${uid}/docker.sock`)).toBe(1);
    expect(paths).toContain('/c/default/docker.sock');
  });
});

describe('probeSockets', () => {
  it('takes the first candidate that is a socket, after one missing, a file and a folder, and says why each was passed over', async () => {
    await writeFile(join(dir, 'file.sock'), 'not a socket');
    await mkdir(join(dir, 'dir.sock'));
    const candidates: SocketCandidate[] = [
      { path: join(dir, 'missing.sock'), label: 'missing' },
      { path: join(dir, 'file.sock'), label: 'file' },
      { path: join(dir, 'dir.sock'), label: 'dir' },
      { path: await listen(join(dir, 'a.sock')), label: 'first socket' },
      { path: await listen(join(dir, 'b.sock')), label: 'second socket' },
    ];
    const { found, tried } = await probeSockets(candidates);
    expect(found?.label).toBe('first socket');
    expect(tried.map((t) => [t.label, t.result])).toEqual([
      ['missing', 'missing'],
      ['file', 'not a socket'],
      ['dir', 'not a socket'],
      ['first socket', 'found'],
    ]);
  });

  it('checks existence only: a stale socket nobody listens on is still taken (no connect probe)', async () => {
    const path = await staleSocket(join(dir, 'stale.sock'));
    const { found } = await probeSockets([{ path, label: 'stale' }]);
    expect(found?.path).toBe(path);
  });

  it.skipIf(!isRoot)('passes over sockets this user may not open (permission denied), as another user in a child process', async () => {
    // Root ignores permissions, so the probe runs as nobody (uid 65534) in a child.
    const open = await mkdtemp(join(tmpdir(), 'dl-perm-'));
    await chmod(open, 0o755);
    const locked = join(open, 'locked');
    await mkdir(locked, { mode: 0o700 });
    const inLocked = await listen(join(locked, 'docker.sock'));
    const noWrite = await listen(join(open, 'root-only.sock'));
    await chmod(noWrite, 0o600);
    const usable = await listen(join(open, 'usable.sock'));
    await chmod(usable, 0o666);
    const script = join(open, 'probe.mts');
    const source = fileURLToPath(new URL('./default-sockets.ts', import.meta.url));
    await writeFile(
      script,
      `import { probeSockets } from ${JSON.stringify(source)};\n` +
        `console.log(JSON.stringify(await probeSockets(${JSON.stringify([
          { path: inLocked, label: 'locked folder' },
          { path: noWrite, label: 'no write' },
          { path: usable, label: 'usable' },
        ])})));\n`,
    );
    await chmod(script, 0o644);
    const root = fileURLToPath(new URL('../../../../', import.meta.url));
    const r = spawnSync(process.execPath, ['--conditions=@dockline/source', '--import', 'tsx', script], {
      uid: 65534,
      gid: 65534,
      cwd: root,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: open },
    });
    await rm(open, { recursive: true, force: true });
    expect(r.stderr).toBe('');
    const outcome = JSON.parse(r.stdout) as Awaited<ReturnType<typeof probeSockets>>;
    expect(outcome.found?.label).toBe('usable');
    expect(outcome.tried.map((t) => [t.label, t.result])).toEqual([
      ['locked folder', 'permission denied'],
      ['no write', 'permission denied'],
      ['usable', 'found'],
    ]);
    expect(outcome.tried[0]!.detail).toContain('(uid 65534) may not look into its folder');
    expect(outcome.tried[1]!.detail).toContain('(uid 65534) may not open it, though it exists');
  });
});

describe('resolveConnection with nothing configured', () => {
  const env = (): NodeJS.ProcessEnv => ({ DOCKER_CONFIG: join(dir, 'no-config'), HOME: dir });

  it('uses the first default socket that exists and describes what it passed over', async () => {
    const candidates: SocketCandidate[] = [
      { path: join(dir, 'nothing-here.sock'), label: 'Docker, the docker CLI default' },
      { path: await listen(join(dir, 'podman.sock')), label: 'rootful Podman' },
    ];
    const r = await resolveConnection({ env: env() }, { socketCandidates: candidates });
    expect(r.transport.kind).toBe('unix');
    expect(r.transport.endpoint).toBe(`unix://${join(dir, 'podman.sock')}`);
    expect(r.details.source).toBe('default socket');
    expect(r.description).toContain('(from the first local daemon socket found (rootful Podman); nothing else is set');
    expect(r.details.text).toContain(`${join(dir, 'nothing-here.sock')} (Docker, the docker CLI default): missing`);
    expect(r.details.text).toContain(`${join(dir, 'podman.sock')} (rootful Podman): found`);
  });

  it('throws a ConnectionError listing every place tried and why each failed, when none holds a socket', async () => {
    await writeFile(join(dir, 'plain-file'), '');
    const candidates: SocketCandidate[] = [
      { path: join(dir, 'gone.sock'), label: 'Docker, the docker CLI default' },
      { path: join(dir, 'plain-file'), label: 'Docker Desktop' },
      { path: join(dir, 'no', 'podman.sock'), label: 'rootless Podman in $XDG_RUNTIME_DIR' },
    ];
    const err = await resolveConnection({ env: env() }, { socketCandidates: candidates }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).connectFailed).toBe(true);
    const message = (err as Error).message;
    expect(message).toContain('no Docker daemon found: nothing else is set (no host option, DOCKER_HOST, DOCKER_CONTEXT or currentContext in');
    expect(message).toContain(`${join(dir, 'gone.sock')} (Docker, the docker CLI default): missing`);
    expect(message).toContain(`${join(dir, 'plain-file')} (Docker Desktop): not a socket: a file that is not a socket is there`);
    expect(message).toContain(`${join(dir, 'no', 'podman.sock')} (rootless Podman in $XDG_RUNTIME_DIR): missing`);
    expect(message).toContain('DOCKER_HOST=unix:///path/to/docker.sock');
  });

  it('with the real candidate list, reports each of them (whatever this machine has)', async () => {
    const xdg = join(dir, 'xdg');
    const result = await resolveConnection({ env: { ...env(), XDG_RUNTIME_DIR: xdg } }).then(
      (r) => r.details.tried,
      (e: unknown) => e,
    );
    // Either a socket was found (then tried ends with it) or the error lists all of them.
    const all = defaultSocketCandidates({ ...env(), XDG_RUNTIME_DIR: xdg });
    if (Array.isArray(result)) {
      expect(result.at(-1)!.result).toBe('found');
      expect(result.map((t) => t.path)).toEqual(all.slice(0, result.length).map((c) => c.path));
    } else {
      expect(result).toBeInstanceOf(ConnectionError);
      for (const c of all) expect((result as Error).message).toContain(c.path);
    }
  });
});
