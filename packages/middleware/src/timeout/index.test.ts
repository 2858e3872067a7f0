import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AbortError, createPipeline, Deadline, TimeoutError, type DockerRequest, type Middleware, type Pipeline, InvalidParameterError } from '@dockline/core';
import { startFakeDaemon, type FakeDaemon } from '@dockline/tool-testkit';
import { timeout } from './index.js';

function inspect(extra: Partial<DockerRequest> = {}): DockerRequest {
  return {
    operation: 'ContainerInspect',
    method: 'GET',
    path: '/containers/abc/json',
    route: '/containers/{id}/json',
    response: 'json',
    idempotent: true,
    longRunning: false,
    ...extra,
  };
}

function logs(extra: Partial<DockerRequest> = {}): DockerRequest {
  return {
    operation: 'ContainerLogs',
    method: 'GET',
    path: '/containers/abc/logs',
    route: '/containers/{id}/logs',
    response: 'stream',
    idempotent: true,
    longRunning: true,
    ...extra,
  };
}

/** Loose bounds only: timers are late under load, never early by more than a tick. */
function expectElapsed(started: number, limitMs: number): void {
  const elapsed = performance.now() - started;
  expect(elapsed).toBeGreaterThanOrEqual(limitMs - 5);
  expect(elapsed).toBeLessThan(limitMs + 2000);
}

