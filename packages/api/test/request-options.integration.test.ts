// request() with object filters and requestWithResponse() against the real dockerd.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithEngine } from '@dockline/tool-testkit';
import type { DockerClient } from '../src/client.js';
import { LABEL, engineClient, removeAll, uniqueName } from './helpers.js';

describeWithEngine('request() options', (engine) => {
  let docker: DockerClient;
  const created = new Set<string>();

  beforeAll(() => {
    docker = engineClient(engine);
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
    const none = await docker.request('NetworkList', { query: { filters: { name: ['none'] } } });
    expect(none.map((n) => n.Name)).toEqual(['none']);
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
