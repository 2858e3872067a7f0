// npm run demo: a tour of dockline's DockerInterface against a real daemon, ending with a
// waterfall of the spans the tracing middleware recorded. Uses the daemon the docker CLI
// would (DOCKER_HOST, the default socket); when none answers, it starts the private engine
// of tools/engine (dockerd, a registry with auth, sshd) and uses that.
import { parseArgs } from 'node:util';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ConnectionError, MAX_API_VERSION, NotFoundError, createClient, type CreateClientOptions, type DockerClient, type RegistryAuth } from '@dockline/api';
import { defaultMiddleware, versionNegotiation } from '@dockline/middleware';
import type { EngineInfo, PrometheusInfo } from '@dockline/tool-engine';
import { inRootSpan, runTour } from './tour.ts';
import { renderWaterfall } from './waterfall.ts';
import { fit, outputWidth } from './width.ts';
import { metricsSummary, startMetrics, type DemoMetrics } from './metrics.ts';

const HELP = `usage: npm run demo [-- options]

A tour of dockline against a real Docker daemon: version and info, an image pull
with a live progress bar, create and start a container, its logs, an exec with
stdin, stats, stop and remove; then a waterfall of the OpenTelemetry spans those
calls made. Output fits 80 columns (fewer when the terminal is narrower).

The daemon is the one the docker CLI would use (DOCKER_HOST, DOCKER_TLS_VERIFY,
DOCKER_CERT_PATH, else /var/run/docker.sock). When none answers, the private
engine of tools/engine is used: reused when it runs (one line says so), else
started (needs root; Debian packages are installed when missing). The tour then
pulls a test image from its registry, with credentials.

options:
  --private          skip the local daemon: use the private engine (tools/engine)
  --image <ref>      run the container from this image (needs sh, tr; busybox is
                     fine). On a local daemon it is pulled first; without it the
                     tour uses busybox:latest if the daemon has it, and pulls nothing
  --no-pull          do not pull anything
  --no-waterfall     do not print the span waterfall
  --metrics          export the client's metrics to the private engine's Prometheus
                     (started when needed; tools/engine) and wait until it scraped
  --verbose          say why no local daemon answered (every socket tried)
  -h, --help         this text

environment: DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH,
DOCKER_API_VERSION, DOCKLINE_ENGINE_DIR (the private engine's state folder,
default /tmp/dockline-engine).`;

interface Target {
  docker: DockerClient;
  where: string;
  engine: EngineInfo | undefined;
}

async function reachable(docker: DockerClient): Promise<void> {
  await docker.ping({ timeoutMs: 5000 });
}

/**
 * The local daemon when it answers, else the private engine. Reusing a running private
 * engine is the everyday case here: one line, not the ConnectionError's list of every
 * socket tried (--verbose prints it).
 */
async function connect(
  forcePrivate: boolean,
  verbose: boolean,
  middleware: CreateClientOptions['middleware'],
  say: (s: string) => void,
): Promise<Target> {
  let why = '--private';
  if (!forcePrivate) {
    const docker = createClient({ middleware });
    try {
      await reachable(docker);
      return { docker, where: docker.endpointDescription ?? 'the local daemon', engine: undefined };
    } catch (err) {
      await docker.close();
      if (!(err instanceof ConnectionError)) throw err;
      // Whole, not cut to the width: --verbose asked for every socket tried.
      if (verbose) process.stdout.write(`${err.message}\n`);
      why = 'no local daemon answered';
    }
  }
  const { engineStatus, ensureEngine } = await import('@dockline/tool-engine');
  const running = (await engineStatus()).running;
  if (running) say(`Using the running private engine of tools/engine (${why}).`);
  else say(`Starting the private engine of tools/engine (${why})...`);
  // Reusing: its health check says nothing worth printing; starting: show each step.
  const engine = await ensureEngine({ log: running && !verbose ? () => undefined : (line) => say(`  [engine] ${line}`) });
  const docker = createClient({ host: `unix://${engine.socketPath}`, middleware });
  return { docker, where: `the private engine at unix://${engine.socketPath}`, engine };
}

/**
 * The private engine's registry holds busybox:local pushed as dockline/busybox: the same
 * layers as the local image, so pulling it transfers nothing. For a pull with real bytes
 * (and a progress bar worth watching), the demo pushes once an image of its own with a
 * 16 MiB layer, and removes its local copy before each pull. Untraced: not part of the tour.
 */
