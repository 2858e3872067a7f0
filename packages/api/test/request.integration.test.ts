// request() for operations without a method of their own, against the real dockerd.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NotFoundError } from '@dockline/core';
import type { DockerClient } from '../src/client.js';
import { LABEL, removeAll, uniqueName } from './helpers.js';
import { describeEachEngine } from './engines.js';

describeEachEngine('request()', (engine) => {
  let docker: DockerClient;
  const created = new Set<string>();
  const volumes = new Set<string>();

  beforeAll(() => {
    docker = engine.client();
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

  it("request('NetworkList') lists the daemon's networks (dockerd: none and host, no bridge; Podman: its default network as bridge)", async () => {
    const networks = await docker.request('NetworkList');
    const names = networks.map((n) => n.Name);
    // Podman lists only real networks: its default one ("podman") under the Docker name
    // "bridge"; none and host are modes there, not networks.
    const expected = engine.name === 'podman' ? ['bridge'] : ['none', 'host'];
    for (const name of expected) expect(names).toContain(name);
    // Podman's name filter matches its own name for the network, not the Docker one it lists.
    const filterName = engine.name === 'podman' ? 'podman' : 'none';
    const filtered = await docker.request('NetworkList', { query: { filters: JSON.stringify({ name: [filterName] }) } });
    expect(filtered.map((n) => n.Name)).toEqual([expected[0]]);
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
