// The Grafana dashboard (docs/dashboards/dockline.json) against a real Prometheus: the demo
// runs with --metrics (its OpenTelemetry Prometheus exporter scraped every second by the
// engine's Prometheus), then every PromQL expression of the dashboard is evaluated at the end
// of that run and must return series carrying exactly the labels its grouping names (and
// that its legend uses). A renamed metric or label, or a broken expression, fails here.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { ensurePrometheus, type PrometheusInfo } from '@dockline/tool-engine';
import { describeWithEngine } from './engine.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

interface Target {
  expr: string;
  legendFormat?: string;
  refId: string;
}
interface Panel {
  title: string;
  targets?: Target[];
}
interface Series {
  metric: Record<string, string>;
  value: [number, string];
}

const dashboard = JSON.parse(readFileSync(join(root, 'docs/dashboards/dockline.json'), 'utf8')) as { panels: Panel[] };
const targets = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));

/** The labels a result must carry: those of the first `by (...)` (the outer grouping), less `le` (histogram_quantile consumes it). */
export function expectedLabels(expr: string): string[] {
  const by = /\bby\s*\(([^)]*)\)/.exec(expr);
  if (!by) return [];
  return by[1]!.split(',').map((s) => s.trim()).filter((s) => s !== '' && s !== 'le').sort();
}

function runDemo(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const clean: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|VITEST|DOCKER_)/i.test(k) && k !== 'NODE_OPTIONS') clean[k] = v;
    const child = spawn(process.execPath, ['--conditions=@dockline/source', '--import', 'tsx', 'tools/demo/src/main.ts', '--private', '--metrics', '--no-waterfall'], {
      cwd: root,
      env: { ...clean, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.stderr.on('data', (b: Buffer) => chunks.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: Buffer.concat(chunks).toString() });
    });
  });
}

describeWithEngine('Grafana dashboard queries against the real Prometheus after a demo run', (engine) => {
  let prom: PrometheusInfo;
  let at: number;

  beforeAll(async () => {
    prom = await ensurePrometheus({ stateDir: engine.stateDir });
    const r = await runDemo({ DOCKLINE_ENGINE_DIR: engine.stateDir });
    expect(r.code, r.output).toBe(0);
    expect(r.output, 'the demo waits for Prometheus to scrape the end of its tour').toContain(`Prometheus ${prom.url} has the tour's metrics`);
    at = Date.now() / 1000;
  }, 180_000);

  async function query(expr: string): Promise<Series[]> {
    // Grafana's variables: the job the engine's Prometheus gives the exporter, a 1 minute window
    // (the whole demo run; rate() needs two scrapes of a series, which the demo waits for).
    const promql = expr.replaceAll('$job', prom.job).replaceAll('$__rate_interval', '1m');
    const url = `${prom.url}/api/v1/query?${new URLSearchParams({ query: promql, time: String(at) })}`;
    const body = (await (await fetch(url)).json()) as { status: string; error?: string; data?: { resultType: string; result: Series[] } };
    expect(body.status, `${promql}: ${body.error ?? ''}`).toBe('success');
    expect(body.data!.resultType).toBe('vector');
    return body.data!.result;
  }

  it('has PromQL targets to check (every panel but the text one)', () => {
    expect(targets.length).toBeGreaterThanOrEqual(10);
  });

  for (const t of targets) {
    it(`${t.panel} [${t.refId}]: series with labels ${JSON.stringify(expectedLabels(t.expr))}`, async () => {
      const result = await query(t.expr);
      const labels = expectedLabels(t.expr);
      expect(result.length, t.expr).toBeGreaterThan(0);
      for (const s of result) expect(Object.keys(s.metric).sort(), t.expr).toEqual(labels);
      // The legend only names labels the query keeps.
      for (const [, name] of (t.legendFormat ?? '').matchAll(/\{\{\s*(\w+)\s*\}\}/g)) expect(labels, t.legendFormat).toContain(name);
      // At least one number (quantiles of an operation without requests in the window are NaN).
      expect(result.some((s) => Number.isFinite(Number(s.value[1]))), t.expr).toBe(true);
    });
  }

  it('sees what the demo did: its operations by docker.operation, and the 404 of the inspect after remove as an error', async () => {
    const byOp = await query(targets.find((t) => t.panel === 'Requests per second by operation')!.expr);
    const ops = byOp.map((s) => s.metric.docker_operation);
    expect(ops).toEqual(expect.arrayContaining(['ContainerCreate', 'ImageCreate', 'ExecStart', 'ContainerLogs']));
    const errors = await query(targets.find((t) => t.panel.startsWith('Errors per second'))!.expr);
    expect(errors.map((s) => s.metric)).toContainEqual({ error_type: '404', docker_operation: 'ContainerInspect' });
  });
});
