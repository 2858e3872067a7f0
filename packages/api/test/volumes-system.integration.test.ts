// Volumes, systemDf and checkAuth against the real private dockerd and Podman, and the
// registry (htpasswd auth) of tools/engine; one body per case, Podman's differing answers
// asserted as they are (docs/configuration.md, "Podman").
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ConflictError, type DockerError, NotFoundError, ServerError, UnauthorizedError } from '@dockline/core';
import type { DockerClient } from '../src/client.js';
import { Collector, LABEL, removeAll, uniqueName } from './helpers.js';
import { describeEachEngine } from './engines.js';

describeEachEngine('volumes', (engine) => {
  let docker: DockerClient;
  const created = new Set<string>();
  const volumes = new Set<string>();
  const volLabel = uniqueName('vol');
  const labels = { ...LABEL, 'dockline.volumes': volLabel };

  beforeAll(() => {
    docker = engine.client();
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

describeEachEngine('system', (engine) => {
  let docker: DockerClient;
  const created = new Set<string>();

  beforeAll(() => {
    docker = engine.client();
  });

  afterAll(async () => {
    await removeAll(docker, created);
    await docker.close();
  });

  it('systemDf lists the test image and a container of ours, with sizes (Podman: LayersSize 0, one entry per tag)', async () => {
    const { Id } = await docker.createContainer({ config: { Image: engine.image, Labels: LABEL }, hostConfig: { NetworkMode: 'none' } });
    created.add(Id);
    const imageId = (await docker.inspectImageByRef(engine.image)).Id ?? ''; // sha256:... on both
    expect(imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    const df = await docker.systemDf();
    if (engine.name === 'podman') {
      // Podman 4.3: LayersSize is always 0; an image is listed once per tag, RepoTags holding
      // only the tag (["local"], not the image's name), Id without its "sha256:" prefix.
      expect(df.LayersSize).toBe(0);
      const image = df.Images?.find((i) => i.Id === imageId.replace(/^sha256:/, '') && i.RepoTags?.includes('local'));
      expect(image?.RepoTags).toEqual(['local']);
      expect(image?.Size).toBeGreaterThan(0);
    } else {
      expect(df.LayersSize).toBeGreaterThan(0);
      const image = df.Images?.find((i) => i.RepoTags?.includes(engine.image));
      expect(image?.Id).toBe(imageId);
      expect(image?.Size).toBeGreaterThan(0);
    }
    expect(df.Containers?.map((c) => c.Id)).toContain(Id);
    expect(Array.isArray(df.Volumes)).toBe(true);
  });

  it('checkAuth: the right password logs in; a wrong one is an UnauthorizedError that never shows the password (Podman: plain HTTP only as localhost)', async () => {
    const { registry } = engine;
    // Podman 4.3's /auth ignores registries.conf: it speaks HTTPS to 127.0.0.1:PORT (a 500,
    // "server gave HTTP response to HTTPS client"), and allows plain HTTP only to a
    // serveraddress that starts with "localhost:". The same registry, named that way.
    let address = registry.address;
    if (engine.name === 'podman') {
      const https = await docker.checkAuth({ username: registry.username, password: registry.password, serveraddress: registry.address }).catch((e: unknown) => e);
      expect(https).toBeInstanceOf(ServerError);
      expect((https as DockerError).daemonMessage).toMatch(/server gave HTTP response to HTTPS client/);
      address = registry.address.replace(/^127\.0\.0\.1:/, 'localhost:');
      expect(address).toMatch(/^localhost:\d+$/);
    }
    const ok = await docker.checkAuth({ username: registry.username, password: registry.password, serveraddress: address });
    expect(ok.Status).toBe('Login Succeeded');

    const wrong = `${registry.password}-wrong`;
    const err = await docker.checkAuth({ username: registry.username, password: wrong, serveraddress: address }).catch((e: unknown) => e);
    // dockerd 20.10 (and Podman) answers 500 "login attempt to ... failed with status: 401
    // Unauthorized": checkAuth gives it the class its words say, as pullImage does.
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect((err as DockerError).statusCode).toBe(500);
    expect((err as DockerError).daemonMessage).toMatch(/401 Unauthorized/);
    expect(String((err as Error).message)).not.toContain(wrong);
  });
});
