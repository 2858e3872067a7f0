import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { expect, it } from 'vitest';
import { createClient } from '../src/create-client.js';
import { describeEachEngine } from './engines.js';

describeEachEngine('createClient options', (engine) => {
  it('tracing: spans go to the given tracer provider, named by operation, with the negotiated version', async () => {
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
    const op = spans.find((s) => s.name === 'SystemVersion');
    expect(op).toBeDefined();
    const attempt = spans.find((s) => s.attributes['url.template'] === '/version');
    expect(attempt?.attributes['docker.api.version']).toBe(engine.apiVersion);
    expect(attempt?.attributes['server.address']).toBe('localhost');
  });

  it('closed client: later calls fail with a ConnectionError, close() is idempotent', async () => {
    const docker = createClient({ host: `unix://${engine.socketPath}` });
    await docker.ping();
    await docker.close();
    await docker.close();
    await expect(docker.ping()).rejects.toMatchObject({ name: 'ConnectionError' });
  });
});
