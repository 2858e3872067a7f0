// Orchestration: reuse what runs and is healthy, clear what is stale, start what is missing.
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureTools } from './apt.ts';
import { ensureCerts } from './certs.ts';
import { stopNamespaced } from './cluster.ts';
import { checkDockerd, settleDockerd, startDockerd, stopDockerd, unixTarget } from './dockerd.ts';
import { request } from './http.ts';
import { ensureTestImage } from './image.ts';
import { isOurProcess, isRoot, readPidFile } from './proc.ts';
import { ensurePodman, podmanHealth, stopPodman, type PodmanInfo } from './podman.ts';
import { stopPrometheus } from './prometheus.ts';
import { checkRegistry, ensurePushed, startRegistry, stopRegistry } from './registry.ts';
import { checkSshd, ensureSshKeys, startSshd, stopSshd, verifyDialStdio, writeKnownHosts, hostPublicKey } from './sshd.ts';
import {
  REGISTRY_REPO,
  REGISTRY_USER,
  SSH_PASSPHRASE,
  TEST_IMAGE,
  layout,
  readState,
  resolveStateDir,
  withLock,
  writeState,
  type EngineInfo,
  type Layout,
  type StoredState,
} from './state.ts';

export interface EngineOptions {
  /** default: $DOCKLINE_ENGINE_DIR or /tmp/dockline-engine */
  stateDir?: string;
  /** progress lines (what is being started); silent by default */
  log?: (line: string) => void;
}

const SUN_PATH_MAX = 107;

/**
 * Unix socket paths must fit in sockaddr_un (107 bytes + NUL). The longest one below the
 * state dir is containerd's EXEC/containerd/containerd.sock.ttrpc.
 */
function checkPathLengths(l: Layout): void {
  const longest = l.docker.longestSocket;
  const len = Buffer.byteLength(longest);
  if (len > SUN_PATH_MAX) {
    const room = SUN_PATH_MAX - (len - Buffer.byteLength(l.stateDir));
    throw new Error(
      `dockline engine: state dir ${l.stateDir} is too long: dockerd's socket ${longest} would be ${len} bytes ` +
        `(max ${SUN_PATH_MAX}); use a state dir of at most ${room} bytes`,
    );
  }
}

/**
 * Makes sure dockerd (unix + mutual TLS), the registry (with the test image pushed), sshd
 * and Podman's Docker-compatible service (with the test image) run. Idempotent and fast when all of them already run and answer; starts only what is
 * missing. Needs root to start anything; without root it only reuses a running engine.
 */
export async function ensureEngine(opts: EngineOptions = {}): Promise<EngineInfo> {
  const l = layout(resolveStateDir(opts.stateDir));
  checkPathLengths(l);
  const log = opts.log ?? (() => {});
  if (!isRoot()) return reuseAsUser(l, log);
  return withLock(l, () => ensureAsRoot(l, log));
}

async function reuseAsUser(l: Layout, log: (line: string) => void): Promise<EngineInfo> {
  await ensureTools(l.aptLog, log);
  const status = await engineStatus({ stateDir: l.stateDir });
  if (status.running && status.info) return { ...status.info, startedByUs: false };
  const uid = process.getuid?.() ?? -1;
  if (status.problems.some((p) => /permission denied|EACCES/i.test(p))) {
    throw new Error(
      `dockline engine at ${l.stateDir} belongs to root and is not usable as uid ${uid}: ` +
        `${status.problems.join('; ')}. Run as root, or use another DOCKLINE_ENGINE_DIR started as root.`,
    );
  }
  throw new Error(
    `dockline engine is not running at ${l.stateDir} and starting it needs root ` +
      `(dockerd, sshd for root@127.0.0.1). Problems: ${status.problems.join('; ')}. ` +
      `Start it as root: sudo npx tsx tools/engine/src/cli.ts start`,
  );
}

