// Integration test: the 3-node cluster starts in namespaces of its own, keeps every
// address out of the root namespace, and stop leaves nothing behind. It uses a state dir
// of its own, so it never touches the cluster the api tests use.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCluster, clusterStatus, stopCluster, type ClusterInfo } from './cluster.ts';
import { request } from './http.ts';
import { listNetns, netnsPrefix, ip } from './netns.ts';
import { findProcesses, isRoot } from './proc.ts';

// Short: containerd's sockets below it must fit in sun_path.
const stateDir = `/tmp/dl-ct${process.pid}`;
const canRun = isRoot();

describe.skipIf(!canRun && process.env.CI !== 'true')('cluster (own state dir)', () => {
  let info: ClusterInfo;

  beforeAll(async () => {
    info = await ensureCluster({ stateDir });
  }, 180_000);

  afterAll(async () => {
    await stopCluster({ stateDir }).catch(() => undefined);
    await rm(stateDir, { recursive: true, force: true });
  }, 120_000);

  it('three nodes in three namespaces named after the state dir, joined in one swarm', async () => {
    const prefix = netnsPrefix(stateDir);
    expect(info.nodes.map((n) => n.netns)).toEqual([`${prefix}-n1`, `${prefix}-n2`, `${prefix}-n3`]);
    expect(info.nodes.map((n) => n.role)).toEqual(['manager', 'manager', 'worker']);
    expect(new Set(info.nodes.map((n) => n.nodeId)).size).toBe(3);
    const res = await request({ socketPath: info.nodes[0]!.socketPath }, { path: '/nodes' });
    const nodes = JSON.parse(res.body.toString()) as Array<{ ID: string; Status: { State: string; Addr: string } }>;
    expect(nodes.map((n) => n.Status.State)).toEqual(['ready', 'ready', 'ready']);
    expect(nodes.map((n) => n.Status.Addr).sort()).toEqual(info.nodes.map((n) => n.address).sort());
    expect((await clusterStatus({ stateDir })).running).toBe(true);
  });

  it('no address or interface of the cluster is in the root namespace', async () => {
    const links = await ip(['-o', 'link']);
    expect(links).not.toContain(`${netnsPrefix(stateDir)}h`);
    const addrs = await ip(['-o', 'addr']);
    for (const n of info.nodes) expect(addrs).not.toContain(`${n.address}/`);
    // Each node has its own address, and only on its own namespace's eth0.
    const inNode = await ip(['-o', 'addr', 'show', 'dev', 'eth0'], info.nodes[1]!.netns);
    expect(inNode).toContain(`${info.nodes[1]!.address}/24`);
  });

  it('each node runs its own containerd, below its own exec root', async () => {
    for (const n of info.nodes) {
      const execRoot = n.socketPath.replace(/docker\.sock$/, 'exec');
      expect(await findProcesses(`${execRoot}/containerd/containerd.toml`, 'containerd')).toHaveLength(1);
    }
  });

  it('stop removes the daemons, their containerds and the namespaces', async () => {
    await stopCluster({ stateDir });
    const left = (await listNetns()).filter((ns) => ns.startsWith(`${netnsPrefix(stateDir)}-`));
    expect(left).toEqual([]);
    expect(await findProcesses(stateDir)).toEqual([]);
    expect((await clusterStatus({ stateDir })).running).toBe(false);
  }, 120_000);
});
