// dockline against Podman 4.3's Docker-compatible service (a second, real engine): the one
// tools/engine runs in <engine state dir>/podman (global setup starts it with the rest, and
// `npm run engine -- stop` stops it). These cases are about reaching Podman (contexts,
// default sockets); the API's methods run against it in packages/api/test (describeEachEngine).
// Without an engine: skipped outside CI, failing with CI=true (describeWithEngine).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NotFoundError } from '@dockline/core';
import { describeWithEngine } from '@dockline/tool-testkit';
import { Collector, uniqueName } from '../../test/helpers.js';
import type { DockerClient } from '../client.js';
import { createClient } from '../create-client.js';
import { resolveConnection } from './resolve.js';

const LABEL = { 'dockline.test': 'podman' };

describeWithEngine('Podman 4.3 (Docker-compatible API)', (engine) => {
  const podman = { ...engine.podman, image: engine.image };
  let configDir: string;
  let docker: DockerClient;

  beforeAll(async () => {
    configDir = await mkdtemp(join(tmpdir(), 'dl-podman-ctx-'));
    // A context written by the docker CLI, as a user switching to Podman would.
    await promisify(execFile)('docker', ['context', 'create', 'podman', '--docker', `host=unix://${podman.socketPath}`], {
      env: { PATH: process.env.PATH, HOME: configDir, DOCKER_CONFIG: configDir },
    });
    docker = createClient({ env: { DOCKER_CONFIG: configDir, DOCKER_CONTEXT: 'podman' } });
  }, 600_000);

  afterAll(async () => {
    await docker?.close();
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  it('is reached through a docker context, and version says Podman', async () => {
    const ping = await docker.ping();
    expect(ping.apiVersion).toBe('1.41');
    const version = await docker.version();
    expect(version.ApiVersion).toBe('1.41');
    expect(version.Version).toBe(podman.libpodVersion);
    expect(version.Components?.map((c) => c.Name)).toContain('Podman Engine');
    expect(docker.endpointDescription).toBe(`unix://${podman.socketPath} (from context "podman", set by DOCKER_CONTEXT)`);
  });

  it('answers info', async () => {
    const info = await docker.info();
    expect(info.Driver).toBe(podman.storageDriver);
    expect(typeof info.NCPU).toBe('number');
  });

  it('lists and inspects the imported image (Podman names it docker.io/library/...)', async () => {
    const images = await docker.listImages();
    const tags = images.flatMap((i) => i.RepoTags ?? []);
    expect(tags).toContain('docker.io/library/busybox:local');
    const image = await docker.inspectImageByRef(podman.image);
    expect(image.RepoTags).toContain('docker.io/library/busybox:local');
  });

  it('creates, lists, inspects, starts, reads logs of, and removes a container', async () => {
    const name = uniqueName('podman');
    const { Id } = await docker.createContainer({
      name,
      config: { Image: podman.image, Cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'], Labels: LABEL },
      hostConfig: { NetworkMode: 'none' },
    });
    try {
      const listed = await docker.listContainers({ all: true, filters: { label: ['dockline.test=podman'], name: [name] } });
      expect(listed.map((c) => c.Id)).toEqual([Id]);
      expect((await docker.inspectContainer(Id)).State?.Status).toBe('created');

      await docker.startContainer(Id);
      const stdout = new Collector();
      const stderr = new Collector();
      await docker.logs(Id, { follow: true }, { stdout, stderr });
      expect(stdout.text).toBe('out\n');
      expect(stderr.text).toBe('err\n');

      const done = await docker.inspectContainer(Id);
      expect(done.State?.Status).toBe('exited');
      expect(done.State?.ExitCode).toBe(3);
      expect(done.Config?.Labels).toMatchObject(LABEL);
    } finally {
      await docker.removeContainer(Id, { force: true });
    }
    await expect(docker.inspectContainer(Id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('is found as a default socket when it is the first local daemon socket', async () => {
    const r = await resolveConnection(
      { env: { DOCKER_CONFIG: configDir, HOME: configDir } },
      { socketCandidates: [{ path: join(configDir, 'no-docker.sock'), label: 'Docker, the docker CLI default' }, { path: podman.socketPath, label: 'rootful Podman' }] },
    );
    const client = createClient({ transport: r.transport });
    try {
      expect((await client.version()).Components?.map((c) => c.Name)).toContain('Podman Engine');
    } finally {
      await client.close();
    }
  });
});
