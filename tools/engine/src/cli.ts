// CLI: npx tsx tools/engine/src/cli.ts start|stop|status|env|info|cluster ...|netns ... [--dir DIR]
import {
  clusterStatus,
  ensureCluster,
  ensureNetnsDaemon,
  netnsDaemonStatus,
  stopCluster,
  stopNetnsDaemon,
  type ClusterInfo,
} from './cluster.ts';
import { ensureEngine, engineStatus, stopEngine } from './engine.ts';
import { ensurePrometheus, prometheusStatus } from './prometheus.ts';
import type { EngineInfo } from './state.ts';

const USAGE = `usage: cli.ts <command> [--dir STATE_DIR]
  start        start whatever is not running (idempotent), print a summary
  stop         stop dockerd (+ its containerd), the registry, sshd, podman (+ its
               conmons and their containers), Prometheus, and the namespaced daemons
               below (with their namespaces)
  prometheus   start Prometheus (idempotent) on its own loopback port, scraping
               127.0.0.1:TARGET every second; print its URL and the target
  cluster start|stop|status
               a 3-node swarm (n1, n2 managers; n3 worker), each dockerd in its own
               network namespace, joined through a bridge in a hub namespace
  netns start|stop|status
               the lone namespaced dockerd that network tests use
  status       check every service; exit 1 when something is not running
  env [--tls]  ensure the engine, then print shell exports on stdout (progress on stderr):
               eval "$(npm run -s engine -- env)"  (-s: else npm's banner is evaluated too);
               DOCKER_HOST is the unix socket, or the TLS port with --tls
  info         ensure the engine, then print EngineInfo as JSON
state dir: --dir, else $DOCKLINE_ENGINE_DIR, else /tmp/dockline-engine`;

const q = (v: string | number): string => `'${String(v).replace(/'/g, `'\\''`)}'`;

function exportsFor(info: EngineInfo, tls: boolean): string[] {
  const lines = tls
    ? [
        ['DOCKER_HOST', `tcp://127.0.0.1:${info.tls.port}`],
        ['DOCKER_TLS_VERIFY', '1'],
        ['DOCKER_CERT_PATH', info.tls.certDir],
      ]
    : [['DOCKER_HOST', `unix://${info.socketPath}`]];
  return [
    ...lines,
    ['DOCKLINE_ENGINE_DIR', info.stateDir],
    ['DOCKLINE_TLS_HOST', `tcp://127.0.0.1:${info.tls.port}`],
    ['DOCKLINE_TLS_CERT_PATH', info.tls.certDir],
    ['DOCKLINE_REGISTRY', info.registry.address],
    ['DOCKLINE_REGISTRY_USER', info.registry.username],
    ['DOCKLINE_REGISTRY_PASSWORD', info.registry.password],
    ['DOCKLINE_REGISTRY_IMAGE', info.registry.image],
    ['DOCKLINE_SSH_HOST', `ssh://root@127.0.0.1:${info.ssh.port}`],
    ['DOCKLINE_SSH_KEY', info.ssh.privateKeyPath],
    ['DOCKLINE_SSH_KNOWN_HOSTS', info.ssh.knownHostsPath],
    ['DOCKLINE_PODMAN_HOST', `unix://${info.podman.socketPath}`],
  ].map(([k, v]) => `export ${k}=${q(v!)}`);
}

function clusterSummary(info: ClusterInfo): string {
  return [
    `subnet    ${info.subnet} (hub namespace ${info.hubNetns})`,
    ...info.nodes.map((n) => `${n.name.padEnd(9)} unix://${n.socketPath} ${n.role} ${n.address} netns ${n.netns} node ${n.nodeId} (pid ${n.pid})`),
  ].join('\n');
}

/**
 * `npm run engine -- env` without -s prints npm's banner ("> engine", "> node ...") on stdout
 * before this process starts; `eval "$(...)"` then runs those lines as redirections, creating
 * files named `engine` and `node`. npm passes -s on as npm_config_loglevel=silent, so the
 * case is visible here: refuse when the output is captured (a terminal shows it harmlessly).
 */
function npmBannerOnStdout(): string | undefined {
  const underNpmRun = process.env.npm_command === 'run' || process.env.npm_command === 'run-script';
  if (!underNpmRun || process.env.npm_config_loglevel === 'silent' || process.stdout.isTTY) return undefined;
  return [
    'engine env: npm printed its banner ("> engine", "> node ...") on stdout before these exports;',
    'an eval of that output runs the banner too (it creates files named "engine" and "node" here).',
    'Use: eval "$(npm run -s engine -- env)"   (or: npx tsx tools/engine/src/cli.ts env)',
  ].join('\n');
}

