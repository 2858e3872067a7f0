// Network namespaces and the dockerds that live in them. Anything that gives an interface
// a private address (user networks, swarm) runs here, never in the root namespace: these
// namespaces have no route out, so nothing they send can leave them.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Tools } from './apt.ts';
import { stopDockerd } from './dockerd.ts';
import { ping, type Target } from './http.ts';
import { isAlive, isOurProcess, readPidFile, run, sleep, spawnDetached, tail, terminate, which } from './proc.ts';
import { DEFAULT_STATE_DIR, type Layout } from './state.ts';

/**
 * Prefix of every namespace (and hub interface) name of one state dir: "dl" for the default
 * dir, "dl" + 4 hex of the dir's path for any other, so two state dirs never share one.
 * DOCKLINE_NETNS_PREFIX overrides it.
 */
export function netnsPrefix(stateDir: string): string {
  const fromEnv = process.env.DOCKLINE_NETNS_PREFIX;
  if (fromEnv) {
    if (!/^[a-z][a-z0-9]{0,5}$/.test(fromEnv)) throw new Error(`DOCKLINE_NETNS_PREFIX must be 1-6 of [a-z0-9], starting with a letter; got ${fromEnv}`);
    return fromEnv;
  }
  if (stateDir === DEFAULT_STATE_DIR) return 'dl';
  return `dl${createHash('sha1').update(stateDir).digest('hex').slice(0, 4)}`;
}

export const netnsPath = (name: string): string => `/run/netns/${name}`;

function ipBin(): string {
  const ip = which('ip');
  if (!ip) throw new Error('dockline engine: `ip` not found (Debian package iproute2): apt-get install -y iproute2');
  return ip;
}

/** `ip [-n NS] ARGS...`; throws with ip's stderr. */
export async function ip(args: readonly string[], ns?: string): Promise<string> {
  const full = ns ? ['-n', ns, ...args] : [...args];
  try {
    return (await run(ipBin(), full, { timeoutMs: 15_000 })).stdout;
  } catch (e) {
    throw new Error(`ip ${full.join(' ')}: ${(e as Error).message}`);
  }
}

export async function listNetns(): Promise<string[]> {
  const out = await ip(['netns', 'list']);
  // "dl-n1 (id: 3)" -> "dl-n1"
  return out.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter(Boolean);
}

/** A fresh namespace with lo up (an old one of that name is deleted first). */
export async function addNetns(name: string): Promise<void> {
  if ((await listNetns()).includes(name)) await ip(['netns', 'del', name]);
  await ip(['netns', 'add', name]);
  await ip(['link', 'set', 'lo', 'up'], name);
}

export async function delNetns(name: string): Promise<void> {
  if ((await listNetns()).includes(name)) await ip(['netns', 'del', name]);
}

/** Every path of one namespaced dockerd, below DIR (kept short: containerd's sockets live there). */
export function nodeLayout(dir: string, name: string, netns: string) {
  const execRoot = join(dir, 'exec');
  return {
    name,
    netns,
    dir,
    docker: {
      socket: join(dir, 'docker.sock'),
      pidFile: join(dir, 'docker.pid'),
      log: join(dir, 'dockerd.log'),
      dataRoot: join(dir, 'root'),
      execRoot,
      containerdPidFile: join(execRoot, 'containerd', 'containerd.pid'),
      longestSocket: join(execRoot, 'containerd', 'containerd.sock.ttrpc'),
    } satisfies Layout['docker'],
    imageBuildDir: join(dir, 'image'),
  };
}
export type NodeLayout = ReturnType<typeof nodeLayout>;

export const nodeTarget = (n: NodeLayout): Target => ({ socketPath: n.docker.socket });

/** The pid of a live dockerd of this node that answers /_ping, else undefined. */
export async function checkNodeDockerd(n: NodeLayout): Promise<number | undefined> {
  const pid = await readPidFile(n.docker.pidFile);
  if (!isOurProcess(pid, 'dockerd')) return undefined;
  try {
    await ping(nodeTarget(n), 2000);
    return pid;
  } catch {
    return undefined;
  }
}

/**
 * Starts dockerd inside the node's namespace. `nsenter --net=` and not `ip netns exec`:
 * the latter remounts /sys and dockerd then fails ("Devices cgroup isn't mounted").
 * dockerd starts its own containerd below its own exec root, so each node's containerd
 * socket differs from every other daemon's. iptables stays off as in the root daemon.
 */
export async function startNodeDockerd(
  tools: Tools,
  n: NodeLayout,
  opts: { storageDriver?: string | undefined; log: (line: string) => void },
): Promise<number> {
  await stopDockerd(n);
  await mkdir(n.docker.dataRoot, { recursive: true, mode: 0o710 });
  await mkdir(n.docker.execRoot, { recursive: true, mode: 0o700 });
  const configFile = join(n.dir, 'daemon.json');
  await writeFile(configFile, '{}\n');
  const nsenter = tools.nsenter;
  const args = [
    `--net=${netnsPath(n.netns)}`,
    tools.dockerd,
    '--config-file', configFile,
    '--host', `unix://${n.docker.socket}`,
    '--data-root', n.docker.dataRoot,
    '--exec-root', n.docker.execRoot,
    '--pidfile', n.docker.pidFile,
    '--iptables=false',
    '--ip6tables=false',
    ...(opts.storageDriver ? ['--storage-driver', opts.storageDriver] : []),
  ];
  opts.log(`starting dockerd ${n.name} in netns ${n.netns}`);
  await writeFile(n.docker.log, `\n--- ${new Date().toISOString()} ${nsenter} ${args.join(' ')}\n`, { flag: 'a' });
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin` };
  for (const k of Object.keys(env)) if (k.startsWith('DOCKER_')) delete env[k];
  // Swarm tasks would try to pull their image from its registry first (docker.io for
  // busybox:local); images here are loaded by hand and nothing may leave the namespaces.
  env.DOCKER_SERVICE_PREFER_OFFLINE_IMAGE = '1';
  // nsenter execs dockerd (no fork for a net namespace): the pid is dockerd's.
  const pid = await spawnDetached(nsenter, args, n.docker.log, env);
  const deadline = Date.now() + 45_000;
  let lastError = '';
  for (;;) {
    if (!isAlive(pid)) throw new Error(`dockerd ${n.name} exited during startup. Tail of ${n.docker.log}:\n${await tail(n.docker.log, 25)}`);
    try {
      await ping(nodeTarget(n), 1000);
      return pid;
    } catch (e) {
      lastError = (e as Error).message;
    }
    if (Date.now() > deadline) {
      await terminate(pid);
      throw new Error(`dockerd ${n.name} did not answer /_ping within 45 s (${lastError}). Tail of ${n.docker.log}:\n${await tail(n.docker.log, 25)}`);
    }
    await sleep(100);
  }
}

export { stopDockerd as stopNodeDockerd };
