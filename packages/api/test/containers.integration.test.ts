// Container lifecycle methods against the real private dockerd (tools/engine).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ConflictError, DockerError, NotFoundError, ServerError, TimeoutError } from '@dockline/core';
import type { DockerClient } from '../src/client.js';
import { LABEL, removeAll, uniqueName } from './helpers.js';
import { describeEachEngine } from './engines.js';

describeEachEngine('containers', (engine) => {
  let docker: DockerClient;
  const created = new Set<string>();
  /** One long-running container shared by the read-only tests. */
  let sleeper: string;
  const runLabel = uniqueName('run');

  beforeAll(async () => {
    docker = engine.client();
    const { Id } = await docker.createContainer({
      name: uniqueName('sleeper'),
      config: { Image: engine.image, Cmd: ['sleep', '600'], Labels: { ...LABEL, 'dockline.run': runLabel }, Env: ['A=1', 'B=two'] },
      hostConfig: { NetworkMode: 'none' },
    });
    created.add(Id);
    sleeper = Id;
    await docker.startContainer(Id);
  });

  afterAll(async () => {
    await removeAll(docker, created);
    await docker.close();
  });

  it('createContainer -> inspectContainer shows the config (Cmd, Labels, Env, HostConfig)', async () => {
    const name = uniqueName('create');
    const res = await docker.createContainer({
      name,
      config: { Image: engine.image, Cmd: ['echo', 'hello'], Labels: { ...LABEL, role: 'create' }, Env: ['FOO=bar'] },
      hostConfig: { NetworkMode: 'none', Memory: 64 * 1024 * 1024 },
    });
    created.add(res.Id);
    expect(res.Id).toMatch(/^[0-9a-f]{64}$/);
    expect(res.Warnings).toEqual([]);
    const c = await docker.inspectContainer(res.Id);
    expect(c.Id).toBe(res.Id);
    expect(c.Name).toBe(`/${name}`);
    expect(c.Config?.Cmd).toEqual(['echo', 'hello']);
    expect(c.Config?.Labels).toMatchObject({ ...LABEL, role: 'create' });
    expect(c.Config?.Env).toContain('FOO=bar');
    expect(c.HostConfig?.NetworkMode).toBe('none');
    expect(c.HostConfig?.Memory).toBe(64 * 1024 * 1024);
    expect(c.State?.Status).toBe('created');
    expect(c.SizeRw).toBeUndefined();
  });

  it('startContainer -> State.Running; a second start is a 304 (alreadyStarted)', async () => {
    const c = await docker.inspectContainer(sleeper);
    expect(c.State?.Running).toBe(true);
    expect(c.State?.Pid).toBeGreaterThan(0);
    expect(await docker.startContainer(sleeper)).toEqual({ alreadyStarted: true });
  });

  it('inspectContainerWithSize fills SizeRw and SizeRootFs', async () => {
    const c = await docker.inspectContainerWithSize(sleeper);
    expect(typeof c.SizeRw).toBe('number');
    expect(c.SizeRootFs).toBeGreaterThan(1_000_000); // busybox-static is ~2 MB
  });

  it('listContainers with all + a label filter finds exactly ours', async () => {
    const stopped = await docker.createContainer({
      config: { Image: engine.image, Cmd: ['true'], Labels: { ...LABEL, 'dockline.run': runLabel } },
      hostConfig: { NetworkMode: 'none' },
    });
    created.add(stopped.Id);
    const all = await docker.listContainers({ all: true, filters: { label: [`dockline.run=${runLabel}`] } });
    expect(all.map((c) => c.Id).sort()).toEqual([sleeper, stopped.Id].sort());
    const running = await docker.listContainers({ filters: { label: [`dockline.run=${runLabel}`] } });
    expect(running.map((c) => c.Id)).toEqual([sleeper]);
    expect(running[0]?.State).toBe('running');
    expect(running[0]?.Labels?.['dockline.test']).toBe('api');
  });

  it('updateContainerResources changes HostConfig.Memory (Podman 4.3: no such endpoint, NotFoundError)', async () => {
    const memory = 96 * 1024 * 1024;
    if (engine.name === 'podman') {
      // Podman 4.3's compat API has no POST /containers/{id}/update (its router answers a
      // plain 404): the call rejects, and the limit stays as it was.
      const err = await docker.updateContainerResources(sleeper, { Memory: memory, MemorySwap: -1 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotFoundError);
      expect((err as NotFoundError).statusCode).toBe(404);
      expect((await docker.inspectContainer(sleeper)).HostConfig?.Memory).not.toBe(memory);
      return;
    }
    const res = await docker.updateContainerResources(sleeper, { Memory: memory, MemorySwap: -1 });
    expect(Array.isArray(res.Warnings)).toBe(true);
    const c = await docker.inspectContainer(sleeper);
    expect(c.HostConfig?.Memory).toBe(memory);
  });

  it('getContainerStats returns one sample with memory_stats and cpu_stats of a running container', async () => {
    const s = await docker.getContainerStats(sleeper);
    // Podman spells the id field `Id` (dockerd: `id`); dockline passes the answer through.
    expect(engine.name === 'podman' ? (s as { Id?: string }).Id : s.id).toBe(sleeper);
    expect(s.memory_stats?.usage).toBeGreaterThan(0);
    expect(s.cpu_stats?.cpu_usage?.total_usage).toBeGreaterThan(0);
    expect(s.precpu_stats).toBeDefined();
    expect(s.pids_stats?.current).toBeGreaterThanOrEqual(1);
  });

  it('stopContainer with a timeout: State.Running false and the exit code (sleep as PID 1 ignores SIGTERM: SIGKILL, 137)', async () => {
    const { Id } = await docker.createContainer({
      config: { Image: engine.image, Cmd: ['sleep', '600'], Labels: LABEL },
      hostConfig: { NetworkMode: 'none' },
    });
    created.add(Id);
    await docker.startContainer(Id);
    const t0 = Date.now();
    expect(await docker.stopContainer(Id, { timeout: 1 })).toEqual({ alreadyStopped: false });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    const c = await docker.inspectContainer(Id);
    expect(c.State?.Running).toBe(false);
    expect(c.State?.Status).toBe('exited');
    expect(c.State?.ExitCode).toBe(137);
    expect(await docker.stopContainer(Id, { timeout: 1 })).toEqual({ alreadyStopped: true });
  });

  it('stopContainer\'s deadline is the client default plus the grace period (kubelet): a 2 s stop outlives a 1 s default', async () => {
    const strict = engine.clientWithDeadline(1000); // timeout middleware default: 1 s
    try {
      const ids = await Promise.all(
        [0, 1].map(async () => {
          const { Id } = await docker.createContainer({
            config: { Image: engine.image, Cmd: ['sleep', '600'], Labels: LABEL },
            hostConfig: { NetworkMode: 'none' },
          });
          created.add(Id);
          await docker.startContainer(Id);
          return Id;
        }),
      );
      const t0 = Date.now();
      await strict.stopContainer(ids[0]!, { timeout: 2 }); // deadline 1 s + 2 s
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
      // An explicit per-call timeoutMs is the whole deadline.
      const err = await strict.stopContainer(ids[1]!, { timeout: 2 }, { timeoutMs: 300 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as TimeoutError).message).toContain('ContainerStop');
    } finally {
      await strict.close();
    }
  });

  it('removeContainer: a running container without force is a ConflictError (409; Podman: ServerError 500); with force it is gone (NotFoundError)', async () => {
    const { Id } = await docker.createContainer({
      config: { Image: engine.image, Cmd: ['sleep', '600'], Labels: LABEL },
      hostConfig: { NetworkMode: 'none' },
    });
    created.add(Id);
    await docker.startContainer(Id);
    const err = await docker.removeContainer(Id).catch((e: unknown) => e);
    if (engine.name === 'podman') {
      // Podman 4.3 answers 500 "... as it is running - running or paused containers cannot be
      // removed without force: container state improper", where dockerd answers 409.
      expect(err).toBeInstanceOf(ServerError);
      expect((err as ServerError).statusCode).toBe(500);
      expect((err as ServerError).daemonMessage).toMatch(/as it is running .*cannot be removed without force/);
    } else {
      expect(err).toBeInstanceOf(ConflictError);
      expect((err as ConflictError).statusCode).toBe(409);
      expect((err as ConflictError).message).toMatch(/cannot remove a running container/i);
    }
    expect((err as DockerError).operation).toBe('ContainerDelete');
    expect(await docker.removeContainer(Id, { force: true, removeVolumes: true })).toEqual({});
    await expect(docker.inspectContainer(Id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('inspecting an unknown id is a NotFoundError (404) with the daemon message', async () => {
    const err = await docker.inspectContainer('dockline-api-no-such-container').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).statusCode).toBe(404);
    // Same status, other words: Podman says `no container with name or ID "x" found: no such container`.
    const message =
      engine.name === 'podman'
        ? 'no container with name or ID "dockline-api-no-such-container" found: no such container'
        : 'No such container: dockline-api-no-such-container';
    expect((err as NotFoundError).daemonMessage).toBe(message);
    expect((err as NotFoundError).message).toContain(message);
  });

  it('version() and info() describe the daemon', async () => {
    const v = await docker.version();
    expect(v.ApiVersion).toBe(engine.apiVersion);
    expect(docker.apiVersion).toBe(engine.apiVersion); // negotiated: requests went out as /v1.41/...
    expect(v.Os).toBe('linux');
    const info = await docker.info();
    expect(info.Driver).toBe(engine.storageDriver);
    expect(info.ContainersRunning).toBeGreaterThanOrEqual(1);
    expect(typeof info.ServerVersion).toBe('string');
  });
});
