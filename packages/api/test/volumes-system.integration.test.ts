// Volumes, systemDf and checkAuth against the real private dockerd and its registry
// (htpasswd auth) from tools/engine.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithEngine } from '@dockline/tool-testkit';
import { ConflictError, type DockerError, NotFoundError, UnauthorizedError } from '@dockline/core';
import type { DockerClient } from '../src/client.js';
import { Collector, LABEL, engineClient, removeAll, uniqueName } from './helpers.js';

describeWithEngine('volumes', (engine) => {
  let docker: DockerClient;
  const created = new Set<string>();
  const volumes = new Set<string>();
  const volLabel = uniqueName('vol');
  const labels = { ...LABEL, 'dockline.volumes': volLabel };

  beforeAll(() => {
    docker = engineClient(engine);
  });

  afterAll(async () => {
    await removeAll(docker, created);
    for (const name of volumes) await docker.removeVolume(name, { force: true }).catch(() => undefined);
    await docker.close();
  });

  it('create with labels, mount, write; a second container reads it back; list, remove and prune by label', async () => {
    const name = uniqueName('data');
    const vol = await docker.createVolume({ Name: name, Labels: labels });
    volumes.add(name);
    expect(vol).toMatchObject({ Name: name, Driver: 'local', Labels: labels });
    expect((await docker.inspectVolume(name)).Labels).toEqual(labels);

    const mount = { Binds: [`${name}:/vol`], NetworkMode: 'none' };
    const w = await docker.run({ config: { Image: engine.image, Cmd: ['sh', '-c', 'echo kept-in-a-volume > /vol/f'], Labels: labels }, hostConfig: mount, remove: true });
    expect(w.exitCode).toBe(0);
    const out = new Collector();
    const r = await docker.run({ config: { Image: engine.image, Cmd: ['cat', '/vol/f'], Labels: labels }, hostConfig: mount, remove: true }, { stdout: out });
    expect(r.exitCode).toBe(0);
    expect(out.text).toBe('kept-in-a-volume\n');

    // A second, unused volume under the same label; a third one outside it.
    const spare = uniqueName('spare');
    await docker.createVolume({ Name: spare, Labels: labels });
    volumes.add(spare);
    const other = uniqueName('other');
    await docker.createVolume({ Name: other, Labels: LABEL });
    volumes.add(other);

    const listed = await docker.listVolumes({ filters: { label: [`dockline.volumes=${volLabel}`] } });
    expect(listed.Volumes.map((v) => v.Name).sort()).toEqual([name, spare].sort());
    expect(listed.Warnings).toEqual([]);

    // In use by a container: refused.
    const { Id } = await docker.createContainer({ config: { Image: engine.image, Labels: labels }, hostConfig: { Binds: [`${spare}:/vol`], NetworkMode: 'none' } });
    created.add(Id);
    await expect(docker.removeVolume(spare)).rejects.toBeInstanceOf(ConflictError);
    await docker.removeContainer(Id);
    created.delete(Id);

    const pruned = await docker.pruneVolumes({ filters: { label: [`dockline.volumes=${volLabel}`] } });
    expect(pruned.VolumesDeleted.sort()).toEqual([name, spare].sort());
    // The written file took space (4 KiB at least on the daemon's filesystem).
    expect(pruned.SpaceReclaimed).toBeGreaterThan(0);
    await expect(docker.inspectVolume(name)).rejects.toBeInstanceOf(NotFoundError);
    expect((await docker.inspectVolume(other)).Name).toBe(other);

    await docker.removeVolume(other);
    volumes.delete(other);
    await expect(docker.inspectVolume(other)).rejects.toBeInstanceOf(NotFoundError);
    await expect(docker.removeVolume(other)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describeWithEngine('system', (engine) => {
  let docker: DockerClient;
  const created = new Set<string>();

  beforeAll(() => {
    docker = engineClient(engine);
  });

  afterAll(async () => {
    await removeAll(docker, created);
    await docker.close();
  });

  it('systemDf lists the test image and a container of ours, with sizes', async () => {
    const { Id } = await docker.createContainer({ config: { Image: engine.image, Labels: LABEL }, hostConfig: { NetworkMode: 'none' } });
    created.add(Id);
    const df = await docker.systemDf();
    expect(df.LayersSize).toBeGreaterThan(0);
    const image = df.Images?.find((i) => i.RepoTags?.includes(engine.image));
    expect(image?.Size).toBeGreaterThan(0);
    expect(df.Containers?.map((c) => c.Id)).toContain(Id);
    expect(Array.isArray(df.Volumes)).toBe(true);
  });

  it('checkAuth: the right password logs in; a wrong one is an UnauthorizedError that never shows the password', async () => {
    const { registry } = engine;
    const ok = await docker.checkAuth({ username: registry.username, password: registry.password, serveraddress: registry.address });
    expect(ok.Status).toBe('Login Succeeded');

    const wrong = `${registry.password}-wrong`;
    const err = await docker.checkAuth({ username: registry.username, password: wrong, serveraddress: registry.address }).catch((e: unknown) => e);
    // dockerd 20.10 answers 500 "login attempt to ... failed with status: 401 Unauthorized":
    // checkAuth gives it the class its words say, as pullImage does.
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect((err as DockerError).statusCode).toBe(500);
    expect((err as DockerError).daemonMessage).toMatch(/401 Unauthorized/);
    expect(String((err as Error).message)).not.toContain(wrong);
  });
});
