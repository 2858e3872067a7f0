// Swarm, services, nodes, tasks, secrets and configs on the real 3-node cluster of
// tools/engine: n1 and n2 managers, n3 a worker, each dockerd in its own network namespace.
// Not in the dockerd/Podman matrix (describeEachEngine), on purpose: Podman 4.3 has no Swarm
// (/swarm, /services, /nodes, /tasks and /configs answer a plain 404; its /secrets are its own
// local secrets), and Swarm runs only on daemons inside tools/engine's network namespaces.
// See docs/configuration.md, "Podman".
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithNamespaced } from '@dockline/tool-testkit';
import { AbortError, ConflictError, InvalidParameterError, NotFoundError, TimeoutError } from '@dockline/core';
import type { DockerClient } from '../src/client.js';
import type { ServiceSpec } from '../src/operations/service-create.js';
import { ServiceTaskFailedError } from '../src/operations/service-wait.js';
import type { SwarmTask } from '../src/operations/task-list.js';
import { LABEL, engineClient, uniqueName } from './helpers.js';

const IMAGE = 'busybox:local';
const MS = 1_000_000; // ns per ms: swarm durations are nanoseconds
// Swarm converges in seconds, but a rolling update or a rollback takes several of them.

describeWithNamespaced('dockline.cluster', 'swarm (3 nodes)', (cluster) => {
  const [n1, n2, n3] = cluster.nodes as [(typeof cluster.nodes)[number], (typeof cluster.nodes)[number], (typeof cluster.nodes)[number]];
  let manager: DockerClient;
  let worker: DockerClient;
  const runLabel = uniqueName('swarm');
  const labels = { ...LABEL, 'dockline.run': runLabel };
  const nodeIds = new Map<string, string>(); // node name -> current swarm node ID

  beforeAll(async () => {
    manager = engineClient(n1);
    worker = engineClient(n3);
    for (const n of cluster.nodes) {
      const c = engineClient(n);
      nodeIds.set(n.name, (await c.info()).Swarm?.NodeID ?? '');
      await c.close();
    }
  }, 120_000);

  afterAll(async () => {
    const services = await manager.listServices({ filters: { label: [`dockline.run=${runLabel}`] } }).catch(() => []);
    await Promise.all(services.map((s) => manager.removeService(s.ID!).catch(() => undefined)));
    // Secrets and configs can go once no task uses them.
    for (let i = 0; i < 50; i++) {
      const left = await manager.listTasks({ filters: { label: [`dockline.run=${runLabel}`] } }).catch(() => []);
      if (services.length === 0 || left.every((t) => t.Status?.State !== 'running')) break;
      await sleep(200);
    }
    for (const s of await manager.listSecrets({ filters: { label: [`dockline.run=${runLabel}`] } }).catch(() => [])) {
      await manager.removeSecret(s.ID!).catch(() => undefined);
    }
    for (const c of await manager.listConfigs({ filters: { label: [`dockline.run=${runLabel}`] } }).catch(() => [])) {
      await manager.removeConfig(c.ID!).catch(() => undefined);
    }
    await manager.close();
    await worker.close();
  }, 120_000);

  function spec(name: string, replicas: number, command: string[], extra: Partial<ServiceSpec> = {}): ServiceSpec {
    return {
      Name: name,
      Labels: labels,
      Mode: { Replicated: { Replicas: replicas } },
      TaskTemplate: {
        // busybox's sleep as PID 1 ignores SIGTERM: a short grace period keeps stops fast.
        ContainerSpec: { Image: IMAGE, Command: command, Labels: labels, StopGracePeriod: 100 * MS },
        RestartPolicy: { Condition: 'any', Delay: 200 * MS },
      },
      UpdateConfig: { Parallelism: 1, Delay: 100 * MS, Monitor: 500 * MS, Order: 'stop-first' },
      ...extra,
    };
  }

  async function create(s: ServiceSpec): Promise<string> {
    const { ID } = await manager.createService(s);
    return ID;
  }

  async function scale(id: string, replicas: number): Promise<void> {
    const svc = await manager.inspectService(id);
    await manager.updateService(id, svc.Version!.Index!, { ...svc.Spec!, Mode: { Replicated: { Replicas: replicas } } });
  }

  async function running(id: string): Promise<SwarmTask[]> {
    const tasks = await manager.listTasks({ filters: { service: [id], 'desired-state': ['running'] } });
    return tasks.filter((t) => t.Status?.State === 'running');
  }

  async function logsOf(id: string, details = false): Promise<string> {
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        cb();
      },
    });
    await manager.serviceLogs(id, { details }, { stdout: sink, stderr: sink });
    return Buffer.concat(chunks).toString('utf8');
  }

  it('swarmInspect and listNodes: three ready nodes, two of them managers', async () => {
    const swarm = await manager.swarmInspect();
    expect(swarm.ID).toBeTruthy();
    expect(swarm.JoinTokens?.Worker).toMatch(/^SWMTKN-/);
    const nodes = await manager.listNodes();
    expect(nodes.map((n) => n.ID).sort()).toEqual([...nodeIds.values()].sort());
    expect(nodes.every((n) => n.Status?.State === 'ready')).toBe(true);
    const managers = await manager.listNodes({ filters: { role: ['manager'] } });
    expect(managers.map((n) => n.ID).sort()).toEqual([nodeIds.get('n1'), nodeIds.get('n2')].sort());
    const n3node = await manager.inspectNode(nodeIds.get('n3')!);
    expect(n3node.Spec?.Role).toBe('worker');
    expect(n3node.Status?.Addr).toBe(n3.address);
  }, 120_000);

  it('a service of 6 replicas spreads over the 3 nodes; scaling to 2 and back to 6 converges', async () => {
    const id = await create(spec(uniqueName('spread'), 6, ['sleep', '600']));
    const first = await manager.waitForService(id, { timeoutMs: 60_000 });
    expect(first.running).toHaveLength(6);
    const perNode = countBy(first.running.map((t) => t.NodeID!));
    expect([...perNode.keys()].sort()).toEqual([...nodeIds.values()].sort());

    await scale(id, 2);
    const down = await manager.waitForService(id, { timeoutMs: 60_000 });
    expect(down.running).toHaveLength(2);
    // Once the scheduler shut the extra tasks down, only 2 are desired running.
    await until(async () => (await running(id)).length === 2);

    await scale(id, 6);
    const up = await manager.waitForService(id, { timeoutMs: 60_000 });
    expect(up.running).toHaveLength(6);
    expect(up.service.Spec?.Mode?.Replicated?.Replicas).toBe(6);
    await manager.removeService(id);
    await expect(manager.inspectService(id)).rejects.toBeInstanceOf(NotFoundError);
  }, 120_000);

  it('a rolling update with parallelism 1 replaces the tasks one after another', async () => {
    const id = await create(spec(uniqueName('rolling'), 3, ['sleep', '600']));
    await manager.waitForService(id, { timeoutMs: 60_000 });
    const svc = await manager.inspectService(id);
    const next: ServiceSpec = structuredClone(svc.Spec!);
    next.TaskTemplate!.ContainerSpec!.Env = ['VERSION=2'];
    await manager.updateService(id, svc.Version!.Index!, next);
    const done = await manager.waitForService(id, { timeoutMs: 90_000 });
    expect(done.running.every((t) => t.Spec?.ContainerSpec?.Env?.includes('VERSION=2'))).toBe(true);

    const all = await manager.listTasks({ filters: { service: [id] } });
    const replaced = all.filter((t) => t.Spec?.ContainerSpec?.Env?.includes('VERSION=2')).sort((a, b) => cmpTime(a.CreatedAt, b.CreatedAt));
    expect(replaced).toHaveLength(3);
    // One at a time: each new task was created only after the previous new one was running
    // (its Status.Timestamp is when it became running: they still run).
    for (let i = 1; i < replaced.length; i++) {
      expect(cmpTime(replaced[i]!.CreatedAt, replaced[i - 1]!.Status!.Timestamp)).toBeGreaterThanOrEqual(0);
    }
    // And every old task was shut down.
    const old = all.filter((t) => !t.Spec?.ContainerSpec?.Env?.includes('VERSION=2'));
    expect(old.length).toBeGreaterThanOrEqual(3);
    expect(old.every((t) => t.DesiredState === 'shutdown')).toBe(true);
    await manager.removeService(id);
  }, 120_000);

  it('a failing update (the new command exits 3) rolls back to the previous spec', async () => {
    const id = await create(
      spec(uniqueName('rollback'), 2, ['sleep', '600'], {
        UpdateConfig: { Parallelism: 1, Delay: 100 * MS, Monitor: 2000 * MS, FailureAction: 'rollback', MaxFailureRatio: 0 },
        RollbackConfig: { Parallelism: 0, Monitor: 500 * MS },
      }),
    );
    await manager.waitForService(id, { timeoutMs: 60_000 });
    const svc = await manager.inspectService(id);
    const bad: ServiceSpec = structuredClone(svc.Spec!);
    bad.TaskTemplate!.ContainerSpec!.Command = ['sh', '-c', 'exit 3'];
    await manager.updateService(id, svc.Version!.Index!, bad);

    const rolledBack = await until(async () => {
      const s = await manager.inspectService(id);
      return (s.UpdateStatus?.State as string | undefined) === 'rollback_completed' ? s : undefined;
    }, 90_000);
    expect(rolledBack.Spec?.TaskTemplate?.ContainerSpec?.Command).toEqual(['sleep', '600']);
    const tasks = await manager.listTasks({ filters: { service: [id] } });
    const failed = tasks.find((t) => t.Spec?.ContainerSpec?.Command?.[0] === 'sh' && t.Status?.State === 'failed');
    expect(failed?.Status?.Err).toMatch(/exit(ed)? .*3|non-zero exit \(3\)/);
    const after = await manager.waitForService(id, { timeoutMs: 60_000 });
    expect(after.running).toHaveLength(2);
    expect(after.running.every((t) => t.Spec?.ContainerSpec?.Command?.[0] === 'sleep')).toBe(true);
    await manager.removeService(id);
  }, 120_000);

  it('draining node 2 moves its tasks to the other nodes', async () => {
    const n2id = nodeIds.get('n2')!;
    const id = await create(spec(uniqueName('drain'), 3, ['sleep', '600']));
    const before = await manager.waitForService(id, { timeoutMs: 60_000 });
    expect(before.running.some((t) => t.NodeID === n2id)).toBe(true);
    const node = await manager.inspectNode(n2id);
    await manager.updateNode(n2id, node.Version!.Index!, { ...node.Spec!, Availability: 'drain' });
    try {
      const after = await until(async () => {
        const r = await running(id);
        return r.length === 3 && r.every((t) => t.NodeID !== n2id) ? r : undefined;
      }, 60_000);
      expect(new Set(after.map((t) => t.NodeID))).toEqual(new Set([nodeIds.get('n1'), nodeIds.get('n3')]));
      expect((await manager.inspectNode(n2id)).Spec?.Availability).toBe('drain');
    } finally {
      const again = await manager.inspectNode(n2id);
      await manager.updateNode(n2id, again.Version!.Index!, { ...again.Spec!, Availability: 'active' });
    }
    await manager.removeService(id);
  }, 120_000);

  it('serviceLogs returns the lines of tasks on all three nodes', async () => {
    const id = await create(
      spec(uniqueName('logs'), 3, ['sh', '-c', 'echo "hello from $NODE"; echo "to stderr" >&2; sleep 600'], {
        // Spread one task per node, whatever ran before.
        Mode: { Replicated: { Replicas: 3 } },
      }),
    );
    // The node's ID reaches the task through a template, resolved on each node.
    const s = await manager.inspectService(id);
    const withEnv: ServiceSpec = structuredClone(s.Spec!);
    withEnv.TaskTemplate!.ContainerSpec!.Env = ['NODE={{.Node.ID}}'];
    withEnv.TaskTemplate!.Placement = { MaxReplicas: 1 };
    await manager.updateService(id, s.Version!.Index!, withEnv);
    const done = await manager.waitForService(id, { timeoutMs: 90_000 });
    expect(new Set(done.running.map((t) => t.NodeID)).size).toBe(3);

    const text = await until(async () => {
      const out = await logsOf(id);
      const nodes = new Set([...out.matchAll(/hello from (\w+)/g)].map((m) => m[1]));
      return nodes.size >= 3 ? out : undefined;
    }, 30_000);
    const seen = new Set([...text.matchAll(/hello from (\w+)/g)].map((m) => m[1]));
    expect(seen).toEqual(new Set(nodeIds.values()));
    expect(text).toContain('to stderr');
    // With details, each line names the node and task it came from.
    const detailed = await logsOf(id, true);
    for (const nodeId of nodeIds.values()) expect(detailed).toContain(`com.docker.swarm.node.id=${nodeId}`);
    await manager.removeService(id);
  }, 120_000);

  it('a secret and a config are mounted into the tasks and read back', async () => {
    const secretName = uniqueName('secret');
    const configName = uniqueName('config');
    const secret = await manager.createSecret({ Name: secretName, Labels: labels, Data: 's3cret-value' });
    const config = await manager.createConfig({ Name: configName, Labels: labels, Data: Buffer.from('config-value') });
    const si = await manager.inspectSecret(secret.ID);
    expect(si.Spec?.Name).toBe(secretName);
    expect(si.Spec?.Data).toBeUndefined();
    const ci = await manager.inspectConfig(config.ID);
    expect(Buffer.from(ci.Spec!.Data!, 'base64').toString()).toBe('config-value');
    expect((await manager.listSecrets({ filters: { name: [secretName] } })).map((x) => x.ID)).toEqual([secret.ID]);
    expect((await manager.listConfigs({ filters: { name: [configName] } })).map((x) => x.ID)).toEqual([config.ID]);

    const id = await create(
      spec(uniqueName('mounts'), 2, ['sh', '-c', 'echo "secret=$(cat /run/secrets/x) config=$(cat /etc/app.conf)"; sleep 600'], {}),
    );
    const s = await manager.inspectService(id);
    const withMounts: ServiceSpec = structuredClone(s.Spec!);
    withMounts.TaskTemplate!.ContainerSpec!.Secrets = [
      { SecretID: secret.ID, SecretName: secretName, File: { Name: 'x', UID: '0', GID: '0', Mode: 0o400 } },
    ];
    withMounts.TaskTemplate!.ContainerSpec!.Configs = [
      { ConfigID: config.ID, ConfigName: configName, File: { Name: '/etc/app.conf', UID: '0', GID: '0', Mode: 0o444 } },
    ];
    await manager.updateService(id, s.Version!.Index!, withMounts);
    await manager.waitForService(id, { timeoutMs: 90_000 });
    const text = await until(async () => {
      const out = await logsOf(id);
      return (out.match(/secret=s3cret-value config=config-value/g) ?? []).length >= 2 ? out : undefined;
    }, 30_000);
    expect(text).toContain('secret=s3cret-value config=config-value');

    // In use: the daemon refuses to remove it.
    await expect(manager.removeSecret(secret.ID)).rejects.toThrow(/in use/);
    await manager.removeService(id);
    await until(async () => (await manager.listTasks({ filters: { service: [id] } }).catch(() => [])).length === 0 || undefined, 30_000).catch(() => undefined);
    await until(async () => (await manager.removeSecret(secret.ID).then(() => true, () => false)) || undefined, 30_000);
    await until(async () => (await manager.removeConfig(config.ID).then(() => true, () => false)) || undefined, 30_000);
    await expect(manager.inspectSecret(secret.ID)).rejects.toBeInstanceOf(NotFoundError);
    await expect(manager.inspectConfig(config.ID)).rejects.toBeInstanceOf(NotFoundError);
  }, 120_000);

  it('bad input: a stale version is a ConflictError naming it; a missing image fails waitForService with the task error', async () => {
    const id = await create(spec(uniqueName('stale'), 0, ['sleep', '600']));
    const svc = await manager.inspectService(id);
    const stale = svc.Version!.Index!;
    await scale(id, 1);
    const err = await manager.updateService(id, stale, svc.Spec!).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).message).toContain(`version ${stale}`);
    expect((err as ConflictError).daemonMessage).toMatch(/update out of sequence/);

    const swarm = await manager.swarmInspect();
    await manager.swarmUpdate(swarm.Version!.Index!, swarm.Spec!);
    await expect(manager.swarmUpdate(swarm.Version!.Index!, swarm.Spec!)).rejects.toBeInstanceOf(ConflictError);
    await expect(manager.updateService(id, -1, svc.Spec!)).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(manager.inspectService(uniqueName('missing'))).rejects.toBeInstanceOf(NotFoundError);
    await manager.removeService(id);

    const missingImage = `dockline-missing-${runLabel.slice(-8)}:nope`;
    const bad = await create({ ...spec(uniqueName('noimage'), 1, ['sleep', '600']) });
    const s = await manager.inspectService(bad);
    const withBadImage: ServiceSpec = structuredClone(s.Spec!);
    withBadImage.TaskTemplate!.ContainerSpec!.Image = missingImage;
    await manager.updateService(bad, s.Version!.Index!, withBadImage);
    const failure = await manager.waitForService(bad, { timeoutMs: 60_000 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ServiceTaskFailedError);
    expect((failure as ServiceTaskFailedError).message).toMatch(/No such image/i);
    expect((failure as ServiceTaskFailedError).message).toContain((failure as ServiceTaskFailedError).task.ID!);
    await manager.removeService(bad);
  }, 120_000);

  it('waitForService gives up with a TimeoutError (or AbortError) that says what it saw, when tasks cannot be placed', async () => {
    const id = await create(
      spec(uniqueName('pending'), 1, ['sleep', '600'], {
        TaskTemplate: {
          ContainerSpec: { Image: IMAGE, Command: ['sleep', '600'], Labels: labels, StopGracePeriod: 100 * MS },
          // No node carries this label: the task stays pending, nothing fails.
          Placement: { Constraints: ['node.labels.dockline-nowhere==true'] },
        },
      }),
    );
    const timeout = await manager.waitForService(id, { timeoutMs: 1500 }).catch((e: unknown) => e);
    expect(timeout).toBeInstanceOf(TimeoutError);
    expect((timeout as TimeoutError).message).toMatch(/did not converge within 1500 ms: 0 running of 1 desired; states: 1 pending/);
    const aborted = await manager.waitForService(id, { signal: AbortSignal.timeout(500) }).catch((e: unknown) => e);
    expect(aborted).toBeInstanceOf(AbortError);
    await manager.removeService(id);
  }, 120_000);

  it('a node leaves the swarm, is removed by a manager, and joins again', async () => {
    const oldId = nodeIds.get('n3')!;
    await worker.swarmLeave();
    expect((await worker.info()).Swarm?.LocalNodeState).toBe('inactive');
    await until(async () => ((await manager.inspectNode(oldId)).Status?.State === 'down' ? true : undefined), 60_000);
    await manager.removeNode(oldId);
    await expect(manager.inspectNode(oldId)).rejects.toBeInstanceOf(NotFoundError);
    expect((await manager.listNodes()).map((n) => n.ID)).not.toContain(oldId);

    const tokens = (await manager.swarmInspect()).JoinTokens!;
    await worker.swarmJoin({
      ListenAddr: `${n3.address}:2377`,
      AdvertiseAddr: `${n3.address}:2377`,
      RemoteAddrs: [`${n1.address}:2377`, `${n2.address}:2377`],
      JoinToken: tokens.Worker!,
    });
    const newId = (await worker.info()).Swarm?.NodeID;
    expect(newId).toBeTruthy();
    expect(newId).not.toBe(oldId);
    await until(async () => ((await manager.inspectNode(newId!)).Status?.State === 'ready' ? true : undefined), 60_000);
    nodeIds.set('n3', newId!);
  }, 120_000);
});

function countBy(values: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

/** RFC 3339 timestamps with nanoseconds, compared exactly (Date keeps only ms). */
function cmpTime(a: string | undefined, b: string | undefined): number {
  const ns = (s: string | undefined): bigint => {
    const m = /^(.*?)(?:\.(\d+))?Z$/.exec(s ?? '');
    if (!m) throw new Error(`not a timestamp: ${s}`);
    return BigInt(Date.parse(`${m[1]}Z`)) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0').slice(0, 9) || '0');
  };
  const d = ns(a) - ns(b);
  return d > 0n ? 1 : d < 0n ? -1 : 0;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns something other than undefined/false. */
async function until<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(200);
  }
}