function summary(info: EngineInfo): string {
  return [
    `dockerd   unix://${info.socketPath} (API ${info.apiVersion}, ${info.dockerd.storageDriver}, pid ${info.dockerd.pid})`,
    `tls       tcp://127.0.0.1:${info.tls.port} (DOCKER_CERT_PATH=${info.tls.certDir})`,
    `registry  ${info.registry.address} user ${info.registry.username} (image ${info.registry.image}, pid ${info.registry.pid})`,
    `sshd      ssh://root@127.0.0.1:${info.ssh.port} key ${info.ssh.privateKeyPath} (pid ${info.ssh.pid})`,
    `podman    unix://${info.podman.socketPath} (API ${info.podman.apiVersion}, Podman ${info.podman.libpodVersion}, ${info.podman.storageDriver}, pid ${info.podman.pid})`,
    `image     ${info.image}`,
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  let stateDir: string | undefined;
  const dirAt = args.indexOf('--dir');
  if (dirAt >= 0) {
    stateDir = args[dirAt + 1];
    if (!stateDir) throw new Error('--dir needs a value');
    args.splice(dirAt, 2);
  }
  const [cmd, ...rest] = args;
  const log = (line: string) => process.stderr.write(`[engine] ${line}\n`);
  switch (cmd) {
    case 'start': {
      const t0 = Date.now();
      const info = await ensureEngine({ stateDir, log });
      console.log(summary(info));
      console.log(`${info.startedByUs ? 'started' : 'already running'} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return 0;
    }
    case 'stop':
      await stopEngine({ stateDir });
      console.log('stopped');
      return 0;
    case 'prometheus': {
      const p = await ensurePrometheus({ stateDir, log });
      console.log(`prometheus ${p.url} (pid ${p.pid}) scrapes http://127.0.0.1:${p.targetPort}/metrics every ${p.scrapeIntervalSeconds} s (job ${p.job})`);
      return 0;
    }
    case 'status': {
      const s = await engineStatus({ stateDir });
      if (s.running && s.info) console.log(`running\n${summary(s.info)}`);
      else console.log(`not running\n${s.problems.map((p) => `  - ${p}`).join('\n')}`);
      const prom = await prometheusStatus({ stateDir });
      console.log(prom ? `prometheus ${prom.url} (pid ${prom.pid}) scraping 127.0.0.1:${prom.targetPort}` : 'prometheus not running (optional: engine prometheus)');
      return s.running ? 0 : 1;
    }
    case 'env': {
      const banner = npmBannerOnStdout();
      if (banner) {
        console.error(banner);
        return 2;
      }
      const info = await ensureEngine({ stateDir, log });
      console.log(exportsFor(info, rest.includes('--tls')).join('\n'));
      return 0;
    }
    case 'info': {
      const info = await ensureEngine({ stateDir, log });
      console.log(JSON.stringify(info, null, 2));
      return 0;
    }
    case 'cluster': {
      const sub = rest[0];
      if (sub === 'start') {
        const t0 = Date.now();
        const info = await ensureCluster({ stateDir, log });
        console.log(clusterSummary(info));
        console.log(`${info.startedByUs ? 'started' : 'already running'} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        return 0;
      }
      if (sub === 'stop') {
        await stopCluster({ stateDir });
        console.log('stopped');
        return 0;
      }
      if (sub === 'status') {
        const s = await clusterStatus({ stateDir });
        if (s.running && s.info) console.log(`running\n${clusterSummary(s.info)}`);
        else console.log(`not running\n${s.problems.map((p) => `  - ${p}`).join('\n')}`);
        return s.running ? 0 : 1;
      }
      console.error(USAGE);
      return 2;
    }
    case 'netns': {
      const sub = rest[0];
      if (sub === 'start') {
        const info = await ensureNetnsDaemon({ stateDir, log });
        console.log(`dockerd   unix://${info.socketPath} netns ${info.netns} (pid ${info.pid})`);
        return 0;
      }
      if (sub === 'stop') {
        await stopNetnsDaemon({ stateDir });
        console.log('stopped');
        return 0;
      }
      if (sub === 'status') {
        const s = await netnsDaemonStatus({ stateDir });
        if (s.running && s.info) console.log(`running\ndockerd   unix://${s.info.socketPath} netns ${s.info.netns} (pid ${s.info.pid})`);
        else console.log(`not running\n${s.problems.map((p) => `  - ${p}`).join('\n')}`);
        return s.running ? 0 : 1;
      }
      console.error(USAGE);
      return 2;
    }
    default:
      console.error(USAGE);
      return cmd === undefined || cmd === 'help' || cmd === '--help' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);
