// request(): the typed escape hatch. The expectTypeOf and @ts-expect-error lines are
// checked by `tsc -p packages/api/tsconfig.json --noEmit`; the runtime half checks what
// goes on the wire, through a recording pipeline (no daemon).
import { InvalidParameterError } from '@dockline/core';
import { Readable } from 'node:stream';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { DockerRequest, DockerResponse, Pipeline } from '@dockline/core';
import { DockerClient } from './client.js';
import type { components } from './generated/engine-api.js';
import type { OperationParams } from './generated/operation-types.js';

function recordingClient(answer: (req: DockerRequest) => Partial<DockerResponse>) {
  const sent: DockerRequest[] = [];
  const pipeline: Pipeline = {
    transport: { kind: 'fake', endpoint: 'fake://', connect: () => Promise.reject(new Error('no')), close: async () => undefined },
    send: async (req) => {
      sent.push(req);
      return { statusCode: 200, headers: {}, request: req, ...answer(req) };
    },
    close: async () => undefined,
  };
  return { docker: new DockerClient({ pipeline }), sent };
}

describe('request() types', () => {
  it('ContainerWait, NetworkList and VolumeCreate are typed from the spec', async () => {
    const { docker } = recordingClient((req) => ({
      body: req.operation === 'ContainerWait' ? { StatusCode: 0 } : req.operation === 'NetworkList' ? [] : { Name: 'v' },
    }));

    const wait = await docker.request('ContainerWait', { path: { id: 'abc' }, query: { condition: 'not-running' } });
    expectTypeOf(wait).toEqualTypeOf<components['schemas']['ContainerWaitResponse']>();
    expectTypeOf(wait.StatusCode).toEqualTypeOf<number>();

    const networks = await docker.request('NetworkList');
    expectTypeOf(networks).toEqualTypeOf<components['schemas']['Network'][]>();
    await docker.request('NetworkList', { query: { filters: JSON.stringify({ name: ['none'] }) } }, { timeoutMs: 1000 });

    const volume = await docker.request('VolumeCreate', { body: { Name: 'v', Labels: { a: 'b' } } });
    expectTypeOf(volume).toEqualTypeOf<components['schemas']['Volume']>();
    expectTypeOf<OperationParams<'VolumeCreate'>['body']>().toEqualTypeOf<components['schemas']['VolumeCreateRequest']>();

    // Streams and hijacked connections resolve to Node streams.
    expectTypeOf(docker.request<'ContainerLogs'>).returns.resolves.toEqualTypeOf<Readable>();
    expectTypeOf(docker.request<'ContainerAttach'>).returns.resolves.toMatchTypeOf<import('node:stream').Duplex>();

    // @ts-expect-error ContainerWait needs its path parameter `id`
    await docker.request('ContainerWait', {}).catch(() => undefined);
    // @ts-expect-error ...and cannot be called without params at all
    await docker.request('ContainerWait').catch(() => undefined);
    // @ts-expect-error `condition` is 'not-running' | 'next-exit' | 'removed', not any string
    await docker.request('ContainerWait', { path: { id: 'abc' }, query: { condition: 'whenever' } });
    // @ts-expect-error NetworkList's filters is a JSON string on the wire, not a number
    await docker.request('NetworkList', { query: { filters: 42 } });
    // @ts-expect-error VolumeCreate's body has no `Size`
    await docker.request('VolumeCreate', { body: { Name: 'v', Size: 1 } });
    // @ts-expect-error an unknown operation id
    await docker.request('ContainerTeleport').catch(() => undefined);
  });
});

