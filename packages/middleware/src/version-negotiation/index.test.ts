import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AbortError,
  ConnectionError,
  createPipeline,
  Deadline,
  NotImplementedError,
  ProtocolError,
  type DockerRequest,
  type Middleware,
  type Pipeline,
  InvalidParameterError,
} from '@dockline/core';
import { startFakeDaemon, type FakeDaemon } from '@dockline/tool-testkit';
import { retry } from '../retry/index.js';
import { versionNegotiation } from './index.js';
import { info, spy } from '../../test/version-negotiation-fixture.js';

describe('versionNegotiation (fake daemon)', () => {
  let fake: FakeDaemon;
  const pipelines: Pipeline[] = [];
  const pipeline = (middleware: Middleware[]) => {
    const p = createPipeline({ transport: fake.transport(), middleware });
    pipelines.push(p);
    return p;
  };
  beforeEach(async () => {
    fake = await startFakeDaemon();
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await Promise.all(pipelines.splice(0).map((p) => p.close()));
    await fake.close();
  });

  it('pings once with HEAD, then prefixes every path with the negotiated version', async () => {
    const vn = versionNegotiation();
    const p = pipeline([vn]);
    expect(vn.version()).toBeUndefined();
    await p.send(info());
    await p.send(info({ operation: 'SystemVersion', path: '/version', route: '/version' }));
    expect(fake.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['HEAD /_ping', 'GET /v1.41/info', 'GET /v1.41/version']);
    expect(vn.version()).toBe('1.41');
    expect(vn.info()).toEqual({ version: '1.41', serverVersion: '1.41', pinned: false });
  });

  it('sends one ping for 100 concurrent first calls (single flight)', async () => {
    fake.script = (r) => (r.path === '/_ping' ? { delayMs: 100 } : undefined);
    const p = pipeline([versionNegotiation()]);
    const results = await Promise.all(Array.from({ length: 100 }, () => p.send(info())));
    expect(results.every((r) => r.statusCode === 200 && r.request.path === '/v1.41/info')).toBe(true);
    expect(fake.requestsTo('/_ping')).toHaveLength(1);
    expect(fake.requestsTo('/info')).toHaveLength(100);
  });

  it('falls back to GET /_ping when HEAD is refused with 405', async () => {
    fake.script = (r) => (r.method === 'HEAD' ? { status: 405, body: { message: 'method not allowed' } } : undefined);
    const vn = versionNegotiation();
    const res = await pipeline([vn]).send(info());
    expect(res.request.path).toBe('/v1.41/info');
    expect(fake.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['HEAD /_ping', 'GET /_ping', 'GET /v1.41/info']);
  });

  it('a server that is not a Docker daemon (404 to HEAD and GET /_ping) fails with a ProtocolError that says so, and the call is not sent', async () => {
    fake.script = () => ({ status: 404, headers: { 'content-type': 'text/plain' }, body: '404 page not found' });
    const err = await pipeline([versionNegotiation()]).send(info()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as Error).message).toMatch(/does not look like a Docker daemon: it answered GET \/_ping with HTTP 404 \(404 page not found\); check DOCKER_HOST/);
    expect((err as ProtocolError).statusCode).toBe(404);
    expect(fake.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['HEAD /_ping', 'GET /_ping']);
  });

  it('does not fall back to GET when the HEAD ping could not connect or broke', async () => {
    fake.script = (r) => (r.method === 'HEAD' ? { reset: true } : undefined);
    await expect(pipeline([versionNegotiation()]).send(info())).rejects.toBeInstanceOf(ConnectionError);
    expect(fake.requests.map((r) => r.method)).toEqual(['HEAD']);
  });

  it('uses the client maximum when the daemon sends no Api-Version header', async () => {
    fake.apiVersion = null;
    const res = await pipeline([versionNegotiation()]).send(info());
    expect(res.request.path).toBe('/v1.56/info');
    expect(res.request.apiVersion).toBe('1.56');
  });

  it('never goes above the client maximum', async () => {
    fake.apiVersion = '1.99';
    const vn = versionNegotiation({ maxVersion: '1.45' });
    const res = await pipeline([vn]).send(info());
    expect(res.request.path).toBe('/v1.45/info');
    expect(vn.info()).toEqual({ version: '1.45', serverVersion: '1.99', pinned: false });
  });

  it('rejects a daemon below the client minimum with an error naming both versions', async () => {
    fake.apiVersion = '1.12';
    const err = await pipeline([versionNegotiation({ minVersion: '1.24' })]).send(info()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotImplementedError);
    expect((err as Error).message).toContain('1.12');
    expect((err as Error).message).toContain('1.24');
    expect(fake.requestsTo('/info')).toHaveLength(0);
  });

  it('rejects an Api-Version header that is not a version', async () => {
    fake.apiVersion = 'banana';
    await expect(pipeline([versionNegotiation()]).send(info())).rejects.toBeInstanceOf(ProtocolError);
  });

  it('does not cache a failed ping: the next call pings again', async () => {
    let pings = 0;
    fake.script = (r) => {
      if (r.path !== '/_ping') return undefined;
      pings++;
      return pings <= 2 ? { status: 500, body: { message: 'daemon starting' } } : undefined; // HEAD then GET fail
    };
    const vn = versionNegotiation();
    const p = pipeline([vn]);
    await expect(p.send(info())).rejects.toThrow(/daemon starting/);
    expect(vn.version()).toBeUndefined();
    const res = await p.send(info());
    expect(res.request.path).toBe('/v1.41/info');
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['HEAD /_ping', 'GET /_ping', 'HEAD /_ping', 'GET /v1.41/info']);
  });

  it('reports a broken ping as connectFailed, so retry may resend even a non-idempotent call', async () => {
    let pings = 0;
    fake.script = (r) => (r.path === '/_ping' && pings++ === 0 ? { reset: true } : undefined);
    const create: DockerRequest = { operation: 'ContainerCreate', method: 'POST', path: '/containers/create', route: '/containers/create', response: 'json', idempotent: false, longRunning: false, body: { Image: 'x' } };
    const direct = await pipeline([versionNegotiation()]).send(create).catch((e: unknown) => e);
    expect(direct).toBeInstanceOf(ConnectionError);
    expect((direct as ConnectionError).connectFailed).toBe(true);
    pings = 0;
    const res = await pipeline([retry({ baseMs: 1 }), versionNegotiation()]).send(create);
    expect(res.statusCode).toBe(200);
    expect(fake.requestsTo('/containers/create', 'POST')).toHaveLength(1);
  });

  it('sends no ping when the version is pinned by option', async () => {
    const vn = versionNegotiation({ version: '1.40' });
    const res = await pipeline([vn]).send(info());
    expect(res.request.path).toBe('/v1.40/info');
    expect(fake.requestsTo('/_ping')).toHaveLength(0);
    expect(vn.version()).toBe('1.40');
  });

  it('sends no ping when the version is pinned by DOCKER_API_VERSION', async () => {
    vi.stubEnv('DOCKER_API_VERSION', '1.39');
    const res = await pipeline([versionNegotiation()]).send(info());
    expect(res.request.path).toBe('/v1.39/info');
    expect(res.request.apiVersion).toBe('1.39');
    expect(fake.requestsTo('/_ping')).toHaveLength(0);
  });

  it('the option wins over DOCKER_API_VERSION, and a bad DOCKER_API_VERSION is a clear error', () => {
    vi.stubEnv('DOCKER_API_VERSION', '1.39');
    expect(versionNegotiation({ version: '1.41' }).version()).toBe('1.41');
    vi.stubEnv('DOCKER_API_VERSION', 'latest');
    expect(() => versionNegotiation()).toThrow(/DOCKER_API_VERSION.*"latest"/);
    // A client with an environment of its own passes it; process.env is then not read.
    expect(versionNegotiation({ env: {} }).version()).toBeUndefined();
    expect(versionNegotiation({ env: { DOCKER_API_VERSION: '1.38' } }).version()).toBe('1.38');
  });

  it('fails an operation newer than the negotiated version before sending it, naming both versions', async () => {
    const p = pipeline([versionNegotiation()]);
    const err = await p.send(info({ operation: 'ImageInspect', path: '/images/x/json', route: '/images/{name}/json', minApiVersion: '1.44' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotImplementedError);
    expect((err as Error).message).toMatch(/ImageInspect needs Engine API 1\.44.*uses 1\.41/);
    expect(fake.requestsTo('/_ping')).toHaveLength(1);
    expect(fake.requestsTo(/^\/images\//)).toHaveLength(0);
  });

  it('fails an operation newer than the pinned or maximum version without even pinging', async () => {
    const req = info({ minApiVersion: '1.50' });
    await expect(pipeline([versionNegotiation({ version: '1.41' })]).send(req)).rejects.toThrow(/1\.50.*1\.41 \(pinned\)/);
    await expect(pipeline([versionNegotiation({ maxVersion: '1.45' })]).send(req)).rejects.toThrow(/1\.50.*1\.45 \(client maximum\)/);
    expect(fake.requests).toHaveLength(0);
  });

  it('the ping goes through next() as SystemPing with the caller signal, so inner middleware see it', async () => {
    const inner = spy();
    const controller = new AbortController();
    await pipeline([versionNegotiation(), inner]).send(info({ signal: controller.signal, headers: { 'X-Registry-Auth': 'secret' } }));
    const ping = inner.seen[0]!;
    expect(ping).toMatchObject({ operation: 'SystemPing', method: 'HEAD', path: '/_ping', response: 'empty', idempotent: true, signal: controller.signal });
    expect(ping.headers).toBeUndefined(); // the caller's headers (credentials) are not copied onto the ping
    expect(inner.seen[1]).toMatchObject({ operation: 'SystemInfo', path: '/v1.41/info', apiVersion: '1.41' });
  });

  it('a waiter is not failed by another caller aborting the shared ping', async () => {
    fake.script = (r) => (r.path === '/_ping' ? { delayMs: 150 } : undefined);
    const p = pipeline([versionNegotiation()]);
    const first = new AbortController();
    const a = p.send(info({ signal: first.signal }));
    const b = p.send(info());
    setTimeout(() => first.abort(), 30);
    await expect(a).rejects.toBeInstanceOf(AbortError);
    const res = await b;
    expect(res.request.path).toBe('/v1.41/info');
    expect(fake.requestsTo('/_ping')).toHaveLength(2); // the aborted one, then the waiter's own
  });

  it('a waiter is not failed by the deadline of the caller that started the shared ping', async () => {
    fake.script = (r) => (r.path === '/_ping' && r.index === 0 ? { hang: true } : undefined);
    const p = pipeline([versionNegotiation()]);
    const a = p.send(info({ deadline: new Deadline(100, 'SystemInfo') }));
    const b = p.send(info({ deadline: new Deadline(5000, 'SystemInfo') }));
    await expect(a).rejects.toThrow('SystemInfo timed out after 100 ms');
    const res = await b;
    expect(res.request.path).toBe('/v1.41/info');
    expect(fake.requestsTo('/_ping')).toHaveLength(2); // the timed-out one, then the waiter's own
  });

  it('a waiter stops waiting for the shared ping when its own deadline passes', async () => {
    fake.script = (r) => (r.path === '/_ping' ? { delayMs: 400 } : undefined);
    const settled: string[] = [];
    const pingSeen: Middleware = (r, next) =>
      next(r).then((res) => {
        if (r.operation === 'SystemPing') settled.push('ping answered');
        return res;
      });
    const p = pipeline([versionNegotiation(), pingSeen]);
    const a = p.send(info());
    const b = p.send(info({ deadline: new Deadline(100, 'SystemInfo') })).catch((err: unknown) => (settled.push('waiter gave up'), err));
    expect(await b).toMatchObject({ message: 'SystemInfo timed out after 100 ms' });
    await expect(a).resolves.toMatchObject({ statusCode: 200 });
    // The waiter gave up while the ping was still out, not once it came back.
    expect(settled).toEqual(['waiter gave up', 'ping answered']);
  });

  it('calls onVersion once, and a throwing onVersion does not break the call', async () => {
    const seen: unknown[] = [];
    const vn = versionNegotiation({
      onVersion: (v) => {
        seen.push(v);
        throw new Error('boom');
      },
    });
    const p = pipeline([vn]);
    await p.send(info());
    await p.send(info());
    expect(seen).toEqual([{ version: '1.41', serverVersion: '1.41', pinned: false }]);
  });

  it('validates its options', () => {
    expect(() => versionNegotiation({ minVersion: '1.x' })).toThrow(InvalidParameterError);
    expect(() => versionNegotiation({ minVersion: '1.45', maxVersion: '1.41' })).toThrow(/above maxVersion/);
    expect(() => versionNegotiation({ version: 'v1.41' })).toThrow(InvalidParameterError);
  });
});

