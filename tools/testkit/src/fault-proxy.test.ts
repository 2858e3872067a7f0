// The fault proxy's own mechanics, in front of the scripted fake daemon (whose answers'
// framing can be chosen: Content-Length, chunked, none): relaying untouched, striking only
// matching exchanges and only `times` of them, rewriting framing for a truncation, and
// refusing for real (nothing listening). The fault matrix uses it in front of the real
// dockerd (src/reliability/fault-matrix.integration.test.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionError, ProtocolError, ServerError, createPipeline, type DockerRequest, type Pipeline } from '@dockline/core';
import { startFakeDaemon, type FakeDaemon } from './fake-daemon.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { httpFault, type HttpFaultSpec } from './http-faults.js';

const get = (path: string, response: DockerRequest['response'] = 'json', method: DockerRequest['method'] = 'GET'): DockerRequest => ({
  operation: 'Test',
  method,
  path,
  route: path,
  response,
  idempotent: true,
  longRunning: false,
});

async function text(p: Pipeline, req: DockerRequest): Promise<string> {
  const res = await p.send(req);
  if (!res.stream) return JSON.stringify(res.body ?? null);
  let out = '';
  for await (const c of res.stream) out += String(c);
  return out;
}

describe('fault proxy', () => {
  let fake: FakeDaemon | undefined;
  let proxy: FaultProxy | undefined;
  let p: Pipeline | undefined;
  afterEach(async () => {
    await p?.close();
    await proxy?.close();
    await fake?.close();
    p = proxy = fake = undefined;
  });

  async function setup(spec: () => HttpFaultSpec | undefined, listen: 'unix' | 'tcp' = 'unix'): Promise<{ fake: FakeDaemon; proxy: FaultProxy; p: Pipeline }> {
    fake = await startFakeDaemon({
      script: (req) => {
        if (req.path === '/length') return { body: { hello: 'length', n: 42 } };
        if (req.path === '/chunked') return { chunks: ['{"hello":', '"chunked",', '"n":7}'], chunkDelayMs: 1 };
        if (req.path === '/empty') return { status: 204 };
        if (req.path === '/lines') return { chunks: ['{"a":1}\n{"b"', ':2}\n', '{"c":3}\n'], chunkDelayMs: 1 };
        return undefined;
      },
    });
    proxy = await startFaultProxy({ target: fake.socketPath, listen, plan: () => httpFault(spec) });
    p = createPipeline({ transport: proxy.transport() });
    return { fake, proxy, p };
  }

  it('relays Content-Length, chunked, 204, HEAD and streamed answers untouched, on kept-alive connections', async () => {
    const { p, proxy } = await setup(() => undefined);
    for (let i = 0; i < 2; i++) {
      expect(await text(p, get('/length'))).toBe('{"hello":"length","n":42}');
      expect(await text(p, get('/chunked'))).toBe('{"hello":"chunked","n":7}');
      expect((await p.send(get('/empty', 'empty'))).statusCode).toBe(204);
      expect((await p.send(get('/_ping', 'empty', 'HEAD'))).statusCode).toBe(200);
      expect(await text(p, get('/lines', 'stream'))).toBe('{"a":1}\n{"b":2}\n{"c":3}\n');
    }
    // undici may spread sequential requests over a few pooled connections; some carry several.
    expect(proxy.requests).toHaveLength(10);
    expect(proxy.connections.length).toBeLessThan(proxy.requests.length);
    expect(proxy.faults).toEqual([]);
  });

  it('strikes only the matching exchange, and only `times` of them; records each strike', async () => {
    const spec: HttpFaultSpec = { action: { kind: 'reset-mid-body', cut: 'half' }, match: '/chunked', times: 1 };
    const { p, proxy } = await setup(() => spec);
    expect(await text(p, get('/length'))).toBe('{"hello":"length","n":42}');
    await expect(text(p, get('/chunked'))).rejects.toBeInstanceOf(ConnectionError);
    expect(await text(p, get('/chunked'))).toBe('{"hello":"chunked","n":7}');
    expect(proxy.faults).toEqual([
      expect.objectContaining({ action: 'reset-mid-body', status: 200, request: expect.objectContaining({ method: 'GET', url: '/chunked' }) }),
    ]);
  });

  it('truncates a Content-Length body behind a rewritten length and Connection: close (the HTTP layer sees a complete answer)', async () => {
    const { p, proxy } = await setup(() => ({ action: { kind: 'truncate' }, match: '/length' }));
    const err = await text(p, get('/length')).catch((e: unknown) => e);
    // Not a connection error: the body was complete as far as HTTP goes, and is not JSON.
    expect(err).toBeInstanceOf(ProtocolError);
    expect(proxy.faults[0]?.payloadBytes).toBe(Math.floor('{"hello":"length","n":42}'.length / 2));
  });

  it('cuts an NDJSON stream one byte into a line, behind a clean chunked end', async () => {
    const { p } = await setup(() => ({ action: { kind: 'truncate', cut: { kind: 'mid-line', skip: 1 } }, match: '/lines' }));
    expect(await text(p, get('/lines', 'stream'))).toBe('{"a":1}\n{');
  });

  it('serves a 10 MiB error body with backpressure: the client reads 1 MiB and hangs up; nothing hangs', async () => {
    const { p, proxy } = await setup(() => ({ action: { kind: 'error-body' }, match: '/length' }));
    const err = await text(p, get('/length')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect((err as Error).message).toMatch(/truncated at 1 MiB/);
    // The struck connection is closed (the proxy stopped sending when the client hung up).
    const struck = proxy.connections[proxy.faults[0]!.connection]!;
    for (let i = 0; i < 100 && !struck.closed; i++) await new Promise((r) => setTimeout(r, 10));
    expect(struck.closed).toBe(true);
  });

  it('stopListening refuses for real (nothing listens: ENOENT on a unix socket, ECONNREFUSED on TCP); startListening serves again', async () => {
    for (const listen of ['unix', 'tcp'] as const) {
      const { p, proxy, fake } = await setup(() => undefined, listen);
      await proxy.stopListening();
      const err = await p.send(get('/length')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectionError);
      expect((err as ConnectionError).connectFailed).toBe(true);
      expect((err as Error).message).toMatch(listen === 'unix' ? /ENOENT/ : /ECONNREFUSED/);
      await proxy.startListening();
      expect(await text(p, get('/length'))).toBe('{"hello":"length","n":42}');
      expect(fake.requestsTo('/length')).toHaveLength(1);
      await p.close();
      await proxy.close();
      await fake.close();
    }
    p = proxy = fake = undefined;
  });
});