async function ensureAsRoot(l: Layout, log: (line: string) => void): Promise<EngineInfo> {
  const tools = await ensureTools(l.aptLog, log);
  const state = await readState(l);
  const before = JSON.stringify(state);
  const save = () => writeState(l, state);
  let startedDockerd = false;
  let startedSshd = false;
  let started = false;

  await ensureCerts(tools.openssl, l, log);
  await ensureSshKeys(tools, l, log);

  // dockerd
  const problems: string[] = [];
  let docker = await checkDockerd(l, state.tlsPort, problems);
  if (!docker && isOurProcess(await readPidFile(l.docker.pidFile), 'dockerd')) {
    // Alive but not answering: maybe just busy; give it a moment before restarting it.
    docker = await settleDockerd(l, state.tlsPort, 5000);
  }
  if (docker && !state.storageDriver) state.storageDriver = await storageDriver(l);
  if (!docker) {
    if (problems.length) log(`dockerd: ${problems.join('; ')}`);
    const s = await startDockerd(tools, l, { tlsPort: state.tlsPort, storageDriver: state.storageDriver, log });
    state.tlsPort = s.tlsPort;
    state.storageDriver = s.storageDriver;
    await save();
    docker = s;
    started = startedDockerd = true;
  }
  const daemon = unixTarget(l);
  await ensureTestImage(tools, l, daemon, log);

  // registry
  let registry = await checkRegistry(l, state.registryPort, state.registryPassword, []);
  if (!registry) {
    const r = await startRegistry(tools, l, { port: state.registryPort, password: state.registryPassword, log });
    state.registryPort = r.port;
    state.registryPassword = r.password;
    await save();
    registry = r;
    started = true;
  }
  await ensurePushed(daemon, state.registryPort!, state.registryPassword!, log);

  // sshd
  let sshd = await checkSshd(l, state.sshPort, []);
  if (!sshd) {
    const s = await startSshd(tools, l, { port: state.sshPort, log });
    state.sshPort = s.port;
    await save();
    sshd = s;
    started = startedSshd = true;
  }
  // Rewritten only when port or host key differ: clients may be reading it right now.
  const expected = `[127.0.0.1]:${state.sshPort} ${await hostPublicKey(l)}\n`;
  const knownHosts = await readFile(l.ssh.knownHosts, 'utf8').catch(() => '');
  if (knownHosts !== expected) await writeKnownHosts(l, state.sshPort!);
  if (startedDockerd || startedSshd) {
    log('checking ssh + docker system dial-stdio');
    await verifyDialStdio(tools, l, state.sshPort!);
  }

  // podman (its own lock and state below ours: ensurePodman reuses a healthy service)
  const podman = await ensurePodman({ stateDir: l.podmanDir, log, insecureRegistries: [`127.0.0.1:${state.registryPort}`] });
  if (podman.startedByUs) started = true;

  const info = await buildInfo(l, state, docker, registry.pid, sshd.pid, podman);
  state.info = info;
  if (JSON.stringify(state) !== before) await save();
  return { ...info, startedByUs: started };
}

async function storageDriver(l: Layout): Promise<string> {
  const res = await request(unixTarget(l), { path: '/info' });
  return (JSON.parse(res.body.toString()) as { Driver?: string }).Driver ?? 'unknown';
}

async function buildInfo(
  l: Layout,
  state: StoredState,
  docker: { pid: number; apiVersion: string },
  registryPid: number,
  sshdPid: number,
  podman: Omit<PodmanInfo, 'startedByUs'>,
): Promise<EngineInfo> {
  const address = `127.0.0.1:${state.registryPort}`;
  return {
    stateDir: l.stateDir,
    socketPath: l.docker.socket,
    apiVersion: docker.apiVersion,
    dockerd: { pid: docker.pid, logPath: l.docker.log, storageDriver: state.storageDriver ?? 'unknown' },
    tls: {
      host: '127.0.0.1',
      port: state.tlsPort!,
      certDir: l.certs.clientDir,
      caPath: l.certs.ca,
      serverCertPath: l.certs.serverCert,
      serverKeyPath: l.certs.serverKey,
      otherCaDir: l.certs.otherDir,
    },
    registry: {
      address,
      username: REGISTRY_USER,
      password: state.registryPassword!,
      image: `${address}/${REGISTRY_REPO}:latest`,
      pid: registryPid,
      logPath: l.registry.log,
    },
    ssh: {
      host: '127.0.0.1',
      port: state.sshPort!,
      username: 'root',
      privateKeyPath: l.ssh.clientKey,
      publicKeyPath: `${l.ssh.clientKey}.pub`,
      passphraseKeyPath: l.ssh.passKey,
      passphrase: SSH_PASSPHRASE,
      knownHostsPath: l.ssh.knownHosts,
      hostPublicKey: await hostPublicKey(l),
      logPath: l.ssh.log,
      pid: sshdPid,
    },
    podman: podmanInfo(podman),
    image: TEST_IMAGE,
    startedByUs: false,
  };
}

