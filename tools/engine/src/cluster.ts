// Namespaced daemons for the tests that need addresses: one lone dockerd for user networks
// ("net"), and a three-node swarm (n1 manager + leader, n2 manager, n3 worker) whose
// nodes are joined by veth pairs to a bridge in a hub namespace. Every address lives in
// those namespaces only; the client reaches each daemon through its unix socket.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureTools, type Tools } from './apt.ts';
import { expectStatus, request, type Target } from './http.ts';
import { ensureTestImage } from './image.ts';
import {
  addNetns,
  checkNodeDockerd,
  delNetns,
  ip,
  listNetns,
  netnsPrefix,
  nodeLayout,
  nodeTarget,
  startNodeDockerd,
  stopNodeDockerd,
  type NodeLayout,
} from './netns.ts';
import { isRoot, sleep } from './proc.ts';
import { TEST_IMAGE, resolveStateDir, withLock } from './state.ts';

export const DEFAULT_CLUSTER_SUBNET = '10.213.0.0/24';
const SWARM_PORT = 2377;

export interface NetnsDaemonInfo {
  name: string;
  /** the network namespace it runs in (/run/netns/NAME) */
  netns: string;
  socketPath: string;
  pid: number;
  logPath: string;
}

export interface ClusterNodeInfo extends NetnsDaemonInfo {
  /** the node's address on the hub bridge (inside the namespaces only) */
  address: string;
  role: 'manager' | 'worker';
  /** swarm node ID */
  nodeId: string;
}

export interface ClusterInfo {
  stateDir: string;
  /** the hub bridge's subnet, e.g. 10.213.0.0/24 */
  subnet: string;
  hubNetns: string;
  /** n1 (manager, swarm initialised there), n2 (manager), n3 (worker) */
  nodes: ClusterNodeInfo[];
  image: typeof TEST_IMAGE;
  startedByUs: boolean;
}

export interface NetnsDaemonStatus {
  running: boolean;
  info?: NetnsDaemonInfo;
  problems: string[];
}

export interface ClusterOptions {
  stateDir?: string | undefined;
  log?: ((line: string) => void) | undefined;
}

const NODES = [
  { name: 'n1', role: 'manager' },
  { name: 'n2', role: 'manager' },
  { name: 'n3', role: 'worker' },
] as const;

function clusterLayout(stateDir: string) {
  const prefix = netnsPrefix(stateDir);
  const dir = join(stateDir, 'ns');
  const subnet = process.env.DOCKLINE_CLUSTER_SUBNET || DEFAULT_CLUSTER_SUBNET;
  const m = /^(\d+\.\d+\.\d+)\.0\/24$/.exec(subnet);
  if (!m) throw new Error(`DOCKLINE_CLUSTER_SUBNET must be a /24 like ${DEFAULT_CLUSTER_SUBNET}, got ${subnet}`);
  return {
    stateDir,
    prefix,
    dir,
    subnet,
    hub: `${prefix}-hub`,
    // Its own lock: starting the cluster must not wait for (or block) the main engine.
    lock: { stateDir, lockFile: join(stateDir, 'ns.lock') },
    net: nodeLayout(join(dir, 'net'), 'net', `${prefix}-net`),
    nodes: NODES.map((spec, i) => ({
      ...nodeLayout(join(dir, spec.name), spec.name, `${prefix}-${spec.name}`),
      role: spec.role,
      address: `${m[1]}.${11 + i}`,
      hubSide: `${prefix}h${i + 1}`,
    })),
  };
}
type ClusterLayout = ReturnType<typeof clusterLayout>;
type ClusterNodeLayout = ClusterLayout['nodes'][number];

const log0 = (): void => {};

async function api<T>(target: Target, method: string, path: string, body?: unknown, ok = [200]): Promise<T> {
  const res = await request(target, {
    method,
    path,
    ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
    timeoutMs: 60_000,
  });
  expectStatus(res, ok, `${method} ${path}`);
  return (res.body.length ? JSON.parse(res.body.toString('utf8')) : undefined) as T;
}

