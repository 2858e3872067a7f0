// The state dir layout, state.json (what is running where) and a lock so that parallel
// test runs calling ensureEngine() at the same moment don't start two daemons.
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isAlive, readPidFile, sleep } from './proc.ts';

export interface EngineInfo {
  /** default /tmp/dockline-engine (env DOCKLINE_ENGINE_DIR) */
  stateDir: string;
  /** private dockerd unix socket */
  socketPath: string;
  /** what GET /_ping's Api-Version header said */
  apiVersion: string;
  dockerd: {
    pid: number;
    logPath: string;
    /** overlay2 here; vfs when overlay mounts are not allowed */
    storageDriver: string;
  };
  tls: {
    host: '127.0.0.1';
    port: number;
    /** client material, docker CLI convention: ca.pem cert.pem key.pem (DOCKER_CERT_PATH) */
    certDir: string;
    caPath: string;
    serverCertPath: string;
    serverKeyPath: string;
    /** an unrelated CA with its own client cert (ca.pem cert.pem key.pem): for negative tests */
    otherCaDir: string;
  };
  registry: {
    /** 127.0.0.1:PORT */
    address: string;
    username: string;
    password: string;
    /** ADDRESS/dockline/busybox:latest, present in the registry, absent from the daemon */
    image: string;
    pid: number;
    logPath: string;
  };
  ssh: {
    host: '127.0.0.1';
    port: number;
    username: 'root';
    privateKeyPath: string;
    publicKeyPath: string;
    /** a second authorized client key, encrypted with `passphrase` */
    passphraseKeyPath: string;
    passphrase: string;
    /** known_hosts holding sshd's host key as [127.0.0.1]:PORT */
    knownHostsPath: string;
    /** "ssh-ed25519 AAAA..." */
    hostPublicKey: string;
    /** sshd log, LogLevel VERBOSE: one "Accepted publickey" line per connection */
    logPath: string;
    pid: number;
  };
  /**
   * Podman's Docker-compatible service (a second engine), in <stateDir>/podman, with the same
   * test image: busybox:local resolves there too (Podman stores it as docker.io/library/busybox:local).
   */
  podman: {
    /** the Docker-compatible API: unix://<socketPath> */
    socketPath: string;
    /** Api-Version of /_ping (the Docker API version it emulates) */
    apiVersion: string;
    /** Libpod-Api-Version of /_ping (Podman's own version) */
    libpodVersion: string;
    /** overlay; vfs when overlay mounts are not allowed */
    storageDriver: string;
    pid: number;
    logPath: string;
  };
  /** the local test image */
  image: 'busybox:local';
  /** true when this call started at least one service; false when everything was reused */
  startedByUs: boolean;
}

export const DEFAULT_STATE_DIR = '/tmp/dockline-engine';
export const TEST_IMAGE = 'busybox:local';
export const SSH_PASSPHRASE = 'dockline-pass';
export const REGISTRY_USER = 'dockline';
export const REGISTRY_REPO = 'dockline/busybox';

export function resolveStateDir(stateDir?: string): string {
  return resolve(stateDir ?? process.env.DOCKLINE_ENGINE_DIR ?? DEFAULT_STATE_DIR);
}

/** Every path the engine uses, derived from the state dir alone. */
export function layout(stateDir: string) {
  const certs = join(stateDir, 'certs');
  const reg = join(stateDir, 'registry');
  const ssh = join(stateDir, 'ssh');
  return {
    stateDir,
    stateFile: join(stateDir, 'state.json'),
    lockFile: join(stateDir, 'lock'),
    aptLog: join(stateDir, 'apt.log'),
    docker: {
      socket: join(stateDir, 'docker.sock'),
      pidFile: join(stateDir, 'docker.pid'),
      log: join(stateDir, 'dockerd.log'),
      dataRoot: join(stateDir, 'root'),
      execRoot: join(stateDir, 'exec'),
      // dockerd's own containerd: we stop it too when dockerd did not.
      containerdPidFile: join(stateDir, 'exec', 'containerd', 'containerd.pid'),
      // The longest unix socket path below the state dir; must fit in sun_path (107 bytes).
      longestSocket: join(stateDir, 'exec', 'containerd', 'containerd.sock.ttrpc'),
    },
    certs: {
      dir: certs,
      caKey: join(certs, 'ca-key.pem'),
      ca: join(certs, 'ca.pem'),
      serverKey: join(certs, 'server-key.pem'),
      serverCert: join(certs, 'server-cert.pem'),
      clientDir: join(certs, 'client'),
      otherDir: join(certs, 'other-ca'),
    },
    registry: {
      dir: reg,
      config: join(reg, 'config.yml'),
      htpasswd: join(reg, 'htpasswd'),
      data: join(reg, 'data'),
      log: join(reg, 'registry.log'),
      pidFile: join(reg, 'registry.pid'),
    },
    ssh: {
      dir: ssh,
      config: join(ssh, 'sshd_config'),
      hostKey: join(ssh, 'host_ed25519'),
      clientKey: join(ssh, 'id_ed25519'),
      passKey: join(ssh, 'id_ed25519_pass'),
      authorizedKeys: join(ssh, 'authorized_keys'),
      knownHosts: join(ssh, 'known_hosts'),
      log: join(ssh, 'sshd.log'),
      pidFile: join(ssh, 'sshd.pid'),
    },
    imageBuildDir: join(stateDir, 'image'),
    /** Podman's own state dir (podman.ts lays it out) */
    podmanDir: join(stateDir, 'podman'),
  };
}
export type Layout = ReturnType<typeof layout>;

/**
 * What state.json holds: the last EngineInfo written, partially filled while a
 * start is under way (ports chosen and password kept across restarts of one service).
 */
export interface StoredState {
  version: 1;
  tlsPort?: number;
  registryPort?: number;
  registryPassword?: string;
  sshPort?: number;
  storageDriver?: string;
  info?: EngineInfo;
}

export async function readState(l: Layout): Promise<StoredState> {
  try {
    const s = JSON.parse(await readFile(l.stateFile, 'utf8')) as StoredState;
    return s && s.version === 1 ? s : { version: 1 };
  } catch {
    return { version: 1 };
  }
}

/** Write-then-rename so a reader never sees half a file. */
export async function writeState(l: Layout, s: StoredState): Promise<void> {
  const tmp = `${l.stateFile}.${process.pid}.tmp`;
  // 0600: it holds the registry password.
  await writeFile(tmp, JSON.stringify(s, null, 2) + '\n', { mode: 0o600 });
  await rename(tmp, l.stateFile);
}

/**
 * An exclusive lock file holding our pid. A lock left by a dead process is stale and
 * taken over; a live holder (another test run starting the engine) is waited for.
 */
export async function withLock<T>(l: Pick<Layout, 'stateDir' | 'lockFile'>, fn: () => Promise<T>, timeoutMs = 300_000): Promise<T> {
  await mkdir(l.stateDir, { recursive: true, mode: 0o755 });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fh = await open(l.lockFile, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = await readPidFile(l.lockFile);
      // An empty lock file is one being written right now, unless it is old (writer died).
      const age = await stat(l.lockFile).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (holder === undefined ? age > 5000 : !isAlive(holder)) {
        await rm(l.lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${l.lockFile} (held by pid ${holder ?? '?'})`);
      }
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(l.lockFile, { force: true });
  }
}
