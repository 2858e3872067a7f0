// A private Podman service (Docker-compatible API) on a unix socket, for tests that check
// dockline against a second engine. It is one of the engine's services: ensureEngine()
// starts it in <engine state dir>/podman and stopEngine() stops it (with its conmons and
// their containers), like dockerd. Its own storage, run and config folders, so it shares
// nothing with the dockerd of engine.ts or with a system Podman.
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Tools } from './apt.ts';
import { expectStatus, ping, request, type Target } from './http.ts';
import { ensureTestImage, imageExists } from './image.ts';
import {
  descendants,
  findProcesses,
  isAlive,
  isOurProcess,
  isRoot,
  readPidFile,
  removeFile,
  run,
  sleep,
  socketAccepts,
  spawnDetached,
  tail,
  terminateAll,
  which,
} from './proc.ts';
import { TEST_IMAGE, layout, resolveStateDir, withLock } from './state.ts';

/** Below the engine's state dir (DOCKLINE_ENGINE_DIR, else /tmp/dockline-engine). */
export const PODMAN_SUBDIR = 'podman';

export interface PodmanOptions {
  /** default: $DOCKLINE_PODMAN_DIR, else <engine state dir>/podman */
  stateDir?: string;
  log?: (line: string) => void;
  /**
   * Plain-HTTP registries Podman may pull from and push to (host:port): dockerd trusts
   * loopback registries without TLS, Podman only those its registries.conf marks insecure.
   */
  insecureRegistries?: string[];
}

export interface PodmanInfo {
  stateDir: string;
  /** the Docker-compatible API: unix://<socketPath> */
  socketPath: string;
  pid: number;
  /** Api-Version of /_ping (the Docker API version it emulates) */
  apiVersion: string;
  /** Libpod-Api-Version of /_ping (Podman's own version) */
  libpodVersion: string;
  /** overlay, or vfs when overlay mounts are not allowed */
  storageDriver: string;
  logPath: string;
  image: typeof TEST_IMAGE;
  startedByUs: boolean;
}

function podmanLayout(stateDir: string) {
  return {
    stateDir,
    socket: join(stateDir, 'podman.sock'),
    pidFile: join(stateDir, 'podman.pid'),
    log: join(stateDir, 'podman.log'),
    containersConf: join(stateDir, 'containers.conf'),
    storageConf: join(stateDir, 'storage.conf'),
    registriesConf: join(stateDir, 'registries.conf'),
    driverFile: join(stateDir, 'storage-driver'),
    root: join(stateDir, 'root'),
    runRoot: join(stateDir, 'run'),
    tmpDir: join(stateDir, 'tmp'),
    cniDir: join(stateDir, 'cni'),
    volumes: join(stateDir, 'volumes'),
  };
}
type PodmanLayout = ReturnType<typeof podmanLayout>;

/** The Podman state dir: the given one, else $DOCKLINE_PODMAN_DIR, else <engine state dir>/podman. */
export const resolvePodmanDir = (dir?: string): string =>
  resolve(dir ?? process.env.DOCKLINE_PODMAN_DIR ?? join(resolveStateDir(), PODMAN_SUBDIR));
const resolveDir = resolvePodmanDir;

/**
 * Makes sure a Podman service answers on <stateDir>/podman.sock with busybox:local imported.
 * Installs podman with apt when missing (root only); reuses a running service. Needs root.
 */
export async function ensurePodman(opts: PodmanOptions = {}): Promise<PodmanInfo> {
  const stateDir = resolveDir(opts.stateDir);
  const log = opts.log ?? (() => {});
  const p = podmanLayout(stateDir);
  if (!isRoot()) {
    const running = await checkPodman(p);
    if (running) return { ...running, startedByUs: false };
    throw new Error(`dockline podman: no Podman service answers on ${p.socket}, and starting one needs root`);
  }
  return withLock(layout(stateDir), async () => {
    const tools = await ensurePodmanTools(join(stateDir, 'apt.log'), log);
    let info = await checkPodman(p);
    const current = await readFile(p.registriesConf, 'utf8').catch(() => undefined);
    // Without the option, whatever the engine configured stays.
    const registries = opts.insecureRegistries || current === undefined ? registriesConf(opts.insecureRegistries ?? []) : current;
    if (current !== registries) {
      // The service reads it at start: a changed registry port means a restart.
      if (info) log('podman: registries changed, restarting the service');
      info = undefined;
      await mkdir(stateDir, { recursive: true });
      await writeFile(p.registriesConf, registries);
    }
    let startedByUs = false;
    if (!info) {
      info = await startPodman(tools.podman, p, log);
      startedByUs = true;
    }
    const target: Target = { socketPath: p.socket };
    if (await ensureImage(target, tools, stateDir, log)) startedByUs = true;
    return { ...info, startedByUs };
  });
}

