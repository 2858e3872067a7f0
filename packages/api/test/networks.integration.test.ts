// Network methods against the namespaced dockerd of tools/engine (its bridges and
// addresses exist only inside its own network namespace; the root daemon has none).
// Not in the dockerd/Podman matrix (describeEachEngine), on purpose: networks with addresses
// run only on daemons inside the network namespaces tools/engine creates, and the test Podman
// runs in the root namespace (netns "none"). See docs/configuration.md, "Podman".
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithNamespaced } from '@dockline/tool-testkit';
import { ConflictError, ForbiddenError, InvalidParameterError, NotFoundError } from '@dockline/core';
import type { DockerClient } from '../src/client.js';
import { LABEL, engineClient, removeAll, uniqueName } from './helpers.js';

const IMAGE = 'busybox:local';

describeWithNamespaced('dockline.netns', 'networks', (daemon) => {
  let docker: DockerClient;
  const containers = new Set<string>();
  /** Every network created here carries this label; only it is pruned. */
  const runLabel = uniqueName('net');
  const labels = { ...LABEL, 'dockline.run': runLabel };

  beforeAll(() => {
    docker = engineClient(daemon);
  });

  afterAll(async () => {
    await removeAll(docker, containers);
    await docker.pruneNetworks({ filters: { label: [`dockline.run=${runLabel}`] } }).catch(() => undefined);
    await docker.close();
  });

  async function container(name: string, cmd: string[], network: string, start = true): Promise<string> {
    const { Id } = await docker.createContainer({
      name,
      config: { Image: IMAGE, Cmd: cmd, Labels: labels },
      hostConfig: { NetworkMode: network },
    });
    containers.add(Id);
    if (start) await docker.startContainer(Id);
    return Id;
  }

  async function exited(id: string): Promise<number> {
    for (let i = 0; i < 300; i++) {
      const c = await docker.inspectContainer(id);
      if (c.State?.Status === 'exited') return c.State.ExitCode ?? -1;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`container ${id} did not exit`);
  }

  async function output(id: string): Promise<string> {
    const chunks: Buffer[] = [];
    const { Writable } = await import('node:stream');
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        cb();
      },
    });
    await docker.logs(id, {}, { stdout: sink, stderr: sink });
    return Buffer.concat(chunks).toString('utf8');
  }

  it('createNetwork -> inspectNetwork and listNetworks show it with its labels and driver', async () => {
    const name = uniqueName('create');
    const { Id } = await docker.createNetwork({ Name: name, Labels: { ...labels, role: 'create' }, Internal: true });
    expect(Id).toMatch(/^[0-9a-f]{64}$/);
    const net = await docker.inspectNetwork(Id);
    expect(net.Name).toBe(name);
    expect(net.Driver).toBe('bridge');
    expect(net.Internal).toBe(true);
    expect(net.Labels).toMatchObject({ role: 'create', 'dockline.run': runLabel });
    expect((await docker.inspectNetwork(name)).Id).toBe(Id);
    const listed = await docker.listNetworks({ filters: { label: [`dockline.run=${runLabel}`, 'role=create'] } });
    expect(listed.map((n) => n.Id)).toEqual([Id]);
    await docker.removeNetwork(Id);
    await expect(docker.inspectNetwork(Id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('containers on a user network reach each other by name', async () => {
    const net = uniqueName('reach');
    await docker.createNetwork({ Name: net, Labels: labels });
    const server = uniqueName('server');
    await container(server, ['sh', '-c', 'mkdir -p /www && echo hello-from-$(hostname) > /www/index.html && exec httpd -f -p 8080 -h /www'], net);
    // httpd may need a moment to listen: the client retries for up to 10 s.
    const client = await container(
      uniqueName('client'),
      ['sh', '-c', `for i in $(seq 50); do wget -qO- http://${server}:8080/ && exit 0; sleep 0.2; done; exit 1`],
      net,
    );
    expect(await exited(client)).toBe(0);
    const serverInfo = await docker.inspectContainer(server);
    expect(await output(client)).toBe(`hello-from-${serverInfo.Config?.Hostname}\n`);
    // And the server's address is one of the network's subnet.
    const endpoint = serverInfo.NetworkSettings?.Networks?.[net];
    expect(endpoint?.IPAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });

  it('connectNetwork / disconnectNetwork show in both inspects, and the alias resolves', async () => {
    const net = uniqueName('connect');
    const { Id: netId } = await docker.createNetwork({ Name: net, Labels: labels });
    const alias = `alias-${runLabel.slice(-8)}`;
    const id = await container(uniqueName('joiner'), ['sleep', '600'], 'bridge');
    await docker.connectNetwork(net, { container: id, endpointConfig: { Aliases: [alias] } });
    const net1 = await docker.inspectNetwork(netId);
    expect(Object.keys(net1.Containers ?? {})).toEqual([id]);
    const c1 = await docker.inspectContainer(id);
    expect(Object.keys(c1.NetworkSettings?.Networks ?? {}).sort()).toEqual(['bridge', net].sort());
    expect(c1.NetworkSettings?.Networks?.[net]?.Aliases).toContain(alias);

    // Another container on the network finds the connected one by its alias.
    const probe = await container(uniqueName('probe'), ['sh', '-c', `ping -c 1 -W 2 ${alias} >/dev/null && echo found`], net);
    expect(await exited(probe)).toBe(0);
    expect(await output(probe)).toBe('found\n');

    await docker.disconnectNetwork(net, { container: id });
    const net2 = await docker.inspectNetwork(netId);
    expect(Object.keys(net2.Containers ?? {})).not.toContain(id);
    const c2 = await docker.inspectContainer(id);
    expect(Object.keys(c2.NetworkSettings?.Networks ?? {})).toEqual(['bridge']);
    // Disconnecting again: the daemon says it is not connected.
    await expect(docker.disconnectNetwork(net, { container: id })).rejects.toThrow(/not connected/);
  });

  it('pruneNetworks with a label filter removes only the unused networks carrying that label', async () => {
    const pruneLabel = uniqueName('prune');
    const mine = { ...labels, 'dockline.prune': pruneLabel };
    const a = uniqueName('prune-a');
    const b = uniqueName('prune-b');
    const used = uniqueName('prune-used');
    const other = uniqueName('prune-other');
    await docker.createNetwork({ Name: a, Labels: mine });
    await docker.createNetwork({ Name: b, Labels: mine });
    await docker.createNetwork({ Name: used, Labels: mine });
    await docker.createNetwork({ Name: other, Labels: labels });
    await container(uniqueName('user'), ['sleep', '600'], used);

    const res = await docker.pruneNetworks({ filters: { label: [`dockline.prune=${pruneLabel}`] } });
    expect(res.NetworksDeleted.sort()).toEqual([a, b].sort());
    const left = await docker.listNetworks({ filters: { label: [`dockline.run=${runLabel}`] } });
    const names = left.map((n) => n.Name);
    expect(names).toContain(used);
    expect(names).toContain(other);
    expect(names).not.toContain(a);
    // Nothing more to prune with that label.
    expect((await docker.pruneNetworks({ filters: { label: [`dockline.prune=${pruneLabel}`] } })).NetworksDeleted).toEqual([]);
  });

  it('bad input: missing network, network in use, duplicate name, empty name', async () => {
    const missing = uniqueName('missing');
    await expect(docker.inspectNetwork(missing)).rejects.toBeInstanceOf(NotFoundError);
    await expect(docker.removeNetwork(missing)).rejects.toBeInstanceOf(NotFoundError);
    const holder = await container(uniqueName('holder'), ['sleep', '600'], 'bridge');
    await expect(docker.connectNetwork(missing, { container: holder })).rejects.toBeInstanceOf(NotFoundError);

    const name = uniqueName('dup');
    const { Id } = await docker.createNetwork({ Name: name, Labels: labels });
    // dockerd 20.10 refuses a second network of that name (CheckDuplicate) with 409.
    const dup = await docker.createNetwork({ Name: name, Labels: labels }).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(ConflictError);
    expect((dup as ConflictError).message).toContain(name);

    await docker.connectNetwork(Id, { container: holder });
    // In use: dockerd 20.10 answers 403 "has active endpoints".
    const inUse = await docker.removeNetwork(Id).catch((e: unknown) => e);
    expect(inUse).toBeInstanceOf(ForbiddenError);
    expect((inUse as ForbiddenError).message).toMatch(/active endpoints/);
    await docker.disconnectNetwork(Id, { container: holder, force: true });
    await docker.removeNetwork(Id);

    await expect(docker.createNetwork({ Name: '' })).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(docker.connectNetwork(name, { container: '' })).rejects.toBeInstanceOf(InvalidParameterError);
  });
});
