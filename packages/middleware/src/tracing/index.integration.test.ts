import { afterEach, beforeEach, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { createPipeline, NotFoundError, type DockerRequest, type Pipeline } from '@dockline/core';
import { describeWithEngine, unixSocketTransport } from '@dockline/tool-testkit';
import { retry } from '../retry/index.js';
import { timeout } from '../timeout/index.js';
import { versionNegotiation } from '../version-negotiation/index.js';
import { tracing } from './index.js';
import { inspect, tracerProvider, meterProvider, spans, named, one, parentOf, settle } from '../../test/tracing-fixture.js';

describeWithEngine('tracing (real dockerd)', (engine) => {
  let p: Pipeline;
  beforeEach(() => {
    const transport = unixSocketTransport(engine.socketPath);
    const t = tracing({ tracerProvider, meterProvider, serverAddress: transport.host, networkTransport: transport.networkTransport });
    p = createPipeline({ transport, middleware: [t, timeout(), retry(), versionNegotiation(), t.attempt] });
  });
  afterEach(async () => {
    await p.close();
  });

  it('reports docker.api.version 1.41 and the real status codes', async () => {
    await p.send({ operation: 'SystemVersion', method: 'GET', path: '/version', route: '/version', response: 'json', idempotent: true, longRunning: false });
    await expect(p.send(inspect('dockline-no-such-container'))).rejects.toBeInstanceOf(NotFoundError);
    const version = one('GET /version');
    expect(version.attributes).toMatchObject({ 'docker.api.version': '1.41', 'http.response.status_code': 200, 'server.address': 'localhost', 'network.transport': 'unix' });
    expect(version.kind).toBe(SpanKind.CLIENT);
    const missing = one('GET /containers/{id}/json');
    expect(missing.attributes).toMatchObject({ 'docker.api.version': '1.41', 'http.response.status_code': 404, 'error.type': '404' });
    expect(missing.status.code).toBe(SpanStatusCode.ERROR);
    // Folded: one span per call, plus the version ping of the first call as its child.
    expect(parentOf(one('HEAD /_ping'))).toBe(version.spanContext().spanId);
    expect(spans()).toHaveLength(3);
  });

  it('ends a hijacked call’s spans when its socket closes', async () => {
    const send = (operation: string, method: 'GET' | 'POST' | 'DELETE', path: string, route: string, extra: Partial<DockerRequest> = {}) =>
      p.send({ operation, method, path, route, response: 'json', idempotent: method !== 'POST', longRunning: false, ...extra });
    const created = await send('ContainerCreate', 'POST', '/containers/create', '/containers/create', {
      body: { Image: engine.image, Cmd: ['sleep', '60'], Labels: { 'dockline.test': 'middleware-tracing' }, HostConfig: { NetworkMode: 'none' } },
    });
    const id = (created.body as { Id: string }).Id;
    try {
      await send('ContainerStart', 'POST', `/containers/${id}/start`, '/containers/{id}/start', { response: 'empty' });
      const exec = await send('ContainerExec', 'POST', `/containers/${id}/exec`, '/containers/{id}/exec', {
        body: { Cmd: ['cat'], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false },
      });
      const execId = (exec.body as { Id: string }).Id;
      const res = await send('ExecStart', 'POST', `/exec/${execId}/start`, '/exec/{id}/start', { response: 'hijack', longRunning: true, body: { Detach: false, Tty: false } });
      await settle();
      expect(named('POST /exec/{id}/start')).toHaveLength(0);
      const socket = res.socket!;
      const drained = (async () => {
        for await (const _ of socket) void _;
      })();
      socket.end('hello\n'); // cat exits on EOF, the daemon closes the stream
      await drained;
      socket.destroy();
      await settle();
      expect(one('POST /exec/{id}/start').status.code).toBe(SpanStatusCode.UNSET);
      expect(one('POST /exec/{id}/start').attributes).toMatchObject({ 'http.response.status_code': res.statusCode, 'docker.api.version': '1.41' });
    } finally {
      await send('ContainerDelete', 'DELETE', `/containers/${id}`, '/containers/{id}', { query: { force: true }, response: 'empty' }).catch(() => undefined);
    }
  });
});