function registriesConf(insecure: string[]): string {
  return [
    '# written by tools/engine/src/podman.ts',
    // No search registries: short names resolve locally only (no public registry here).
    'unqualified-search-registries = []',
    ...insecure.flatMap((r) => ['', '[[registry]]', `location = "${r}"`, 'insecure = true']),
    '',
  ].join('\n');
}

/**
 * busybox:local as on dockerd (image.ts). Podman 4.3's compat import ignores `tag=` and stores
 * `repo:latest` (a `repo=name:tag` would be honoured): when that happened, tag it ourselves.
 */
async function ensureImage(target: Target, tools: PodmanTools, stateDir: string, log: (line: string) => void): Promise<boolean> {
  const [repo, tag] = TEST_IMAGE.split(':') as [string, string];
  try {
    // image.ts only uses busybox and tar of the tool set.
    return await ensureTestImage({ busybox: tools.busybox, tar: tools.tar } as Tools, layout(stateDir), target, log);
  } catch (err) {
    if (!(await imageExists(target, `${repo}:latest`))) throw err;
    const res = await request(target, { method: 'POST', path: `/images/${repo}:latest/tag?repo=${repo}&tag=${tag}` });
    expectStatus(res, [200, 201], `tag ${repo}:latest as ${TEST_IMAGE}`);
    return true;
  }
}

/**
 * Stops the service started by ensurePodman, the conmon of every container and the
 * container processes below them (a conmon outlives the service by design, and a container
 * outlives a killed conmon). Keeps storage, but unmounts what podman mounted under it, so the
 * state dir can be deleted.
 */
export async function stopPodman(opts: { stateDir?: string } = {}): Promise<void> {
  const p = podmanLayout(resolveDir(opts.stateDir));
  // Running containers first, while the service still answers: it stops them cleanly.
  await killContainers({ socketPath: p.socket }).catch(() => undefined);
  const pid = await readPidFile(p.pidFile);
  await terminateAll([isOurProcess(pid, 'podman') ? pid : undefined, ...(await findProcesses(`unix://${p.socket}`, 'podman'))], 20_000);
  // Ours name our run root; what runs below them (the containers) goes too.
  const conmons = await findProcesses(p.runRoot, 'conmon');
  const children = await descendants(conmons);
  await terminateAll([...children, ...conmons], 10_000);
  await removeFile(p.pidFile);
  if (!(await socketAccepts(p.socket))) await removeFile(p.socket);
  await unmountUnder([p.root, p.runRoot]);
}

/** Kills every running container of the service (each gets 5 s), so none is left behind. */
async function killContainers(target: Target): Promise<void> {
  if (!(await socketAccepts(target.socketPath!))) return;
  const res = await request(target, { path: '/containers/json', timeoutMs: 5000 });
  if (res.status !== 200) return;
  const ids = (JSON.parse(res.body.toString()) as Array<{ Id: string }>).map((c) => c.Id);
  await Promise.all(
    ids.map((id) => request(target, { method: 'POST', path: `/containers/${id}/kill`, timeoutMs: 5000 }).catch(() => undefined)),
  );
}

