// Prometheus (Debian's package, 2.42) as a service of the engine: a real metrics backend for
// the demo's OpenTelemetry Prometheus exporter and the dashboard test. It listens on its own
// loopback port and scrapes one static target on 127.0.0.1 every second; nothing else.
// Optional: ensureEngine does not start it; ensurePrometheus (or `engine prometheus`) does,
// and stopEngine stops it with the rest.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureTools } from './apt.ts';
import { request } from './http.ts';
import {
  findProcesses,
  freePort,
  isAlive,
  isOurProcess,
  portIsFree,
  readPidFile,
  removeFile,
  sleep,
  spawnDetached,
  tail,
  terminateAll,
} from './proc.ts';
import { layout, resolveStateDir, withLock, type Layout } from './state.ts';

export interface PrometheusInfo {
  /** http://127.0.0.1:PORT: the query API is at /api/v1/query */
  url: string;
  port: number;
  /** The one scrape target, 127.0.0.1:TARGET_PORT, path /metrics: where an exporter must listen. */
  targetPort: number;
  /** The job label of that target's series. */
  job: string;
  /** Seconds between scrapes. */
  scrapeIntervalSeconds: number;
  pid: number;
  configPath: string;
  logPath: string;
  startedByUs: boolean;
}

export const PROMETHEUS_JOB = 'dockline';
const SCRAPE_INTERVAL_SECONDS = 1;

function promLayout(l: Layout) {
  const dir = join(l.stateDir, 'prometheus');
  return {
    dir,
    config: join(dir, 'p.yml'),
    ports: join(dir, 'ports.json'),
    pidFile: join(dir, 'prometheus.pid'),
    log: join(dir, 'prometheus.log'),
    // As in ENGINE.md: --storage.tsdb.path=$STATE/prom
    tsdb: join(l.stateDir, 'prom'),
  };
}
type PromLayout = ReturnType<typeof promLayout>;

interface Ports {
  port?: number;
  targetPort?: number;
}

async function readPorts(p: PromLayout): Promise<Ports> {
  try {
    return JSON.parse(await readFile(p.ports, 'utf8')) as Ports;
  } catch {
    return {};
  }
}

async function ready(port: number): Promise<boolean> {
  try {
    const res = await request({ host: '127.0.0.1', port }, { path: '/-/ready', timeoutMs: 2000 });
    return res.status === 200;
  } catch {
    return false;
  }
}

/** The running Prometheus of this state dir, if its pid is alive and it answers /-/ready. */
export async function prometheusStatus(opts: { stateDir?: string } = {}): Promise<PrometheusInfo | undefined> {
  const p = promLayout(layout(resolveStateDir(opts.stateDir)));
  const pid = await readPidFile(p.pidFile);
  const { port, targetPort } = await readPorts(p);
  if (!isOurProcess(pid, 'prometheus') || !port || !targetPort || !(await ready(port))) return undefined;
  return info(p, pid, port, targetPort, false);
}

function info(p: PromLayout, pid: number, port: number, targetPort: number, startedByUs: boolean): PrometheusInfo {
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    targetPort,
    job: PROMETHEUS_JOB,
    scrapeIntervalSeconds: SCRAPE_INTERVAL_SECONDS,
    pid,
    configPath: p.config,
    logPath: p.log,
    startedByUs,
  };
}

/**
 * Makes sure Prometheus runs for this state dir (reuses a running one). Ports are kept in
 * prometheus/ports.json so a restart scrapes the same target. Installs the Debian package
 * when missing (root; ensureTools).
 */
export async function ensurePrometheus(opts: { stateDir?: string; log?: (line: string) => void } = {}): Promise<PrometheusInfo> {
  const l = layout(resolveStateDir(opts.stateDir));
  const log = opts.log ?? (() => {});
  const running = await prometheusStatus({ stateDir: l.stateDir });
  if (running) return running;
  return withLock(l, async () => {
    const again = await prometheusStatus({ stateDir: l.stateDir });
    if (again) return again;
    const tools = await ensureTools(l.aptLog, log);
    const p = promLayout(l);
    await stopPrometheusIn(p);
    await mkdir(p.dir, { recursive: true, mode: 0o755 });
    await mkdir(p.tsdb, { recursive: true, mode: 0o755 });
    const stored = await readPorts(p);
    const port = stored.port && (await portIsFree(stored.port)) ? stored.port : await freePort();
    // The target port is only written into the config: the exporter binds it later.
    let targetPort = stored.targetPort ?? (await freePort());
    while (targetPort === port) targetPort = await freePort();
    await writeFile(p.ports, `${JSON.stringify({ port, targetPort })}\n`);
    await writeFile(
      p.config,
      [
        'global:',
        `  scrape_interval: ${SCRAPE_INTERVAL_SECONDS}s`,
        `  scrape_timeout: ${SCRAPE_INTERVAL_SECONDS}s`,
        `  evaluation_interval: ${SCRAPE_INTERVAL_SECONDS}s`,
        'scrape_configs:',
        `  - job_name: ${PROMETHEUS_JOB}`,
        '    static_configs:',
        `      - targets: ['127.0.0.1:${targetPort}']`,
        '',
      ].join('\n'),
    );
    log(`starting prometheus on 127.0.0.1:${port}, scraping 127.0.0.1:${targetPort}`);
    const pid = await spawnDetached(
      tools.prometheus,
      [
        `--config.file=${p.config}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--storage.tsdb.path=${p.tsdb}`,
        // A test backend: a day of data is plenty, and no phoning home for updates.
        '--storage.tsdb.retention.time=1d',
      ],
      p.log,
    );
    await writeFile(p.pidFile, `${pid}\n`);
    const deadline = Date.now() + 30_000;
    while (!(await ready(port))) {
      if (!isAlive(pid)) throw new Error(`prometheus exited during startup. Tail of ${p.log}:\n${await tail(p.log)}`);
      if (Date.now() > deadline) throw new Error(`prometheus not ready on 127.0.0.1:${port} after 30 s. Tail of ${p.log}:\n${await tail(p.log)}`);
      await sleep(200);
    }
    return info(p, pid, port, targetPort, true);
  });
}

async function stopPrometheusIn(p: PromLayout): Promise<void> {
  const pid = await readPidFile(p.pidFile);
  await terminateAll([isOurProcess(pid, 'prometheus') ? pid : undefined, ...(await findProcesses(p.config, 'prometheus'))], 15_000);
  await removeFile(p.pidFile);
}

/** Stops this state dir's Prometheus (keeps its data and ports). stopEngine calls it. */
export async function stopPrometheus(l: Layout): Promise<void> {
  await stopPrometheusIn(promLayout(l));
}
