// request() with object filters and requestWithResponse() against the real dockerd and Podman.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DockerClient } from '../src/client.js';
import { LABEL, removeAll, uniqueName } from './helpers.js';
import { describeEachEngine } from './engines.js';

describeEachEngine('request() options', (engine) => {
  let docker: DockerClient;
  const created = new Set<string>();

  beforeAll(() => {
    docker = engine.client();
  });
  afterAll(async () => {
    await removeAll(docker, created);
    await docker.close();
  });

  it('filters as an object select on the daemon', async () => {
    const label = uniqueName('req-filter');
    const { Id } = await docker.createContainer({ config: { Image: engine.image, Labels: { ...LABEL, 'dockline.req': label } }, hostConfig: { NetworkMode: 'none' } });
    created.add(Id);
    const found = await docker.request('ContainerList', { query: { all: true, filters: { label: [`dockline.req=${label}`] } } });
    expect(found.map((c) => c.Id)).toEqual([Id]);
    // dockerd lists its built-in `none` network; Podman lists only real networks (its default
    // `podman`, named `bridge` in the answer but matched by the filter as `podman`).
    const [name, listedAs] = engine.name === 'podman' ? ['podman', 'bridge'] : ['none', 'none'];
    const one = await docker.request('NetworkList', { query: { filters: { name: [name] } } });
    expect(one.map((n) => n.Name)).toEqual([listedAs]);
    const unknown = await docker.request('NetworkList', { query: { filters: { name: [uniqueName('no-net')] } } });
    expect(unknown).toEqual([]);
  });

  it('requestWithResponse: a second start is a 304; the ping carries Api-Version in its headers', async () => {
    const { Id } = await docker.createContainer({ config: { Image: engine.image, Cmd: ['sleep', '600'], Labels: LABEL }, hostConfig: { NetworkMode: 'none' } });
    created.add(Id);
    expect((await docker.requestWithResponse('ContainerStart', { path: { id: Id } })).statusCode).toBe(204);
    expect((await docker.requestWithResponse('ContainerStart', { path: { id: Id } })).statusCode).toBe(304);
    const ping = await docker.requestWithResponse('SystemPing');
    expect(ping.statusCode).toBe(200);
    expect(ping.headers['api-version']).toBe(engine.apiVersion);
  });
});
