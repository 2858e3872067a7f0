import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describeWithEngine } from '@dockline/tool-testkit';
import { expect, it } from 'vitest';
import { createClient } from '../src/create-client.js';

describeWithEngine('createClient options', (engine) => {
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
});
