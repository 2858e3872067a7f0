// Prometheus as a service of the engine: started in a state dir of its own (never the shared
// /tmp/dockline-engine, whose services other test runs use), reused when it runs, stopped by
// stopEngine with the rest. Scraping itself is proven by the dashboard test in tools/testkit.
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { isRoot } from './proc.ts';
import { ensurePrometheus, prometheusStatus, stopEngine, type PrometheusInfo } from './index.ts';

// Needs root only for the package install and for stopEngine (the engine belongs to root).
const ready = isRoot() || process.env.CI === 'true';

describe.skipIf(!ready)('prometheus service (own state dir)', () => {
  const stateDir = mkdtempSync('/tmp/dl-prom-');
  let first: PrometheusInfo;
  afterAll(async () => {
    await stopEngine({ stateDir }).catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('starts on loopback, scrapes its one target every second, and is reused when it runs', async () => {
    first = await ensurePrometheus({ stateDir });
    expect(first.startedByUs).toBe(true);
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // The target: a plain exporter stand-in on the port Prometheus was told to scrape.
    const srv = createServer((_req, res) => res.end('dockline_prom_test_up 1\n')).listen(first.targetPort, '127.0.0.1');
    try {
      let value: string | undefined;
      for (let i = 0; i < 50 && value === undefined; i++) {
        const r = (await (await fetch(`${first.url}/api/v1/query?query=dockline_prom_test_up`)).json()) as {
          data: { result: { metric: Record<string, string>; value: [number, string] }[] };
        };
        const hit = r.data.result[0];
        if (hit) {
          expect(hit.metric).toMatchObject({ job: first.job, instance: `127.0.0.1:${first.targetPort}` });
          value = hit.value[1];
        } else await new Promise((r) => setTimeout(r, 200));
      }
      expect(value).toBe('1');
    } finally {
      srv.close();
    }
    const again = await ensurePrometheus({ stateDir });
    expect(again).toMatchObject({ startedByUs: false, pid: first.pid, port: first.port, targetPort: first.targetPort });
  }, 60_000);

  it('is stopped by stopEngine', async () => {
    await stopEngine({ stateDir });
    expect(await prometheusStatus({ stateDir })).toBeUndefined();
    expect(() => process.kill(first.pid, 0)).toThrow();
  }, 30_000);
});