function daemonInfo(n: NodeLayout, pid: number): NetnsDaemonInfo {
  return { name: n.name, netns: n.netns, socketPath: n.docker.socket, pid, logPath: n.docker.log };
}

function needRoot(what: string): void {
  if (!isRoot()) throw new Error(`dockline engine: ${what} needs root (network namespaces, dockerd)`);
}

// ---------------------------------------------------------------- the lone "net" daemon

/** The namespaced dockerd for network tests: reused when it answers, started otherwise. */
export async function ensureNetnsDaemon(opts: ClusterOptions = {}): Promise<NetnsDaemonInfo> {
  const c = clusterLayout(resolveStateDir(opts.stateDir));
  const log = opts.log ?? log0;
  const pid = await checkNodeDockerd(c.net);
  if (pid && (await listNetns()).includes(c.net.netns)) return daemonInfo(c.net, pid);
  needRoot('starting the namespaced dockerd');
  return withLock(c.lock, async () => {
    const again = await checkNodeDockerd(c.net);
    if (again) return daemonInfo(c.net, again);
    const tools = await ensureTools(join(c.stateDir, 'apt.log'), log);
    await stopNode(c.net);
    await addNetns(c.net.netns);
    const started = await startNodeDockerd(tools, c.net, { storageDriver: process.env.DOCKLINE_ENGINE_STORAGE_DRIVER, log });
    await ensureTestImage(tools, c.net, nodeTarget(c.net), log);
    return daemonInfo(c.net, started);
  });
}

export async function netnsDaemonStatus(opts: ClusterOptions = {}): Promise<NetnsDaemonStatus> {
  const c = clusterLayout(resolveStateDir(opts.stateDir));
  const pid = await checkNodeDockerd(c.net);
  return pid
    ? { running: true, info: daemonInfo(c.net, pid), problems: [] }
    : { running: false, problems: [`namespaced dockerd ${c.net.name} is not running (${c.net.docker.socket})`] };
}

export async function stopNetnsDaemon(opts: ClusterOptions = {}): Promise<void> {
  const c = clusterLayout(resolveStateDir(opts.stateDir));
  needRoot('stopping the namespaced dockerd');
  await withLock(c.lock, () => stopNode(c.net));
}

