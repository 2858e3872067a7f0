// request() for operations without a method of their own, against the real dockerd.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithEngine } from '@dockline/tool-testkit';
import { NotFoundError } from '@dockline/core';
import type { DockerClient } from '../src/client.js';
import { LABEL, engineClient, removeAll, uniqueName } from './helpers.js';

describeWithEngine('request()', (engine) => {
  let docker: DockerClient;
  const created = new Set<string>();
  const volumes = new Set<string>();

  beforeAll(() => {
    docker = engineClient(engine);
  });
  afterAll(async () => {
    await removeAll(docker, created);
    for (const name of volumes) await docker.request('VolumeDelete', { path: { name }, query: { force: true } }).catch(() => undefined);
    await docker.close();
  });

  it("request('ContainerWait') waits for the exit and returns its code", async () => {
    const { Id } = await docker.createContainer({
      config: { Image: engine.image, Cmd: ['sh', '-c', 'sleep 0.5; exit 7'], Labels: LABEL },
      hostConfig: { NetworkMode: 'none' },
    });
    created.add(Id);
    // Wait first (condition next-exit), then start: the wait cannot miss the exit.
    const wait = docker.request('ContainerWait', { path: { id: Id }, query: { condition: 'next-exit' } });
    await new Promise((r) => setTimeout(r, 100));
    await docker.startContainer(Id);
    const res = await wait;
    expect(res.StatusCode).toBe(7);
    expect((await docker.inspectContainer(Id)).State?.ExitCode).toBe(7);
  });

  it("request('NetworkList') lists the daemon's networks (none and host here: no bridge)", async () => {
    const networks = await docker.request('NetworkList');
    const names = networks.map((n) => n.Name);
    expect(names).toContain('none');
    expect(names).toContain('host');
    const filtered = await docker.request('NetworkList', { query: { filters: JSON.stringify({ name: ['none'] }) } });
    expect(filtered.map((n) => n.Name)).toEqual(['none']);
  });

  it("request('VolumeCreate') creates a volume (removed again with VolumeDelete)", async () => {
    const name = uniqueName('vol');
    volumes.add(name);
    const v = await docker.request('VolumeCreate', { body: { Name: name, Labels: LABEL } });
    expect(v.Name).toBe(name);
    expect(v.Driver).toBe('local');
    expect(v.Labels).toEqual(LABEL);
    const inspected = await docker.request('VolumeInspect', { path: { name } });
    expect(inspected.Mountpoint).toContain(name);
    await docker.request('VolumeDelete', { path: { name } });
    volumes.delete(name);
    await expect(docker.request('VolumeInspect', { path: { name } })).rejects.toBeInstanceOf(NotFoundError);
  });
});
