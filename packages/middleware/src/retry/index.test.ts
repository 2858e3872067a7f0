import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ConnectionError,
  createPipeline,
  NotFoundError,
  TimeoutError,
  UnavailableError,
  type Handler,
  type Middleware,
  type Pipeline,
  type Transport,
  InvalidParameterError,
} from '@dockline/core';
import {
  refusingConnects,
  startFakeDaemon,
  type FakeDaemon,
} from '@dockline/tool-testkit';
import { timeout } from '../timeout/index.js';
import { isRetryableError, retry } from './index.js';
import { get, create, attemptsSpy } from '../../test/retry-fixture.js';

describe('retry (fake daemon)', () => {
  let fake: FakeDaemon;
  const pipelines: Pipeline[] = [];
  const pipeline = (middleware: Middleware[], transport: Transport = fake.transport()) => {
    const p = createPipeline({ transport, middleware });
    pipelines.push(p);
    return p;
  };
  beforeEach(async () => {
    fake = await startFakeDaemon();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await Promise.all(pipelines.splice(0).map((p) => p.close()));
    await fake.close();
  });

  it('retries an idempotent call whose connect was refused, after a backoff', async () => {
    const transport = refusingConnects(fake.transport(), 1);
    const spy = attemptsSpy();
    const res = await pipeline([retry({ baseMs: 20 }), spy], transport).send(get());
    expect(res.statusCode).toBe(200);
    expect(transport.attempts()).toBe(2);
    expect(spy.attempts).toEqual([0, 1]);
    expect(fake.requestsTo('/info')).toHaveLength(1);
  });

  it('without retry the refused connect is a ConnectionError with connectFailed', async () => {
    const err = await pipeline([], refusingConnects(fake.transport(), 1)).send(get()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).connectFailed).toBe(true);
  });

  it('retries a non-idempotent call whose connect failed (it provably never reached the daemon)', async () => {
    fake.script = (r) => (r.path === '/containers/create' ? { status: 201, body: { Id: 'c1', Warnings: [] } } : undefined);
    const transport = refusingConnects(fake.transport(), 2);
    const res = await pipeline([retry({ baseMs: 5 })], transport).send(create('x'));
    expect(res.body).toEqual({ Id: 'c1', Warnings: [] });
    expect(transport.attempts()).toBe(3);
    expect(fake.requestsTo('/containers/create')).toHaveLength(1);
  });

  it('does not retry a non-idempotent call whose connection broke after it was sent', async () => {
    fake.script = () => ({ reset: true });
    const err = await pipeline([retry({ baseMs: 1 })]).send(create('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).connectFailed).toBe(false);
    expect(fake.requestsTo('/containers/create')).toHaveLength(1);
  });

  it('retries 503 and gives up after `attempts`, setting req.attempt on each resend', async () => {
    fake.script = () => ({ status: 503, body: { message: 'try later' } });
    const spy = attemptsSpy();
    const err = await pipeline([retry({ attempts: 3, baseMs: 5 }), spy]).send(get()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as UnavailableError).statusCode).toBe(503);
    expect(fake.requestsTo('/info')).toHaveLength(3);
    expect(spy.attempts).toEqual([0, 1, 2]);
  });

  it('retries 429 until it succeeds', async () => {
    fake.script = (r) => (r.index < 2 ? { status: 429, body: { message: 'slow down' } } : { body: { ok: 1 } });
    const res = await pipeline([retry({ attempts: 3, baseMs: 5 })]).send(get());
    expect(res.body).toEqual({ ok: 1 });
    expect(fake.requestsTo('/info')).toHaveLength(3);
  });

  it('does not retry errors that are not transient (404), nor a non-idempotent 503', async () => {
    fake.script = (r) => (r.method === 'GET' ? { status: 404, body: { message: 'no such thing' } } : { status: 503, body: { message: 'busy' } });
    await expect(pipeline([retry({ baseMs: 1 })]).send(get())).rejects.toBeInstanceOf(NotFoundError);
    await expect(pipeline([retry({ baseMs: 1 })]).send(create('x'))).rejects.toBeInstanceOf(UnavailableError);
    expect(fake.requests).toHaveLength(2);
  });

  it('retryOn narrows or widens what an idempotent call retries, never what a non-idempotent one does', async () => {
    fake.script = () => ({ status: 404, body: { message: 'not yet' } });
    const retryOn = vi.fn((err: unknown) => err instanceof NotFoundError);
    await expect(pipeline([retry({ attempts: 2, baseMs: 1, retryOn })]).send(get())).rejects.toBeInstanceOf(NotFoundError);
    expect(fake.requests).toHaveLength(2);
    expect(retryOn).toHaveBeenCalledTimes(1);
    await expect(pipeline([retry({ attempts: 2, baseMs: 1, retryOn: () => true })]).send(create('x'))).rejects.toBeInstanceOf(NotFoundError);
    expect(fake.requests).toHaveLength(3);
    expect(isRetryableError(new UnavailableError('x'))).toBe(true);
  });

  it('never sleeps past the deadline: a long backoff ends with the TimeoutError at the deadline', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5); // every backoff = half its cap: 5 s here
    fake.script = () => ({ status: 503, body: { message: 'busy' } });
    const t0 = performance.now();
    const err = await pipeline([timeout({ defaultMs: 300 }), retry({ attempts: 5, baseMs: 10_000, maxMs: 10_000 })])
      .send(get())
      .catch((e: unknown) => e);
    const elapsed = performance.now() - t0;
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toBe('SystemInfo timed out after 300 ms');
    expect(elapsed).toBeGreaterThanOrEqual(295);
    expect(elapsed).toBeLessThan(2300);
    expect(fake.requests).toHaveLength(1);
  });

  it('uses full-jitter exponential backoff capped at maxMs', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    const sleeps: number[] = [];
    const realSetTimeout = globalThis.setTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      sleeps.push(ms ?? 0);
      return realSetTimeout(fn, 0);
    }) as typeof setTimeout);
    const failing: Handler = () => Promise.reject(new UnavailableError('busy', { statusCode: 503 }));
    const mw = retry({ attempts: 5, baseMs: 100, maxMs: 500 });
    await expect(mw(get(), failing)).rejects.toBeInstanceOf(UnavailableError);
    expect(sleeps.map((ms) => Math.round(ms))).toEqual([100, 200, 400, 500]);
  });

  it('never retries a stream whose bytes reached the caller: a reset mid-body errors the stream, one request', async () => {
    fake.script = () => ({ chunks: ['line 1\n', 'line 2\n'], after: 'reset' });
    const res = await pipeline([retry({ baseMs: 1 })]).send(get({ operation: 'ContainerLogs', path: '/containers/abc/logs', route: '/containers/{id}/logs', response: 'stream', longRunning: true }));
    let text = '';
    const err = await (async () => {
      for await (const chunk of res.stream!) text += String(chunk);
    })().catch((e: unknown) => e);
    expect(text).toBe('line 1\nline 2\n');
    expect(err).toBeInstanceOf(ConnectionError);
    expect(fake.requests).toHaveLength(1);
  });

  it('does not resend a streamed request body', async () => {
    fake.script = () => ({ reset: true });
    const body = Readable.from([Buffer.from('tar bytes')]);
    await expect(
      pipeline([retry({ baseMs: 1 })]).send(get({ operation: 'PutContainerArchive', method: 'PUT', path: '/containers/abc/archive', route: '/containers/{id}/archive', body })),
    ).rejects.toBeInstanceOf(ConnectionError);
    expect(fake.requests).toHaveLength(1);
  });

  it('validates its options', () => {
    expect(() => retry({ attempts: 0 })).toThrow(InvalidParameterError);
    expect(() => retry({ attempts: 1.5 })).toThrow(InvalidParameterError);
    expect(() => retry({ baseMs: -1 })).toThrow(InvalidParameterError);
    expect(() => retry({ maxMs: Infinity })).toThrow(InvalidParameterError);
  });
});