function podmanInfo(p: Omit<PodmanInfo, 'startedByUs'>): EngineInfo['podman'] {
  return {
    socketPath: p.socketPath,
    apiVersion: p.apiVersion,
    libpodVersion: p.libpodVersion,
    storageDriver: p.storageDriver,
    pid: p.pid,
    logPath: p.logPath,
  };
}

/**
 * Stops dockerd (and its containerd), the registry, sshd and Podman (with its conmons and
 * their containers) and Prometheus; waits until they are gone. Keeps data, keys and ports. The namespaced
 * daemons (cluster, network daemon) go too, with their namespaces and files.
 */
export async function stopEngine(opts: { stateDir?: string } = {}): Promise<void> {
  const l = layout(resolveStateDir(opts.stateDir));
  const exists = await access(l.stateDir).then(() => true, () => false);
  if (!exists) return;
  if (!isRoot()) throw new Error(`dockline engine: stopping the engine at ${l.stateDir} needs root (it runs as root)`);
  await stopNamespaced({ stateDir: l.stateDir });
  await withLock(l, async () => {
    await Promise.all([stopSshd(l), stopRegistry(l), stopPodman({ stateDir: l.podmanDir }), stopPrometheus(l)]);
    await stopDockerd(l);
    const state = await readState(l);
    // Ports, password and storage driver stay so that the next start looks the same.
    delete state.info;
    await writeState(l, state);
  });
}

export interface EngineStatus {
  running: boolean;
  info?: EngineInfo;
  problems: string[];
}

/** Checks every service without starting or stopping anything. */
export async function engineStatus(opts: { stateDir?: string } = {}): Promise<EngineStatus> {
  const l = layout(resolveStateDir(opts.stateDir));
  const state = await readState(l);
  const problems: string[] = [];
  if (!state.info) {
    const denied = await access(l.stateFile).then(
      () => readFile(l.stateFile).then(() => false, (e: NodeJS.ErrnoException) => e.code === 'EACCES'),
      () => false,
    );
    problems.push(
      denied
        ? `cannot read ${l.stateFile} (permission denied): the engine belongs to root`
        : `no engine recorded in ${l.stateFile}`,
    );
  }
  const [docker, registry, sshd, podman] = await Promise.all([
    checkDockerd(l, state.tlsPort, problems),
    checkRegistry(l, state.registryPort, state.registryPassword, problems),
    checkSshd(l, state.sshPort, problems),
    podmanHealth(l.podmanDir),
  ]);
  if (!podman) problems.push(`podman does not answer on ${join(l.podmanDir, 'podman.sock')}`);
  let info = state.info ? { ...state.info, startedByUs: false } : undefined;
  if (info && docker && registry && sshd && podman) {
    // The stored pids may be older than what runs now (a service restarted by hand).
    info = {
      ...info,
      apiVersion: docker.apiVersion,
      dockerd: { ...info.dockerd, pid: docker.pid },
      registry: { ...info.registry, pid: registry.pid },
      ssh: { ...info.ssh, pid: sshd.pid },
      podman: podmanInfo(podman),
    };
  }
  return { running: problems.length === 0, ...(info ? { info } : {}), problems };
}

/** The EngineInfo recorded in state.json, without starting or checking anything. */
export async function readEngineInfo(opts: { stateDir?: string } = {}): Promise<EngineInfo | undefined> {
  const state = await readState(layout(resolveStateDir(opts.stateDir)));
  return state.info ? { ...state.info, startedByUs: false } : undefined;
}