describe('timeout', () => {
  let fake: FakeDaemon;
  const pipelines: Pipeline[] = [];
  const start = (middleware: Middleware[], connections = 1) => {
    // One connection: a call that leaked its socket would block every later call.
    const pipeline = createPipeline({ transport: fake.transport(), middleware, connections });
    pipelines.push(pipeline);
    return pipeline;
  };
  beforeEach(async () => {
    fake = await startFakeDaemon();
  });
  afterEach(async () => {
    await Promise.all(pipelines.splice(0).map((p) => p.close()));
    await fake.close();
  });

  it('rejects with a TimeoutError naming the operation and the limit when the head never comes, and frees the connection', async () => {
    fake.script = (r) => (r.index === 0 ? { hang: true } : { body: { Id: 'abc' } });
    const p = start([timeout({ defaultMs: 300 })]);
    const t0 = performance.now();
    const err = await p.send(inspect()).catch((e: unknown) => e);
    expectElapsed(t0, 300);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).message).toBe('ContainerInspect timed out after 300 ms');
    expect((err as TimeoutError).timeoutMs).toBe(300);
    expect((err as TimeoutError).operation).toBe('ContainerInspect');
    // The daemon sees the hung request's connection closed...
    await fake.requests[0]!.socketClosed;
    // ...and with a single pooled connection, the next call still gets through.
    const res = await p.send(inspect());
    expect(res.body).toEqual({ Id: 'abc' });
  });

  it('gives long-running requests no default deadline', async () => {
    fake.script = () => ({ delayMs: 500, body: { StatusCode: 0 } });
    const p = start([timeout({ defaultMs: 200 })]);
    const res = await p.send(inspect({ operation: 'ContainerWait', path: '/containers/abc/wait', route: '/containers/{id}/wait', method: 'POST', longRunning: true }));
    expect(res.body).toEqual({ StatusCode: 0 });
  });

  it('lets a per-call timeoutMs win over the default, both ways, and apply to a long-running call', async () => {
    fake.script = (r) => (r.url.includes('hang') ? { hang: true } : { delayMs: 400, body: {} });
    const p = start([timeout({ defaultMs: 10_000 })], 4);
    const t0 = performance.now();
    await expect(p.send(inspect({ path: '/containers/hang/json', timeoutMs: 250 }))).rejects.toThrow('ContainerInspect timed out after 250 ms');
    expectElapsed(t0, 250);
    await expect(p.send(inspect({ path: '/containers/hang/json', longRunning: true, timeoutMs: 100 }))).rejects.toBeInstanceOf(TimeoutError);

    const short = start([timeout({ defaultMs: 100 })], 4);
    await expect(short.send(inspect({ timeoutMs: 2000 }))).resolves.toMatchObject({ statusCode: 200 });
    await expect(short.send(inspect({ timeoutMs: 0 }))).resolves.toMatchObject({ statusCode: 200 }); // 0: no deadline
  });

  it('rejects with an AbortError (not a TimeoutError) when the caller aborts, and frees the connection', async () => {
    fake.script = (r) => (r.index === 0 ? { hang: true } : undefined);
    const p = start([timeout({ defaultMs: 10_000 })]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const err = await p.send(inspect({ signal: controller.signal })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect(err).not.toBeInstanceOf(TimeoutError);
    await fake.requests[0]!.socketClosed;
    await expect(p.send(inspect())).resolves.toMatchObject({ statusCode: 200 });
  });

  it('adds graceMs to the default (a stop grace period); Infinity lifts it; timeoutMs still wins', async () => {
    fake.script = () => ({ hang: true });
    const p = start([timeout({ defaultMs: 100 })], 4);
    const stop = (extra: Partial<DockerRequest>) => inspect({ operation: 'ContainerStop', method: 'POST', response: 'empty', idempotent: false, ...extra });
    const err = await p.send(stop({ graceMs: 150 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toBe('ContainerStop timed out after 250 ms');
    const own = await p.send(stop({ graceMs: 150, timeoutMs: 50 })).catch((e: unknown) => e);
    expect((own as Error).message).toBe('ContainerStop timed out after 50 ms');
    const controller = new AbortController();
    const forever = p.send(stop({ graceMs: Infinity, signal: controller.signal })).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    controller.abort();
    expect(await forever).toBeInstanceOf(AbortError);
    await expect(p.send(stop({ graceMs: -1 }))).rejects.toBeInstanceOf(InvalidParameterError);
  });

  it('rejects at once, without sending, when the caller signal is already aborted', async () => {
    const p = start([timeout({ defaultMs: 10_000 })]);
    await expect(p.send(inspect({ signal: AbortSignal.abort() }))).rejects.toBeInstanceOf(AbortError);
    expect(fake.requests).toHaveLength(0);
  });

  it('covers a finite stream whole: a body that outlasts the deadline ends with the TimeoutError', async () => {
    fake.script = () => ({ chunks: ['a', 'b', 'c', 'd'], chunkDelayMs: 150 });
    const p = start([timeout({ defaultMs: 200 })]);
    const res = await p.send(logs({ longRunning: false }));
    let text = '';
    const err = await (async () => {
      for await (const chunk of res.stream!) text += String(chunk);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(text.length).toBeLessThan(4);
  });

  it('gives a long-running stream no deadline: a body that outlasts the default is read whole', async () => {
    fake.script = () => ({ chunks: ['a', 'b', 'c', 'd'], chunkDelayMs: 150 });
    const p = start([timeout({ defaultMs: 200 })]);
    const res = await p.send(logs({ longRunning: true }));
    let text = '';
    for await (const chunk of res.stream!) text += String(chunk);
    expect(text).toBe('abcd');
  });

  it('aborting the caller signal mid-stream ends the stream with an AbortError and frees the connection', async () => {
    fake.script = (r) => (r.index === 0 ? { chunks: ['first'], after: 'open' } : undefined);
    const p = start([timeout({ defaultMs: 200 })]);
    const controller = new AbortController();
    // Long-running (no deadline): the caller's signal alone ends the body.
    const res = await p.send(logs({ longRunning: true, signal: controller.signal }));
    const it = res.stream![Symbol.asyncIterator]();
    expect(String((await it.next()).value)).toBe('first');
    await new Promise((r) => setTimeout(r, 300)); // past the default: no deadline fires on a long-running body
    controller.abort();
    const err = await it.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    await fake.requests[0]!.socketClosed;
    await expect(p.send(inspect())).resolves.toMatchObject({ statusCode: 200 });
  });

  it('leaves no timer behind after calls settle', async () => {
    const p = start([timeout({ defaultMs: 600_000 })], 4);
    await p.send(inspect()); // warm the pool (undici keeps its own timers)
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    for (let i = 0; i < 20; i++) await p.send(inspect());
    fake.script = () => ({ status: 404, body: { message: 'no such container' } });
    for (let i = 0; i < 20; i++) await p.send(inspect()).catch(() => undefined);
    expect(timers() - before).toBeLessThanOrEqual(1);
  });

  it('bounds a JSON body that stalls after the head, not only the head', async () => {
    fake.script = (r) => (r.index === 0 ? { chunks: ['{"Id":'], after: 'open' } : { body: { Id: 'abc' } });
    const p = start([timeout({ defaultMs: 250 })]);
    const t0 = performance.now();
    await expect(p.send(inspect())).rejects.toThrow('ContainerInspect timed out after 250 ms');
    expectElapsed(t0, 250);
    await fake.requests[0]!.socketClosed;
    await expect(p.send(inspect())).resolves.toMatchObject({ body: { Id: 'abc' } });
  });

  it('times out a call still waiting for a pooled connection, which is then never sent', async () => {
    fake.script = (r) => (r.index === 0 ? { hang: true } : { body: {} });
    const p = start([timeout({ defaultMs: 10_000 })]); // one connection
    const blocker = new AbortController();
    const first = p.send(inspect({ longRunning: true, signal: blocker.signal })).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50)); // the first request holds the only connection
    const t0 = performance.now();
    await expect(p.send(inspect({ timeoutMs: 200 }))).rejects.toThrow('ContainerInspect timed out after 200 ms');
    expectElapsed(t0, 200);
    blocker.abort();
    expect(await first).toBeInstanceOf(AbortError);
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.requests).toHaveLength(1); // the timed-out call never reached the daemon
  });

  it('an outer deadline that passes first wins over an inner, longer one', async () => {
    fake.script = () => ({ hang: true });
    const p = start([timeout({ defaultMs: 200 }), timeout({ defaultMs: 10_000 })]);
    await expect(p.send(inspect())).rejects.toThrow('ContainerInspect timed out after 200 ms');
  });

  it('hands the deadline down as req.deadline, with the limit and the time left', async () => {
    let seen: DockerRequest | undefined;
    const spy: Middleware = (r, next) => ((seen = r), next(r));
    const p = start([timeout({ defaultMs: 5000 }), spy]);
    await p.send(inspect());
    expect(seen?.deadline).toBeInstanceOf(Deadline);
    expect(seen!.deadline!.ms).toBe(5000);
    expect(seen!.deadline!.remaining()).toBeGreaterThan(0);
    expect(seen!.deadline!.remaining()).toBeLessThanOrEqual(5000);
    await p.send(inspect({ longRunning: true }));
    expect(seen?.deadline).toBeUndefined();
  });

  it('validates its options', () => {
    expect(() => timeout({ defaultMs: -1 })).toThrow(InvalidParameterError);
    expect(() => timeout({ defaultMs: Number.NaN })).toThrow(InvalidParameterError);
  });
});
