import { describe, expect, it, afterAll, beforeAll } from 'vitest';
import { AbortError, ConnectionError, DockerError } from '../errors.js';
import { createPipeline, type Pipeline } from '../pipeline.js';
import type { Transport } from '../transport.js';
import { Writable } from 'node:stream';
import { demuxStream, StdcopyDemuxer } from '../codecs/stdcopy.js';
import { call, catRoundTrip, createContainer, readAll, removeContainer } from './raw.js';

export interface TransportConformanceOptions {
  /** Shown in the describe() title. */
  name: string;
  /** A transport to a live daemon. Called once; closed by the suite. */
  createTransport: () => Transport | Promise<Transport>;
  /** A transport to an endpoint where no daemon listens (a missing socket, a closed port). */
  createDeadTransport: () => Transport | Promise<Transport>;
  /** A local image that has `sh`, `cat`, `echo` and `sleep` (busybox is enough). Default 'busybox:local'. */
  image?: string;
  /** Per-test timeout. Default 30 s. */
  testTimeoutMs?: number;
}

/**
 * The transport conformance suite: call it from a vitest file of your own with a
 * transport to a live daemon; it registers a describe() block of tests every dockline
 * transport must pass. See docs/transports.md.
 *
 * @example
 * import { transportConformanceSuite } from '@dockline/core/testing';
 * transportConformanceSuite({
 *   name: 'my transport',
 *   createTransport: () => myTransport({ ... }),
 *   createDeadTransport: () => myTransport({ ...nowhere }),
 * });
 */