describe('request() on the wire', () => {
  it('fills the path, keeps query wire names, marks long-running operations', async () => {
    const { docker, sent } = recordingClient(() => ({ body: { StatusCode: 3 } }));
    const res = await docker.request('ContainerWait', { path: { id: 'a/b c' }, query: { condition: 'next-exit' } });
    expect(res).toEqual({ StatusCode: 3 });
    expect(sent[0]).toMatchObject({
      operation: 'ContainerWait',
      method: 'POST',
      path: '/containers/a%2Fb%20c/wait',
      route: '/containers/{id}/wait',
      query: { condition: 'next-exit' },
      response: 'json',
      longRunning: true,
      idempotent: false,
    });
  });

  it('a missing path parameter is refused before sending (untyped callers)', async () => {
    const { docker, sent } = recordingClient(() => ({}));
    const untyped = docker.request.bind(docker) as (op: string, params?: unknown) => Promise<unknown>;
    await expect(untyped('ContainerWait', {})).rejects.toThrow(/needs the path parameter "id"/);
    await expect(untyped('ContainerTeleport')).rejects.toThrow(/unknown operation/);
    expect(sent).toHaveLength(0);
  });

  it('methods send the Engine API wire names (filters as an object for core to JSON-encode, booleans as booleans)', async () => {
    const { docker, sent } = recordingClient((req) => ({
      body: req.operation === 'ContainerList' ? [] : undefined,
      stream: req.operation === 'ContainerStats' ? Readable.from([Buffer.from('{"id":"x"}\n')]) : undefined,
    }));
    await docker.listContainers({ all: true, filters: { label: ['app=web'], status: [] } });
    await docker.removeContainer('c1', { force: true, removeVolumes: true });
    await docker.removeImage('img', { noPrune: true });
    await docker.resizeExecTTY('e1', 33, 77);
    await docker.stopContainer('c1', { timeout: 5 });
    await docker.stopContainer('c1', { timeout: 5 }, { timeoutMs: 1234 });
    await docker.inspectContainerWithSize('c1');
    expect(await docker.getContainerStats('c1')).toEqual({ id: 'x' });
    expect(sent.map((r) => [r.operation, r.path, r.query])).toEqual([
      ['ContainerList', '/containers/json', { all: true, limit: undefined, size: undefined, filters: { label: ['app=web'] } }],
      ['ContainerDelete', '/containers/c1', { force: true, v: true, link: undefined }],
      ['ImageDelete', '/images/img', { force: undefined, noprune: true }],
      ['ExecResize', '/exec/e1/resize', { h: 33, w: 77 }],
      ['ContainerStop', '/containers/c1/stop', { t: 5 }],
      ['ContainerStop', '/containers/c1/stop', { t: 5 }],
      ['ContainerInspect', '/containers/c1/json', { size: true }],
      ['ContainerStats', '/containers/c1/stats', { stream: false }],
    ]);
    // stop: the grace period travels as graceMs, for the timeout middleware to add to its
    // default; a call's own timeoutMs goes as is (and wins there).
    expect(sent[4]!).toMatchObject({ graceMs: 5000, timeoutMs: undefined });
    expect(sent[5]!).toMatchObject({ graceMs: 5000, timeoutMs: 1234 });
    // one-shot stats is a short call, not a long-running stream
    expect(sent[7]!.longRunning).toBe(false);
  });

  it('argument checks happen before anything is sent', async () => {
    const { docker, sent } = recordingClient(() => ({}));
    await expect(docker.resizeContainerTTY('c', -1, 10)).rejects.toThrow(InvalidParameterError);
    await expect(docker.stopContainer('c', { timeout: 1.5 })).rejects.toThrow(InvalidParameterError);
    await expect(docker.createContainer({} as never)).rejects.toThrow(InvalidParameterError);
    expect(sent).toHaveLength(0);
  });
});

describe('request() filters as an object, requestWithResponse()', () => {
  it('takes filters as an object of string arrays (sent as the JSON the daemon reads) or the JSON string', async () => {
    const { docker, sent } = recordingClient(() => ({ body: [] }));
    await docker.request('NetworkList', { query: { filters: { name: ['none'], label: [] } } });
    await docker.request('VolumeList', { query: { filters: JSON.stringify({ dangling: ['true'] }) } });
    // Empty lists are dropped, as in every method; the object goes to core, which JSON-encodes it.
    expect(sent[0]!.query).toEqual({ filters: { name: ['none'] } });
    expect(sent[1]!.query).toEqual({ filters: '{"dangling":["true"]}' });
    // @ts-expect-error filter values are arrays of strings
    await docker.request('NetworkList', { query: { filters: { name: 'none' } } }).catch(() => undefined);
  });

  it('requestWithResponse gives the status code and headers with the body, typed as request()', async () => {
    const { docker } = recordingClient((req) =>
      req.operation === 'ContainerStart' ? { statusCode: 304, headers: { 'api-version': '1.41' } } : { body: { StatusCode: 3 } },
    );
    const started = await docker.requestWithResponse('ContainerStart', { path: { id: 'abc' } });
    expect(started).toEqual({ statusCode: 304, headers: { 'api-version': '1.41' }, body: undefined });
    const wait = await docker.requestWithResponse('ContainerWait', { path: { id: 'abc' } });
    expectTypeOf(wait.body).toEqualTypeOf<components['schemas']['ContainerWaitResponse']>();
    expectTypeOf(wait.statusCode).toEqualTypeOf<number>();
    expect(wait.body.StatusCode).toBe(3);
    // @ts-expect-error ContainerWait needs its path parameter `id`, as with request()
    await docker.requestWithResponse('ContainerWait', {}).catch(() => undefined);
  });
});
