// `npm run demo -- --metrics`: the tracing middleware's metrics (the
// http.client.request.duration histogram) through an OpenTelemetry MeterProvider and its
// Prometheus exporter, served on 127.0.0.1 at the port the engine's Prometheus scrapes
// (tools/engine/src/prometheus.ts). The demo waits for Prometheus to scrape the end of the
// tour before it exits, so every request it made is in Prometheus afterwards.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { PrometheusInfo } from '@dockline/tool-engine';

export interface DemoMetrics {
  meterProvider: MeterProvider;
  /** http://127.0.0.1:PORT/metrics */
  endpoint: string;
  /** Resolves once `count` more scrapes have been answered (false after timeoutMs without them). */
  scraped(count: number, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Serves the exporter on 127.0.0.1:port (loopback only: the metrics are nobody else's business). */
export async function startMetrics(port: number): Promise<DemoMetrics> {
  // preventServerStart: the exporter's own server would listen on every interface.
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  let scrapes = 0;
  const waiters = new Set<{ target: number; resolve: (ok: boolean) => void }>();
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.once('finish', () => {
      scrapes++;
      for (const w of waiters) if (scrapes >= w.target) w.resolve(true);
    });
    exporter.getMetricsRequestHandler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === 'EADDRINUSE' ? `metrics: 127.0.0.1:${port} is in use (another demo with --metrics?)` : err.message)),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
  // Never what keeps the demo alive (a failed tour must still exit); scraped() waits with a timer.
  server.unref();
  const { port: bound } = server.address() as AddressInfo;
  return {
    meterProvider,
    endpoint: `http://127.0.0.1:${bound}/metrics`,
    scraped(count, timeoutMs) {
      return new Promise((resolve) => {
        const waiter = { target: scrapes + count, resolve: (ok: boolean) => done(ok) };
        const timer = setTimeout(() => done(false), timeoutMs);
        const done = (ok: boolean): void => {
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(ok);
        };
        waiters.add(waiter);
      });
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await meterProvider.shutdown();
    },
  };
}

/** Where the engine's Prometheus looks, for the closing lines of the demo. */
export function metricsSummary(prom: PrometheusInfo): string[] {
  return [
    `Prometheus ${prom.url} has the tour's metrics (job ${prom.job}).`,
    `Try ${prom.url}/graph with:`,
    '  sum by (url_template) (rate(http_client_request_duration_count[1m]))',
    'or import docs/dashboards/dockline.json into Grafana (docs/tracing.md).',
  ];
}
