// Networks on the namespaced dockerd and swarm objects on the 3-node cluster of tools/engine,
// with dockerode and with dockerode-compat side by side (the root daemon has no networks).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import Dockerode from 'dockerode';
import { describeWithNamespaced } from '@dockline/tool-testkit';
import Docker from '../src/index.js';

const IMAGE = 'busybox:local';
const LABEL = { 'dockline.test': 'dockerode-compat' } as const;

type Lib = 'dockerode' | 'compat';

function uniqueName(what: string): string {
  return `dockline-compat-${what}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

function pair(socketPath: string): { name: Lib; docker: Dockerode }[] {
  return [
    { name: 'dockerode', docker: new Dockerode({ socketPath }) },
    { name: 'compat', docker: new Docker({ socketPath }) },
  ];
}

/** One library after the other: two prunes at once on one daemon get a 409. */
async function sequentially<T>(clients: { name: Lib; docker: Dockerode }[], fn: (c: { name: Lib; docker: Dockerode }) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (const c of clients) out.push(await fn(c));
  return out;
}

async function closeAll(clients: { docker: Dockerode }[]): Promise<void> {
  for (const c of clients) await (c.docker as unknown as { close?: () => Promise<void> }).close?.();
}

describeWithNamespaced('dockline.netns', 'networks with dockerode and dockerode-compat', (daemon) => {
  let clients: { name: Lib; docker: Dockerode }[];
  const run = uniqueName('net');
  const labels = { ...LABEL, 'dockline.run': run };

  beforeAll(() => {
    clients = pair(daemon.socketPath);
  });

  afterAll(async () => {
    const docker = clients[1]!.docker;
    const left = await docker.listContainers({ all: true, filters: { label: [`dockline.run=${run}`] } });
    await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
    await docker.pruneNetworks({ filters: { label: [`dockline.run=${run}`] } }).catch(() => undefined);
    await closeAll(clients);
  });

  it('create, inspect, list, connect and disconnect a container, remove, prune: the same answers', async () => {
    const results = await sequentially(clients, async ({ name, docker }) => {
        const first = await docker.createNetwork({ Name: `${run}-${name}-first`, Labels: labels });
        const net = await docker.createNetwork({ Name: `${run}-${name}`, Driver: 'bridge', Labels: labels, CheckDuplicate: true });
        const info = await net.inspect();
        const listed = await docker.listNetworks({ filters: { label: [`dockline.run=${run}`], name: [`${run}-${name}`] } });
        // Created on this network; then connected to the second one.
        const container = await docker.createContainer({ Image: IMAGE, Cmd: ['sleep', '600'], Labels: labels, HostConfig: { NetworkMode: `${run}-${name}-first` } });
        // A network's Containers lists running containers only.
        await container.start();
        await net.connect({ Container: container.id });
        const attached = Object.keys((await net.inspect()).Containers ?? {});
        await net.disconnect({ Container: container.id, Force: true });
        const detached = Object.keys((await net.inspect()).Containers ?? {});
        await container.remove({ force: true });
        await net.remove();
        await first.remove();
        const gone = await net.inspect().then(
          () => 'still there',
          (err: { statusCode?: number }) => err.statusCode,
        );
        const extra = await docker.createNetwork({ Name: `${run}-${name}-pruned`, Labels: { ...labels, 'dockline.lib': name } });
        const pruned = await docker.pruneNetworks({ filters: { label: [`dockline.lib=${name}`, `dockline.run=${run}`] } });
        return {
          idMatches: info.Id === net.id,
          driver: info.Driver,
          labels: info.Labels,
          listed: listed.some((n) => n.Id === net.id),
          attached: attached.length === 1 && attached[0] === container.id,
          detached,
          gone,
          pruned: pruned.NetworksDeleted,
          extraName: `${run}-${name}-pruned`,
          extraId: extra.id,
        };
      });
    const [dockerode, compat] = results as [(typeof results)[number], (typeof results)[number]];
    expect(compat).toMatchObject({ idMatches: true, driver: 'bridge', labels, listed: true, attached: true, detached: [], gone: 404 });
    expect(compat.pruned).toEqual([compat.extraName]);
    const strip = (r: typeof compat) => ({ ...r, pruned: undefined, extraName: undefined, extraId: undefined });
    expect(strip(compat)).toEqual(strip(dockerode));
    expect(dockerode.pruned).toEqual([dockerode.extraName]);
  });
});

describeWithNamespaced('dockline.cluster', 'swarm with dockerode and dockerode-compat', (cluster) => {
  let clients: { name: Lib; docker: Dockerode }[];
  const run = uniqueName('swarm');
  const labels = { ...LABEL, 'dockline.run': run };

  beforeAll(() => {
    clients = pair(cluster.nodes[0]!.socketPath);
  });

  afterAll(async () => {
    const docker = clients[1]!.docker;
    const services = await docker.listServices({ filters: { label: [`dockline.run=${run}`] } }).catch(() => []);
    await Promise.all(services.map((s) => docker.getService(s.ID).remove().catch(() => undefined)));
    await closeAll(clients);
  });

  it('swarmInspect, listNodes, nodes and tasks: the same answers', async () => {
    const [a, b] = await Promise.all(
      clients.map(async ({ docker }) => {
        const swarm = await docker.swarmInspect();
        const nodes = await docker.listNodes();
        const node = await docker.getNode(nodes[0]!.ID!).inspect();
        return { swarmId: swarm.ID, nodes: nodes.map((n) => n.ID).sort(), nodeHost: node.Description?.Hostname };
      }),
    );
    expect(b!.nodes).toHaveLength(cluster.nodes.length);
    expect(b).toEqual(a);
  });

  it('secrets, configs and a service: create answers an object, inspect, update with version, list by label, remove', async () => {
    const results = await Promise.all(
      clients.map(async ({ name, docker }) => {
        const secret = await docker.createSecret({ Name: `${run}-s-${name}`, Labels: labels, Data: Buffer.from('s3cret').toString('base64') });
        const config = await docker.createConfig({ Name: `${run}-c-${name}`, Labels: labels, Data: Buffer.from('conf').toString('base64') });
        const sInfo = await secret.inspect();
        const cInfo = await config.inspect();
        await secret.update({ version: sInfo.Version.Index, Name: sInfo.Spec.Name, Labels: { ...labels, updated: 'yes' } });
        const sAfter = await secret.inspect();
        const service = await docker.createService({
          Name: `${run}-svc-${name}`,
          Labels: labels,
          TaskTemplate: { ContainerSpec: { Image: IMAGE, Command: ['sleep', '600'] }, Networks: [] },
          Mode: { Replicated: { Replicas: 0 } },
        });
        const svc = await service.inspect();
        await service.update({ version: svc.Version!.Index, ...svc.Spec, Labels: { ...labels, updated: 'yes' } });
        const svcAfter = await service.inspect();
        const listed = await docker.listServices({ filters: { label: [`dockline.run=${run}`], name: [`${run}-svc-${name}`] } });
        const tasks = await docker.listTasks({ filters: { service: [svc.ID!] } });
        await service.remove();
        await secret.remove();
        await config.remove();
        const gone = await Promise.all([service.inspect(), secret.inspect(), config.inspect()].map((p) => p.then(() => 0, (e: { statusCode?: number }) => e.statusCode)));
        return {
          secretId: sInfo.ID === secret.id,
          configName: cInfo.Spec?.Name === `${run}-c-${name}`,
          secretUpdated: sAfter.Spec.Labels?.updated,
          secretVersionGrew: sAfter.Version.Index > sInfo.Version.Index,
          serviceId: svc.ID === service.id,
          serviceUpdated: svcAfter.Spec?.Labels?.updated,
          listed: listed.map((s) => s.ID === service.id),
          tasks: tasks.length,
          gone,
        };
      }),
    );
    expect(results[1]).toEqual({ secretId: true, configName: true, secretUpdated: 'yes', secretVersionGrew: true, serviceId: true, serviceUpdated: 'yes', listed: [true], tasks: 0, gone: [404, 404, 404] });
    expect(results[0]).toEqual(results[1]);
  }, 60_000);
});