async function demoImage(engine: EngineInfo, say: (s: string) => void): Promise<{ ref: string; auth: RegistryAuth }> {
  const { registryAuthHeader } = await import('@dockline/tool-engine');
  const auth: RegistryAuth = { username: engine.registry.username, password: engine.registry.password, serveraddress: engine.registry.address };
  const repo = `${engine.registry.address}/dockline/demo`;
  const ref = `${repo}:v1`;
  const docker = createClient({ host: `unix://${engine.socketPath}`, middleware: defaultMiddleware({ tracing: false }) });
  try {
    const inRegistry = await fetch(`http://${engine.registry.address}/v2/dockline/demo/manifests/v1`, {
      method: 'HEAD',
      headers: {
        authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`,
        accept: 'application/vnd.docker.distribution.manifest.v2+json',
      },
    }).then((r) => r.ok);
    if (!inRegistry) {
      say(`  (first run on this engine: pushing ${ref} with a 16 MiB layer to the private registry)`);
      const { Id } = await docker.createContainer({
        config: { Image: engine.image, Cmd: ['sh', '-c', 'head -c 16777216 /dev/urandom > /payload'], Labels: { 'dockline.demo': 'setup' } },
        hostConfig: { NetworkMode: 'none' },
      });
      try {
        await docker.startContainer(Id);
        await docker.request('ContainerWait', { path: { id: Id } });
        await docker.request('ImageCommit', { query: { container: Id, repo, tag: 'v1' } });
      } finally {
        await docker.removeContainer(Id, { force: true });
      }
      const push = await docker.request('ImagePush', {
        path: { name: repo },
        query: { tag: 'v1' },
        headers: { 'X-Registry-Auth': registryAuthHeader(engine.registry.username, engine.registry.password, engine.registry.address) },
      });
      for await (const chunk of push) {
        const text = String(chunk);
        if (text.includes('"error"')) throw new Error(`pushing ${ref}: ${text.trim()}`);
      }
    }
    // The demo's own image: remove the local copy so the pull downloads it. In use by
    // another demo's container right now: keep it (the pull is then quick).
    await docker.removeImage(ref).catch((err: unknown) => {
      if (!(err instanceof NotFoundError)) say(`  (keeping the local copy of ${ref}: ${(err as Error).message})`);
    });
    return { ref, auth };
  } finally {
    await docker.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      help: { type: 'boolean', short: 'h' },
      private: { type: 'boolean' },
      image: { type: 'string' },
      'no-pull': { type: 'boolean' },
      'no-waterfall': { type: 'boolean' },
      verbose: { type: 'boolean' },
      metrics: { type: 'boolean' },
    },
  });
  const out = process.stdout;
  if (values.help) {
    out.write(`${HELP}\n`);
    return;
  }
  const width = outputWidth(out);
  const say = (line = ''): void => {
    for (const part of line.split('\n')) out.write(`${fit(part, width)}\n`);
  };

  // Spans go to memory (not the global provider) and are printed at the end. The context
  // manager makes each step's span the parent of the calls made inside it.
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = tracerProvider.getTracer('dockline-demo');
  // createClient's default chain, with our tracer provider: the same middleware, built here.
  const negotiation = versionNegotiation({ maxVersion: MAX_API_VERSION });
  // --metrics: the engine's Prometheus (started when needed) scrapes our exporter.
  let metricsOut: { metrics: DemoMetrics; prom: PrometheusInfo } | undefined;
  if (values.metrics) {
    const { ensurePrometheus } = await import('@dockline/tool-engine');
    const prom = await ensurePrometheus({ log: (line) => say(`  [engine] ${line}`) });
    metricsOut = { metrics: await startMetrics(prom.targetPort), prom };
    say(`Metrics: ${metricsOut.metrics.endpoint}`);
    say(`  scraped every ${prom.scrapeIntervalSeconds} s by Prometheus ${prom.url}`);
    // Start the tour once Prometheus scrapes us: a rate needs two samples of a counter, so
    // scrapes must already be running while the tour's calls happen (a freshly started
    // Prometheus may not scrape for a few seconds, longer than a warm tour takes).
    await metricsOut.metrics.scraped(1, 5 * prom.scrapeIntervalSeconds * 1000 + 5000);
  }
  const meterProvider = metricsOut?.metrics.meterProvider;
  const middleware = defaultMiddleware({
    versionNegotiation: negotiation,
    // Two-level spans (an operation span and a span per HTTP request): the waterfall shows both.
    tracing: { tracerProvider, serverAddress: 'localhost', spans: 'two-level', ...(meterProvider ? { meterProvider } : {}) },
  });

  const { docker, where, engine } = await connect(values.private === true, values.verbose === true, middleware, say);
  try {
    // On the private engine, the demo image is prepared before the tour (untraced).
    const demo = engine && values.image === undefined && !values['no-pull'] ? await demoImage(engine, say) : undefined;
    const tourStart = Date.now();
    const toured = await inRootSpan(tracer, 'dockline demo', async (): Promise<boolean> => {
      const [version, info] = await Promise.all([docker.version(), docker.info()]);
      say(`\nConnected to ${where}`);
      say(`Transport: ${docker.transport.kind} (${docker.transport.endpoint})`);
      say(`API version in use: ${negotiation.version() ?? '(pinned)'}`);
      say('\n== version and info');
      const rows: Record<string, unknown> = {
        Version: version.Version,
        ApiVersion: `${version.ApiVersion} (min ${version.MinAPIVersion})`,
        'Os/Arch': `${version.Os}/${version.Arch}`,
        KernelVersion: version.KernelVersion,
        GoVersion: version.GoVersion,
        Name: info.Name,
        OperatingSystem: info.OperatingSystem,
        Containers: `${info.Containers ?? 0} (${info.ContainersRunning ?? 0} running)`,
        Images: info.Images,
        Driver: `${info.Driver}, cgroup ${info.CgroupDriver} v${info.CgroupVersion}`,
        NCPU: info.NCPU,
        MemTotal: info.MemTotal !== undefined ? `${(info.MemTotal / 2 ** 30).toFixed(1)} GiB` : undefined,
      };
      for (const [k, v] of Object.entries(rows)) say(`  ${k.padEnd(16)} ${String(v ?? '')}`);

      // What to pull and run: the private engine's demo image; on another daemon, --image
      // (pulled) or busybox:latest if present (no pull: no internet is assumed).
      let image: string;
      let pull: { ref: string; auth?: RegistryAuth | undefined } | undefined;
      if (values.image !== undefined) {
        image = values.image;
        pull = values['no-pull'] ? undefined : { ref: values.image };
      } else if (engine) {
        image = demo?.ref ?? engine.image;
        pull = demo;
      } else {
        image = 'busybox:latest';
        const present = await docker.inspectImageByRef(image).then(
          () => true,
          (err: unknown) => (err instanceof NotFoundError ? false : Promise.reject(err)),
        );
        if (!present) {
          say(`\nThis daemon has no ${image}, and the demo does not pull from the internet.`);
          say('Run with --image <ref> (an image with sh and tr), or with --private for the private engine.');
          return false;
        }
      }
      await runTour({ docker, tracer, out, image, pull, name: 'dockline-demo', width });
      return true;
    });
    if (toured) say(`\nTour done in ${((Date.now() - tourStart) / 1000).toFixed(1)} s.`);
  } finally {
    await docker.close();
  }

  if (metricsOut) {
    // Two more scrapes: the first may have begun before the last request was recorded, and
    // rate() needs two samples of a series that appeared at the end of the tour.
    const interval = metricsOut.prom.scrapeIntervalSeconds * 1000;
    const ok = await metricsOut.metrics.scraped(2, 5 * interval + 5000);
    await metricsOut.metrics.close();
    say();
    if (ok) for (const line of metricsSummary(metricsOut.prom)) say(line);
    else say(`Prometheus ${metricsOut.prom.url} did not scrape ${metricsOut.metrics.endpoint} in time: see ${metricsOut.prom.logPath}`);
  }

  if (!values['no-waterfall']) {
    await tracerProvider.forceFlush();
    const spans = exporter.getFinishedSpans();
    say(`\n== span waterfall (${spans.length} spans: one per call, one per HTTP request)`);
    for (const line of renderWaterfall(spans, { width })) say(line);
  }
  await tracerProvider.shutdown();
  contextManager.disable();
}

main().catch((err: unknown) => {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