/** The overlay driver bind-mounts <root>/overlay onto itself and leaves it mounted after exit. */
async function unmountUnder(dirs: string[]): Promise<void> {
  const mounts = (await readFile('/proc/self/mounts', 'utf8').catch(() => ''))
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    // /proc/mounts escapes spaces and the like as octal.
    .map((m) => m.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((m) => dirs.some((d) => m === d || m.startsWith(`${d}/`)));
  // Deepest first.
  for (const m of mounts.sort((a, b) => b.length - a.length)) {
    await run('umount', [m]).catch(() => undefined);
  }
}

/** Healthy = pid file names a live podman that answers /_ping. Starts nothing. */
export async function podmanHealth(stateDir?: string): Promise<Omit<PodmanInfo, 'startedByUs'> | undefined> {
  return checkPodman(podmanLayout(resolveDir(stateDir)));
}

async function checkPodman(p: PodmanLayout): Promise<Omit<PodmanInfo, 'startedByUs'> | undefined> {
  const pid = await readPidFile(p.pidFile);
  if (!isOurProcess(pid, 'podman')) return undefined;
  try {
    const res = await request({ socketPath: p.socket }, { path: '/_ping', timeoutMs: 2000 });
    if (res.status !== 200) return undefined;
    const driver = (await readFile(p.driverFile, 'utf8').catch(() => 'overlay')).trim();
    return {
      stateDir: p.stateDir,
      socketPath: p.socket,
      pid,
      apiVersion: String(res.headers['api-version'] ?? ''),
      libpodVersion: String(res.headers['libpod-api-version'] ?? ''),
      storageDriver: driver,
      logPath: p.log,
      image: TEST_IMAGE,
    };
  } catch {
    return undefined;
  }
}

interface PodmanTools {
  podman: string;
  busybox: string;
  tar: string;
}

let aptUpdated = false;

/** podman, a static busybox and tar; installs the missing Debian packages (we are root here). */
async function ensurePodmanTools(aptLog: string, log: (line: string) => void): Promise<PodmanTools> {
  const probe = () => ({ podman: which('podman'), busybox: which('/bin/busybox'), tar: which('tar') });
  let found = probe();
  const missing = () => [found.podman ? '' : 'podman', found.busybox ? '' : 'busybox-static', found.tar ? '' : 'tar'].filter(Boolean);
  if (missing().length > 0) {
    const pkgs = missing();
    log(`installing Debian packages: ${pkgs.join(' ')} (log: ${aptLog})`);
    await mkdir(resolve(aptLog, '..'), { recursive: true });
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    // No recommends: podman runs with runc (docker.io's) and needs none of them here.
    const install = () => run('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], { env, timeoutMs: 900_000 });
    try {
      let out;
      try {
        out = await install();
      } catch (e) {
        if (aptUpdated) throw e;
        // A fresh machine's package lists may be missing or stale.
        const u = await run('apt-get', ['update'], { env, timeoutMs: 600_000 });
        await appendFile(aptLog, u.stdout + u.stderr);
        aptUpdated = true;
        out = await install();
      }
      await appendFile(aptLog, out.stdout + out.stderr);
    } catch (e) {
      throw new Error(`dockline podman: apt-get install ${pkgs.join(' ')} failed: ${(e as Error).message}`);
    }
    found = probe();
    if (missing().length > 0) throw new Error(`dockline podman: still missing after apt-get: ${missing().join(', ')}`);
  }
  return found as PodmanTools;
}

/** Hard limits of this process (the service inherits them), from /proc/self/limits. */
async function hardLimit(name: string): Promise<number | undefined> {
  const text = await readFile('/proc/self/limits', 'utf8').catch(() => '');
  const line = text.split('\n').find((l) => l.startsWith(name));
  const hard = line?.slice(name.length).trim().split(/\s+/)[1];
  return hard === undefined || hard === 'unlimited' ? undefined : Number(hard);
}

/**
 * Podman gives containers nofile/nproc limits of 1048576 unless told otherwise, and runc may
 * not raise a limit above the hard limit without CAP_SYS_RESOURCE, which this machine lacks
 * ("error setting rlimit type 7/6: operation not permitted"). containers.conf's
 * default_ulimits replaces those defaults for CLI and API-created containers alike. nproc
 * above 32768 still failed here with the hard limit at 96365 (why is unclear), so it stays small.
 */
async function writeConfig(p: PodmanLayout, driver: string): Promise<void> {
  const nofile = Math.min((await hardLimit('Max open files')) ?? 1024, 1_048_576);
  const nproc = Math.min((await hardLimit('Max processes')) ?? 4096, 4096);
  await writeFile(
    p.containersConf,
    [
      '# written by tools/engine/src/podman.ts',
      '[containers]',
      `default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=${nproc}:${nproc}"]`,
      // This machine forbids traffic to private ranges: no container network, ever.
      'netns = "none"',
      'log_driver = "k8s-file"',
      '[engine]',
      // No systemd here: cgroupfs, and events to a file instead of the journal.
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      'runtime = "runc"',
      `tmp_dir = "${p.tmpDir}"`,
      `volume_path = "${p.volumes}"`,
      '[network]',
      `network_config_dir = "${p.cniDir}"`,
      '',
    ].join('\n'),
  );
  await writeFile(
    p.storageConf,
    ['[storage]', `driver = "${driver}"`, `runroot = "${p.runRoot}"`, `graphroot = "${p.root}"`, ''].join('\n'),
  );
}

async function startPodman(podman: string, p: PodmanLayout, log: (line: string) => void): Promise<Omit<PodmanInfo, 'startedByUs'>> {
  await stopPodman({ stateDir: p.stateDir });
  for (const dir of [p.root, p.runRoot, p.tmpDir, p.cniDir, p.volumes]) await mkdir(dir, { recursive: true, mode: 0o700 });
  const pinned = process.env.DOCKLINE_PODMAN_STORAGE_DRIVER;
  try {
    return await launch(podman, p, pinned ?? 'overlay', log);
  } catch (e) {
    if (pinned || !/overlay|mount/i.test(await tail(p.log, 40))) throw e;
    log('podman failed with overlay storage, retrying with vfs');
    await stopPodman({ stateDir: p.stateDir });
    return await launch(podman, p, 'vfs', log);
  }
}

async function launch(podman: string, p: PodmanLayout, driver: string, log: (line: string) => void): Promise<Omit<PodmanInfo, 'startedByUs'>> {
  await writeConfig(p, driver);
  await writeFile(p.driverFile, driver);
  // Flags as well as the config files: they win over /etc/containers of the machine.
  const args = [
    '--root', p.root,
    '--runroot', p.runRoot,
    '--tmpdir', p.tmpDir,
    '--storage-driver', driver,
    '--network-config-dir', p.cniDir,
    '--volumepath', p.volumes,
    '--cgroup-manager', 'cgroupfs',
    '--events-backend', 'file',
    'system', 'service', '--time=0', `unix://${p.socket}`,
  ];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CONTAINERS_CONF: p.containersConf,
    CONTAINERS_STORAGE_CONF: p.storageConf,
    CONTAINERS_REGISTRIES_CONF: p.registriesConf,
    PATH: `${process.env.PATH ?? ''}:/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin`,
  };
  // CONTAINER_HOST would turn podman into a remote client of some other service.
  for (const k of ['CONTAINER_HOST', 'CONTAINER_CONNECTION', 'CONTAINER_SSHKEY']) delete env[k];
  log(`starting podman system service on ${p.socket} (storage ${driver})`);
  await writeFile(p.log, `\n--- ${new Date().toISOString()} podman ${args.join(' ')}\n`, { flag: 'a' });
  const pid = await spawnDetached(podman, args, p.log, env);
  await writeFile(p.pidFile, String(pid));
  const deadline = Date.now() + 30_000;
  let lastError = '';
  for (;;) {
    if (!isAlive(pid)) throw new Error(`podman exited during startup. Tail of ${p.log}:\n${await tail(p.log, 25)}`);
    try {
      const apiVersion = await ping({ socketPath: p.socket }, 1000);
      const res = await request({ socketPath: p.socket }, { path: '/_ping' });
      return {
        stateDir: p.stateDir,
        socketPath: p.socket,
        pid,
        apiVersion,
        libpodVersion: String(res.headers['libpod-api-version'] ?? ''),
        storageDriver: driver,
        logPath: p.log,
        image: TEST_IMAGE,
      };
    } catch (e) {
      lastError = (e as Error).message;
    }
    if (Date.now() > deadline) {
      await terminateAll([pid]);
      throw new Error(`podman did not answer /_ping within 30 s (${lastError}). Tail of ${p.log}:\n${await tail(p.log, 25)}`);
    }
    await sleep(150);
  }
}
