import { describe, expect, it } from 'vitest';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { context, trace, SpanStatusCode } from '@opentelemetry/api';
import type { PullProgress } from '@dockline/api';
import { renderProgress, renderProgressLine } from './progress.ts';
import { renderWaterfall } from './waterfall.ts';
import { fit, outputWidth } from './width.ts';
import { demo } from '../test/demo-fixture.js';

describe('npm run demo -- --help', () => {
  it('prints the usage and exits 0 without touching a daemon', async () => {
    // A host nobody listens on: --help must not even try it.
    const r = await demo(['--help'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: npm run demo/);
    expect(r.stdout).toContain('--private');
    expect(r.stdout).toContain('--image <ref>');
    expect(r.stderr).toBe('');
  });
});

describe('waterfall rendering', () => {
  it('draws the tree, offsets, bars on a shared axis and outcomes', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const tracer = provider.getTracer('t');
    const t = (ms: number): [number, number] => [1000 + Math.floor(ms / 1000), (ms % 1000) * 1e6];
    const rootSpan = tracer.startSpan('root', { startTime: t(0) });
    const rootCtx = trace.setSpan(context.active(), rootSpan);
    const op = tracer.startSpan('ContainerInspect', { startTime: t(100) }, rootCtx);
    const opCtx = trace.setSpan(rootCtx, op);
    const attempt = tracer.startSpan('GET /containers/{id}/json', { startTime: t(100), attributes: { 'http.response.status_code': 404, 'error.type': '404' } }, opCtx);
    attempt.setStatus({ code: SpanStatusCode.ERROR });
    attempt.end(t(150));
    op.end(t(150));
    const second = tracer.startSpan('SystemPing', { startTime: t(500) }, rootCtx);
    second.end(t(1000));
    rootSpan.end(t(1000));

    const spans = exporter.getFinishedSpans();
    const lines = renderWaterfall(spans, { barWidth: 10, nameWidth: 34 });
    expect(lines).toEqual([
      `${'span'.padEnd(34)}   start  0   1.00 s  duration`,
      `${'root'.padEnd(34)}  0.0 ms  ██████████   1.00 s`,
      `${'├─ ContainerInspect'.padEnd(34)}  100 ms   █            50 ms`,
      `${'│  └─ GET /containers/{id}/json'.padEnd(34)}  100 ms   █            50 ms  404`,
      `${'└─ SystemPing'.padEnd(34)}  500 ms       █████   500 ms`,
    ]);

    // By width: 80 columns give a 36-column name and a 20-column bar; narrower cuts names and bars.
    const at80 = renderWaterfall(spans);
    expect(at80[3]).toBe(`${'│  └─ GET /containers/{id}/json'.padEnd(36)}  100 ms  ${'  █'.padEnd(20)}    50 ms  404`);
    for (const width of [80, 60, 40]) {
      for (const line of renderWaterfall(spans, { width })) expect(line.length, `${width}: ${line}`).toBeLessThanOrEqual(width);
    }
    expect(renderWaterfall(spans, { width: 40 })[3]).toMatch(/^│  └─ GET \/… +100 ms  .*…$/);
  });

  it('takes its width from the terminal, at most 80 columns, 80 when not a terminal', () => {
    expect(outputWidth({ isTTY: true, columns: 200 })).toBe(80);
    expect(outputWidth({ isTTY: true, columns: 60 })).toBe(60);
    expect(outputWidth({ isTTY: false, columns: 60 })).toBe(80);
    expect(outputWidth({})).toBe(80);
    expect(fit('abcdef', 4)).toBe('abc…');
    expect(fit('abc', 4)).toBe('abc');
  });

  it('renders a pull progress bar from PullProgress', () => {
    const p = {
      ref: 'r',
      layers: new Map([
        ['a', { status: 'Already exists', current: 0, total: undefined }],
        ['b', { status: 'Downloading', current: 4 * 1024 * 1024, total: 16 * 1024 * 1024 }],
      ]),
      current: 4 * 1024 * 1024,
      total: 16 * 1024 * 1024,
      completed: 1,
      status: undefined,
      message: {},
    } as unknown as PullProgress;
    expect(renderProgress(p, 8)).toBe('[██░░░░░░]  25%  4.0 MiB/16.0 MiB  1/2 layers  Downloading');
    // 78 columns (80 less the indent): the bar shrinks to leave room for the longest text.
    expect(renderProgressLine(p, 78)).toBe(`[████${'░'.repeat(12)}]  25%  4.0 MiB/16.0 MiB  1/2 layers  Downloading`);
    expect(renderProgressLine(p, 40)).toHaveLength(40);
    expect(renderProgressLine(p, 40)).toMatch(/^\[██░{6}\]  25%  4\.0 MiB\/16.*…$/);
  });
});