/** dockerd, its containerd and shims, the namespace, and the node's files. */
async function stopNode(n: NodeLayout): Promise<void> {
  await stopNodeDockerd(n);
  await delNetns(n.netns);
  await rm(n.dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- the swarm cluster

interface SwarmInfo {
  Swarm?: { NodeID?: string; LocalNodeState?: string; ControlAvailable?: boolean };
}

/**
 * Makes the 3-node swarm ready: reuses a running one (rejoining a node that left and
 * removing nodes that are down), starts a fresh one otherwise. Once per test run.
 */
export async function ensureCluster(opts: ClusterOptions = {}): Promise<ClusterInfo> {
  const c = clusterLayout(resolveStateDir(opts.stateDir));
  const log = opts.log ?? log0;
  const reused = await reuseCluster(c, log).catch((e: Error) => {
    log(`cluster: not reusable (${e.message})`);
    return undefined;
  });
  if (reused) return reused;
  needRoot('starting the cluster');
  return withLock(c.lock, async () => {
    const again = await reuseCluster(c, log).catch(() => undefined);
    if (again) return again;
    const tools = await ensureTools(join(c.stateDir, 'apt.log'), log);
    return startCluster(tools, c, log);
  });
}

async function reuseCluster(c: ClusterLayout, log: (line: string) => void): Promise<ClusterInfo | undefined> {
  const namespaces = await listNetns();
  if (!namespaces.includes(c.hub)) return undefined;
  const pids: number[] = [];
  for (const n of c.nodes) {
    const pid = await checkNodeDockerd(n);
    if (!pid || !namespaces.includes(n.netns)) return undefined;
    pids.push(pid);
  }
  const manager = nodeTarget(c.nodes[0]!);
  const first = await api<SwarmInfo>(manager, 'GET', '/info');
  if (first.Swarm?.LocalNodeState !== 'active' || !first.Swarm.ControlAvailable) return undefined;
  // A node that a test made leave (and maybe removed) joins again.
  for (const n of c.nodes.slice(1)) {
    const info = await api<SwarmInfo>(nodeTarget(n), 'GET', '/info');
    if (info.Swarm?.LocalNodeState === 'inactive') {
      log(`cluster: ${n.name} rejoins the swarm`);
      await joinSwarm(c, n);
    }
  }
  await removeDownNodes(manager);
  await waitReady(c);
  return clusterInfo(c, pids, false);
}

async function startCluster(tools: Tools, c: ClusterLayout, log: (line: string) => void): Promise<ClusterInfo> {
  const t0 = Date.now();
  await teardownCluster(c);
  log(`cluster: namespaces ${c.hub}, ${c.nodes.map((n) => n.netns).join(', ')} on ${c.subnet}`);
  await addNetns(c.hub);
  await ip(['link', 'add', 'br0', 'type', 'bridge'], c.hub);
  await ip(['link', 'set', 'br0', 'up'], c.hub);
  for (const n of c.nodes) {
    await addNetns(n.netns);
    // Both ends are created inside the namespaces: nothing appears in the root namespace.
    await ip(['link', 'add', n.hubSide, 'netns', c.hub, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', n.netns]);
    await ip(['link', 'set', n.hubSide, 'master', 'br0', 'up'], c.hub);
    await ip(['addr', 'add', `${n.address}/24`, 'dev', 'eth0'], n.netns);
    await ip(['link', 'set', 'eth0', 'up'], n.netns);
  }
  const storageDriver = process.env.DOCKLINE_ENGINE_STORAGE_DRIVER;
  const pids = await Promise.all(c.nodes.map((n) => startNodeDockerd(tools, n, { storageDriver, log })));
  await Promise.all(c.nodes.map((n) => ensureTestImage(tools, n, nodeTarget(n), log)));

  const first = c.nodes[0]!;
  log(`cluster: swarm init on ${first.name} (${first.address})`);
  await api(nodeTarget(first), 'POST', '/swarm/init', {
    ListenAddr: `${first.address}:${SWARM_PORT}`,
    AdvertiseAddr: `${first.address}:${SWARM_PORT}`,
    // Fast task history turnover keeps inspect/list small in long test sessions.
    Spec: { Orchestration: { TaskHistoryRetentionLimit: 5 }, Dispatcher: { HeartbeatPeriod: 2_000_000_000 } },
  });
  for (const n of c.nodes.slice(1)) await joinSwarm(c, n);
  await waitReady(c);
  log(`cluster: ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return clusterInfo(c, pids, true);
}

async function joinSwarm(c: ClusterLayout, n: ClusterNodeLayout): Promise<void> {
  const manager = nodeTarget(c.nodes[0]!);
  const swarm = await api<{ JoinTokens: { Manager: string; Worker: string } }>(manager, 'GET', '/swarm');
  await api(nodeTarget(n), 'POST', '/swarm/join', {
    ListenAddr: `${n.address}:${SWARM_PORT}`,
    AdvertiseAddr: `${n.address}:${SWARM_PORT}`,
    RemoteAddrs: [`${c.nodes[0]!.address}:${SWARM_PORT}`],
    JoinToken: n.role === 'manager' ? swarm.JoinTokens.Manager : swarm.JoinTokens.Worker,
  });
}

interface NodeEntry {
  ID: string;
  Status?: { State?: string; Addr?: string };
  Spec?: { Availability?: string };
}

async function removeDownNodes(manager: Target): Promise<void> {
  const nodes = await api<NodeEntry[]>(manager, 'GET', '/nodes');
  for (const node of nodes) {
    if (node.Status?.State === 'down') await api(manager, 'DELETE', `/nodes/${node.ID}?force=1`);
  }
}

/** Every node joined and ready, every node active (a test that drained one restores it). */
async function waitReady(c: ClusterLayout): Promise<void> {
  const manager = nodeTarget(c.nodes[0]!);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const nodes = await api<NodeEntry[]>(manager, 'GET', '/nodes');
    const ready = nodes.filter((n) => n.Status?.State === 'ready');
    if (ready.length === c.nodes.length) return;
    if (Date.now() > deadline) {
      throw new Error(`cluster: ${ready.length}/${c.nodes.length} nodes ready after 60 s: ${JSON.stringify(nodes.map((n) => [n.ID, n.Status]))}`);
    }
    await sleep(250);
  }
}

async function clusterInfo(c: ClusterLayout, pids: number[], startedByUs: boolean): Promise<ClusterInfo> {
  const nodes = await Promise.all(
    c.nodes.map(async (n, i) => {
      const info = await api<SwarmInfo>(nodeTarget(n), 'GET', '/info');
      return { ...daemonInfo(n, pids[i]!), address: n.address, role: n.role, nodeId: info.Swarm?.NodeID ?? '' };
    }),
  );
  return { stateDir: c.stateDir, subnet: c.subnet, hubNetns: c.hub, nodes, image: TEST_IMAGE, startedByUs };
}

async function teardownCluster(c: ClusterLayout): Promise<void> {
  await Promise.all(c.nodes.map((n) => stopNode(n)));
  await delNetns(c.hub);
}

export interface ClusterStatus {
  running: boolean;
  info?: ClusterInfo;
  problems: string[];
}

/** Checks the cluster without changing it. */
export async function clusterStatus(opts: ClusterOptions = {}): Promise<ClusterStatus> {
  const c = clusterLayout(resolveStateDir(opts.stateDir));
  const problems: string[] = [];
  const namespaces = await listNetns().catch(() => [] as string[]);
  if (!namespaces.includes(c.hub)) problems.push(`hub namespace ${c.hub} is missing`);
  const pids: number[] = [];
  for (const n of c.nodes) {
    const pid = await checkNodeDockerd(n);
    if (!pid) problems.push(`dockerd ${n.name} is not running (${n.docker.socket})`);
    else pids.push(pid);
  }
  if (problems.length) return { running: false, problems };
  const nodes = await api<NodeEntry[]>(nodeTarget(c.nodes[0]!), 'GET', '/nodes').catch((e: Error) => {
    problems.push(`swarm on n1: ${e.message}`);
    return [];
  });
  const ready = nodes.filter((n) => n.Status?.State === 'ready').length;
  if (!problems.length && ready !== c.nodes.length) problems.push(`${ready}/${c.nodes.length} swarm nodes ready`);
  if (problems.length) return { running: false, problems };
  return { running: true, info: await clusterInfo(c, pids, false), problems };
}

/** Stops the cluster's daemons (and containerds), deletes its namespaces and files. */
export async function stopCluster(opts: ClusterOptions = {}): Promise<void> {
  const c = clusterLayout(resolveStateDir(opts.stateDir));
  needRoot('stopping the cluster');
  await withLock(c.lock, () => teardownCluster(c));
}

/** The cluster and the lone network daemon: what `engine stop` also ends. */
export async function stopNamespaced(opts: ClusterOptions = {}): Promise<void> {
  const c = clusterLayout(resolveStateDir(opts.stateDir));
  await withLock(c.lock, async () => {
    await Promise.all([teardownCluster(c), stopNode(c.net)]);
    await rm(c.dir, { recursive: true, force: true });
  });
}