export function transportConformanceSuite(options: TransportConformanceOptions): void {
  const image = options.image ?? 'busybox:local';
  const timeout = options.testTimeoutMs ?? 30_000;

  describe(`transport conformance: ${options.name}`, { timeout }, () => {
    let transport: Transport;
    let pipeline: Pipeline;
    const containers: string[] = [];

    beforeAll(async () => {
      transport = await options.createTransport();
      pipeline = createPipeline({ transport, connections: 8 });
    });
    afterAll(async () => {
      for (const id of containers) await removeContainer(pipeline, id);
      await pipeline?.close();
    });

    it('describes itself', () => {
      expect(typeof transport.kind).toBe('string');
      expect(transport.kind.length).toBeGreaterThan(0);
      expect(typeof transport.endpoint).toBe('string');
      expect(transport.endpoint).not.toMatch(/:[^/@:]+@/); // no password in the endpoint
    });

    it('pings', async () => {
      const res = await call(pipeline, 'SystemPing', 'GET', '/_ping', 'stream');
      const body = await readAll(res.stream!);
      expect(res.statusCode).toBe(200);
      expect(body.toString()).toBe('OK');
      expect(res.headers['api-version']).toMatch(/^\d+\.\d+$/);
    });

    it('sends a JSON request and parses a JSON response', async () => {
      const res = await call(pipeline, 'SystemVersion', 'GET', '/version', 'json');
      const v = res.body as { ApiVersion: string; Version: string };
      expect(v.ApiVersion).toMatch(/^\d+\.\d+$/);
      expect(typeof v.Version).toBe('string');
      // A JSON body goes out too: filters are JSON-encoded in the query, the create body as JSON.
      const id = await createContainer(pipeline, image, ['true'], { Labels: { 'dockline.test': 'conformance', probe: 'json' } });
      containers.push(id);
      const inspect = await call(pipeline, 'ContainerInspect', 'GET', `/containers/${id}/json`, 'json');
      expect((inspect.body as { Config: { Labels: Record<string, string> } }).Config.Labels.probe).toBe('json');
    });

    it('maps a daemon error to its class with the daemon message', async () => {
      const err = await call(pipeline, 'ContainerInspect', 'GET', '/containers/dockline-no-such-container/json', 'json').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DockerError);
      expect((err as DockerError).statusCode).toBe(404);
      expect((err as DockerError).message).toMatch(/no such container/i);
    });

    it('streams a response body (logs of 5000 lines)', async () => {
      const id = await createContainer(pipeline, image, ['sh', '-c', 'i=0; while [ $i -lt 5000 ]; do echo line-$i; i=$((i+1)); done']);
      containers.push(id);
      await call(pipeline, 'ContainerStart', 'POST', `/containers/${id}/start`, 'empty');
      await call(pipeline, 'ContainerWait', 'POST', `/containers/${id}/wait`, 'json');
      const res = await call(pipeline, 'ContainerLogs', 'GET', `/containers/${id}/logs`, 'stream', { query: { stdout: true, stderr: true } });
      const out: Buffer[] = [];
      const demux = new StdcopyDemuxer((stream, chunk) => {
        if (stream === 1) out.push(Buffer.from(chunk));
      });
      for await (const chunk of res.stream!) demux.push(chunk as Buffer);
      demux.end();
      const lines = Buffer.concat(out).toString().trim().split('\n');
      expect(lines.length).toBe(5000);
      expect(lines[4999]).toBe('line-4999');
    });

    it('streams every line in order to a consumer that holds back (the connection pauses and resumes)', async () => {
      const id = await createContainer(pipeline, image, ['sh', '-c', 'i=0; while [ $i -lt 20000 ]; do echo line-$i; i=$((i+1)); done']);
      containers.push(id);
      await call(pipeline, 'ContainerStart', 'POST', `/containers/${id}/start`, 'empty');
      await call(pipeline, 'ContainerWait', 'POST', `/containers/${id}/wait`, 'json');
      const res = await call(pipeline, 'ContainerLogs', 'GET', `/containers/${id}/logs`, 'stream', { query: { stdout: true } });
      const out: Buffer[] = [];
      let writes = 0;
      // A small buffer, and every 50th write finishes a turn later: the read stops and goes on many times.
      const slow = new Writable({
        highWaterMark: 1024,
        write(chunk: Buffer, _enc, cb) {
          out.push(chunk);
          if (++writes % 50 === 0) setImmediate(cb);
          else cb();
        },
      });
      await demuxStream(res.stream!, { stdout: slow, stderr: null });
      const lines = Buffer.concat(out).toString().trim().split('\n');
      expect(lines.length).toBe(20000);
      expect(lines.every((l, i) => l === `line-${i}`)).toBe(true);
    });

    it('hijacks a connection: stdin through cat comes back byte-exact after half-close', async () => {
      const id = await createContainer(pipeline, image, ['sleep', '60']);
      containers.push(id);
      await call(pipeline, 'ContainerStart', 'POST', `/containers/${id}/start`, 'empty');
      const { sent, received, execId } = await catRoundTrip(pipeline, id, 256 * 1024);
      expect(received.equals(sent)).toBe(true);
      const inspect = await call(pipeline, 'ExecInspect', 'GET', `/exec/${execId}/json`, 'json');
      expect((inspect.body as { ExitCode: number }).ExitCode).toBe(0);
    });

    it('serves concurrent requests', async () => {
      const results = await Promise.all(
        Array.from({ length: 32 }, (_, i) =>
          i % 2 === 0
            ? call(pipeline, 'SystemPing', 'GET', '/_ping', 'empty').then((r) => r.statusCode)
            : call(pipeline, 'SystemVersion', 'GET', '/version', 'json').then((r) => ((r.body as { ApiVersion?: string }).ApiVersion ? 200 : 0)),
        ),
      );
      expect(results).toEqual(Array.from({ length: 32 }, () => 200));
    });

    it('aborts mid-stream and stays usable', async () => {
      const id = await createContainer(pipeline, image, ['sh', '-c', 'while true; do echo tick; sleep 0.05; done']);
      containers.push(id);
      await call(pipeline, 'ContainerStart', 'POST', `/containers/${id}/start`, 'empty');
      const ac = new AbortController();
      const res = await call(pipeline, 'ContainerLogs', 'GET', `/containers/${id}/logs`, 'stream', {
        query: { stdout: true, follow: true },
        signal: ac.signal,
      });
      let chunks = 0;
      const err = await (async () => {
        for await (const _chunk of res.stream!) {
          chunks++;
          if (chunks === 2) ac.abort();
        }
      })().catch((e: unknown) => e);
      expect(chunks).toBeGreaterThanOrEqual(2);
      expect(err).toBeInstanceOf(AbortError);
      expect((err as Error).name).toBe('AbortError');
      const again = await call(pipeline, 'SystemPing', 'GET', '/_ping', 'empty');
      expect(again.statusCode).toBe(200);
    });

    it('fails to reach a dead endpoint with a ConnectionError naming it', async () => {
      const dead = await options.createDeadTransport();
      const p = createPipeline({ transport: dead });
      const started = Date.now();
      try {
        const err = await call(p, 'SystemPing', 'GET', '/_ping', 'empty').catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ConnectionError);
        expect((err as ConnectionError).connectFailed).toBe(true);
        expect((err as Error).message).toContain(dead.endpoint);
        expect(Date.now() - started).toBeLessThan(timeout);
      } finally {
        await p.close();
      }
    });
  });
}
