// events() against the real dockerd and Podman (its file events logger here): a container's create/start/die in order, the
// connection closed when the loop is left or the call aborted, `until` ending the
// iteration by itself. (A daemon dying mid-stream is in events-fake.test.ts: the shared
// daemon cannot be killed here.)
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AbortError, createPipeline, type Transport } from '@dockline/core';
import { defaultMiddleware } from '@dockline/middleware';
import { unixTransport } from '@dockline/transport-unix';
import { DockerClient } from '../src/client.js';
import type { EventMessage } from '../src/operations/system-events.js';
import { LABEL, removeAll, uniqueName } from './helpers.js';
import { describeEachEngine } from './engines.js';

/** A unix transport that keeps every connection it opens, to see which ones were closed. */
function trackingTransport(socketPath: string): { transport: Transport; sockets: Duplex[] } {
  const base = unixTransport({ socketPath });
  const sockets: Duplex[] = [];
  const transport: Transport = {
    kind: base.kind,
    endpoint: base.endpoint,
    dedicatedStreams: base.dedicatedStreams ?? false,
    async connect(options) {
      const socket = await base.connect(options);
      sockets.push(socket);
      return socket;
    },
    close: () => base.close(),
  };
  return { transport, sockets };
}

async function closed(socket: Duplex): Promise<void> {
  if (socket.destroyed) return;
  await once(socket, 'close');
}

describeEachEngine('events', (engine) => {
  let docker: DockerClient;
  let sockets: Duplex[];
  const containers = new Set<string>();
  const run = uniqueName('events');
  const labelKey = 'dockline.test.events';

  beforeAll(() => {
    const tracked = trackingTransport(engine.socketPath);
    sockets = tracked.sockets;
    docker = new DockerClient({ pipeline: createPipeline({ transport: tracked.transport, middleware: defaultMiddleware() }) });
  });

  afterAll(async () => {
    await removeAll(docker, containers);
    await docker.close();
  });

  /** Creates and starts a container labelled `labelKey=value` that exits at once. */
  async function runContainer(value: string): Promise<string> {
    const { Id } = await docker.createContainer({
      config: { Image: engine.image, Cmd: ['true'], Labels: { ...LABEL, [labelKey]: value } },
      hostConfig: { NetworkMode: 'none' },
    });
    containers.add(Id);
    await docker.startContainer(Id);
    return Id;
  }

  it('a container\'s create, start and die arrive in order; leaving the loop closes the connection', async () => {
    const value = `${run}-order`;
    await docker.ping(); // the pool's keep-alive connection exists before events() opens its own
    const before = sockets.length;
    const stream = docker.events({ filters: { label: [`${labelKey}=${value}`], type: ['container'] } });
    await stream.ready; // subscribed: nothing that happens from now on is missed
    const mine = sockets.slice(before);
    expect(mine.length).toBe(1);

    const id = await runContainer(value);
    const seen: EventMessage[] = [];
    for await (const event of stream) {
      seen.push(event);
      if (event.Action === 'die') break;
    }
    // Podman reports its own "init" step (the OCI runtime's create) between create and start.
    expect(seen.map((e) => e.Action)).toEqual(engine.name === 'podman' ? ['create', 'init', 'start', 'die'] : ['create', 'start', 'die']);
    for (const e of seen) {
      expect(e.Type).toBe('container');
      expect(e.Actor?.ID).toBe(id);
      expect(e.Actor?.Attributes?.[labelKey]).toBe(value);
      // Podman names the image as stored (qualified) and adds podId and containerExitCode to every event.
      expect(e.Actor?.Attributes?.image).toBe(engine.imageRepoTag);
      if (engine.name === 'podman') expect(e.Actor?.Attributes).toMatchObject({ podId: '', containerExitCode: expect.any(String) });
    }
    expect(seen.at(-1)?.Actor?.Attributes?.exitCode).toBe('0');
    // break closed the events connection; the client goes on working.
    await closed(mine[0]!);
    expect((await docker.ping()).apiVersion).toBeTruthy();
  });

  it('until ends the iteration by itself, after the events up to then', async () => {
    const value = `${run}-until`;
    const since = new Date();
    const id = await runContainer(value);
    await docker.request('ContainerWait', { path: { id } });
    // Replay from `since` (a Date) up to now (Unix seconds): the daemon sends what it has and ends.
    const actions: string[] = [];
    for await (const event of docker.events({ since: new Date(since.getTime() - 1000), until: Date.now() / 1000 + 1, filters: { label: [`${labelKey}=${value}`] } })) {
      actions.push(event.Action!);
    }
    if (engine.name === 'podman') {
      // Podman's "init", and the "cleanup" after die once conmon's cleanup process has run
      // (within the second `until` leaves it, unless the machine is very slow).
      expect(actions.slice(0, 4)).toEqual(['create', 'init', 'start', 'die']);
      expect(actions.slice(4)).toEqual(actions.length > 4 ? ['cleanup'] : []);
    } else expect(actions).toEqual(['create', 'start', 'die']);
  });

  it('an abort ends the iteration with AbortError and closes the connection', async () => {
    const controller = new AbortController();
    const before = sockets.length;
    const stream = docker.events({ filters: { label: [`${labelKey}=${run}-never`] } }, { signal: controller.signal });
    await stream.ready;
    const mine = sockets.slice(before);
    const loop = (async () => {
      for await (const _ of stream) expect.unreachable('no event matches the filter');
    })();
    controller.abort();
    await expect(loop).rejects.toBeInstanceOf(AbortError);
    await closed(mine[0]!);

    // Aborted before the daemon answered: ready and the iteration reject alike.
    const early = new AbortController();
    early.abort();
    const stream2 = docker.events({}, { signal: early.signal });
    await expect(stream2.ready).rejects.toBeInstanceOf(AbortError);
    await expect(stream2.next()).rejects.toBeInstanceOf(AbortError);
  });

  it('close() without iterating closes the connection; the stream then reports its end', async () => {
    const before = sockets.length;
    const stream = docker.events({ filters: { label: [`${labelKey}=${run}-never`] } });
    await stream.ready;
    const mine = sockets.slice(before);
    expect(mine.length).toBe(1);
    await stream.close();
    await closed(mine[0]!);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it('bad since/until values are an InvalidParameterError naming the option', () => {
    expect(() => docker.events({ since: new Date('nope') })).toThrow(/events: since is an invalid Date/);
    expect(() => docker.events({ until: Number.NaN })).toThrow(/events: until must be a Date or Unix seconds/);
  });
});
