/**
 * The client side of the hostile-daemon probes (hostile-daemon.test.ts runs it in a child
 * process under --max-old-space-size=512, so that an answer that would exhaust memory
 * kills this process, not the test runner): one call, chosen by DOCKLINE_PROBE, against
 * the fake daemon at DOCKLINE_HOSTILE_HOST, then one JSON line with how it ended and how
 * much the process's RSS grew.
 *
 *   node --max-old-space-size=512 --conditions=@dockline/source --import tsx tools/testkit/src/reliability/hostile-client.ts
 */
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createClient, type DockerClient } from '@dockline/api';

const host = process.env.DOCKLINE_HOSTILE_HOST;
const probe = process.env.DOCKLINE_PROBE;
if (!host || !probe) throw new Error('DOCKLINE_HOSTILE_HOST and DOCKLINE_PROBE must be set');
const SECRET_PASSWORD = process.env.DOCKLINE_SECRET ?? 'unset-secret';

const sink = (): Writable => new Writable({ write: (_c, _e, cb) => cb() });

const probes: Record<string, (docker: DockerClient) => Promise<unknown>> = {
  'json-huge': (d) => d.listContainers({ all: true }),
  'json-endless': (d) => d.listContainers({ all: true }),
  'json-declared-2gib': (d) => d.listContainers({ all: true }),
  'json-capped-per-call': (d) => d.inspectContainer('x', { maxResponseBytes: 1024 }),
  'head-endless-line': (d) => d.inspectContainer('x'),
  'head-many-headers': (d) => d.inspectContainer('x'),
  'stream-head-endless-line': (d) => d.logs('x', {}, { stdout: sink(), stderr: sink(), rawTerminal: false }),
  'logs-stall': (d) => d.logs('x', {}, { stdout: sink(), stderr: sink(), rawTerminal: false }, { timeoutMs: 500 }),
  'logs-frame-4gib-stall': (d) => d.logs('x', {}, { stdout: sink(), stderr: sink(), rawTerminal: false }, { timeoutMs: 500 }),
  'logs-closed-before-head': (d) => d.logs('x', {}, { stdout: sink(), stderr: sink(), rawTerminal: false }),
  'exec-closed-before-head': (d) => d.startExec('x', { detach: false, tty: false }, { stdout: sink(), stderr: sink() }),
  'secret-echo': (d) =>
    d.pullImage('127.0.0.1:1/secret/image:latest', { auth: { username: 'me', password: SECRET_PASSWORD, serveraddress: '127.0.0.1:1' } }),
};

const run = probes[probe];
if (!run) throw new Error(`unknown probe ${probe}`);
const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const docker = createClient({ host, env: {}, tracing: { tracerProvider } });
const rss0 = process.memoryUsage().rss;
let peak = rss0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
const t0 = performance.now();
let outcome: Record<string, unknown>;
try {
  await run(docker);
  outcome = { ok: true };
} catch (err) {
  const e = err as Error & { daemonMessage?: string; statusCode?: number };
  outcome = {
    ok: false,
    name: e.name,
    message: e.message,
    stack: e.stack,
    daemonMessage: e.daemonMessage,
    statusCode: e.statusCode,
    inspected: inspect(err, { depth: 5 }),
    json: JSON.stringify(err),
  };
}
const ms = Math.round(performance.now() - t0);
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
await docker.close();
// What a tracing backend would receive: names, attributes, status, events (exceptions).
const spans = exporter.getFinishedSpans().map((sp) => ({ name: sp.name, attributes: sp.attributes, status: sp.status, events: sp.events }));
process.stdout.write(`${JSON.stringify({ ...outcome, ms, rssGrowth: peak - rss0, spans: JSON.stringify(spans) })}\n`);
