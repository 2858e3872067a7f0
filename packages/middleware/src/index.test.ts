import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPipeline, TimeoutError, UnavailableError, type DockerRequest, type Pipeline } from '@dockline/core';
import { startFakeDaemon, type FakeDaemon } from '@dockline/tool-testkit';
import * as api from './index.js';
import { defaultMiddleware, tracing, versionNegotiation } from './index.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

const info: DockerRequest = { operation: 'SystemInfo', method: 'GET', path: '/info', route: '/info', response: 'json', idempotent: true, longRunning: false };

describe('@dockline/middleware', () => {
  it('exports the four factories and defaultMiddleware', () => {
    for (const name of ['tracing', 'timeout', 'retry', 'versionNegotiation', 'defaultMiddleware', 'isRetryableError'] as const) {
      expect(typeof api[name]).toBe('function');
    }
  });

  it('reports the version in package.json as its tracer/meter version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
    expect(PACKAGE_NAME).toBe(pkg.name);
    expect(PACKAGE_VERSION).toBe(pkg.version);
  });

  it('names each middleware (compose() errors name the layer)', () => {
    const t = tracing();
    expect(defaultMiddleware({ tracing: t }).map((m) => m.name)).toEqual([
      'tracingMiddleware',
      'timeoutMiddleware',
      'retryMiddleware',
      'versionNegotiationMiddleware',
      'tracingAttemptMiddleware',
    ]);
  });

  it('leaves out what is set to false and uses instances it is given', () => {
    const vn = versionNegotiation({ version: '1.41' });
    const chain = defaultMiddleware({ tracing: false, retry: false, versionNegotiation: vn });
    expect(chain).toHaveLength(2);
    expect(chain[1]).toBe(vn);
  });

  describe('the default chain against a fake daemon', () => {
    let fake: FakeDaemon;
    let pipeline: Pipeline;
    beforeEach(async () => {
      fake = await startFakeDaemon();
    });
    afterEach(async () => {
      await pipeline.close();
      await fake.close();
    });

    it('retries the version ping like any request, inside one deadline', async () => {
      let pings = 0;
      // The first ping fails both ways (HEAD, then the GET fallback) with 503: retry resends the call.
      fake.script = (r) => (r.path === '/_ping' && pings++ < 2 ? { status: 503, body: { message: 'starting' } } : undefined);
      const vn = versionNegotiation();
      pipeline = createPipeline({ transport: fake.transport(), middleware: defaultMiddleware({ versionNegotiation: vn, retry: { baseMs: 1 } }) });
      const res = await pipeline.send(info);
      expect(res.request.path).toBe('/v1.41/info');
      expect(vn.version()).toBe('1.41');
      expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['HEAD /_ping', 'GET /_ping', 'HEAD /_ping', 'GET /v1.41/info']);
    });

    it('one deadline covers the call and all its retries', async () => {
      fake.script = (r) => (r.path.endsWith('/info') ? { status: 503, delayMs: 120, body: { message: 'busy' } } : undefined);
      pipeline = createPipeline({
        transport: fake.transport(),
        middleware: defaultMiddleware({ timeout: { defaultMs: 300 }, retry: { attempts: 10, baseMs: 1, maxMs: 1 } }),
      });
      const err = await pipeline.send(info).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect(err).not.toBeInstanceOf(UnavailableError);
      expect(fake.requestsTo('/info').length).toBeGreaterThanOrEqual(2);
      expect(fake.requestsTo('/info').length).toBeLessThan(10);
    });
  });
});
