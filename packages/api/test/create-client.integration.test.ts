import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { expect, it } from 'vitest';
import { createClient } from '../src/create-client.js';
import { describeConnection } from '../src/connection/describe.js';
import { MAX_API_VERSION } from '../src/generated/operations.js';
import { describeEachEngine } from './engines.js';

describeEachEngine('createClient options', (engine) => {
  it('tracing: spans go to the given tracer provider, one per call (folded), with the operation and the negotiated version', async () => {
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const docker = createClient({ host: `unix://${engine.socketPath}`, tracing: { tracerProvider } });
    try {
      await docker.version();
      expect(docker.apiVersion).toBe(engine.apiVersion);
      expect(docker.endpointDescription).toContain(engine.socketPath);
    } finally {
      await docker.close();
    }
    const spans = exporter.getFinishedSpans();
    // The default layout folds the call and its one request into one CLIENT span (docs/tracing.md).
    const call = spans.find((s) => s.name === 'GET /version');
    expect(call?.attributes['docker.operation']).toBe('SystemVersion');
    expect(call?.attributes['docker.api.version']).toBe(engine.apiVersion);
    expect(call?.attributes['server.address']).toBe('localhost');
    expect(spans.filter((s) => s.attributes['url.template'] === '/version')).toHaveLength(1);
  });

  it('closed client: later calls fail with a ConnectionError, close() is idempotent', async () => {
    const docker = createClient({ host: `unix://${engine.socketPath}` });
    await docker.ping();
    await docker.close();
    await docker.close();
    await expect(docker.ping()).rejects.toMatchObject({ name: 'ConnectionError' });
  });

  it('reports which engine it found (ping, detectEngine, describeConnection with probe) and negotiates what the engine announces', async () => {
    // The engine's Api-Version, capped by the newest version dockline speaks.
    const expected = compareVersions(engine.apiVersion, MAX_API_VERSION) <= 0 ? engine.apiVersion : MAX_API_VERSION;
    const docker = createClient({ host: `unix://${engine.socketPath}` });
    try {
      const ping = await docker.ping();
      expect(ping.engine).toBe(engine.name === 'podman' ? 'podman' : 'docker');
      expect(ping.libpodApiVersion).toBe(engine.name === 'podman' ? engine.info.podman.libpodVersion : undefined);
      const found = await docker.detectEngine();
      expect(found.kind).toBe(ping.engine);
      expect(found.name).toBe(engine.name === 'podman' ? 'Podman Engine' : 'Engine');
      expect(found.apiVersion).toBe(engine.apiVersion);
      if (engine.name === 'podman') expect(found.version).toBe(engine.info.podman.libpodVersion);
      expect(docker.apiVersion).toBe(expected);
    } finally {
      await docker.close();
    }
    const d = await describeConnection({ host: `unix://${engine.socketPath}`, probe: true });
    expect(d.engine?.kind).toBe(engine.name === 'podman' ? 'podman' : 'docker');
    expect(d.engine?.negotiatedApiVersion).toBe(expected);
    expect(d.text).toContain(engine.name === 'podman' ? `engine:      Podman ${engine.info.podman.libpodVersion} (Docker-compatible API)` : 'engine:      Docker Engine');
    // Without probe nothing is connected to, so nothing is known about the engine.
    expect((await describeConnection({ host: `unix://${engine.socketPath}` })).engine).toBeUndefined();
  });
});

function compareVersions(a: string, b: string): number {
  const [a1 = 0, a2 = 0] = a.split('.').map(Number);
  const [b1 = 0, b2 = 0] = b.split('.').map(Number);
  return a1 - b1 || a2 - b2;
}
