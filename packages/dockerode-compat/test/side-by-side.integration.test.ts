// A dockerode-style program run twice against the real dockerd: once with dockerode (5.0.1,
// the root devDependency) and once with @dockline/dockerode-compat, same calls, same
// observable results. Where dockerode is buggy the difference is asserted and documented
// (docs/migrating-from-dockerode.md, "dockerode-compat").
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PassThrough, Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import Dockerode from 'dockerode';
import { describeWithEngine, startFaultProxy, type ProxyConnection } from '@dockline/tool-testkit';
import Docker from '../src/index.js';
import { collectText, tarOf, untar } from './helpers.js';

const LABEL = { 'dockline.test': 'dockerode-compat' } as const;
const IMAGE = 'busybox:local';

function uniqueName(what: string): string {
  return `dockline-compat-${what}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** followProgress as a promise: resolves `{ err, output, events }` (never rejects), so both libraries' answers can be compared. */
function follow(docker: Dockerode, stream: NodeJS.ReadableStream): Promise<{ err: Error | null; output: any[]; events: any[] }> {
  return new Promise((resolve) => {
    const events: any[] = [];
    docker.modem.followProgress(
      stream,
      (err: Error | null, output: any[]) => resolve({ err, output, events }),
      (event: any) => events.push(event),
    );
  });
}

describeWithEngine('dockerode and dockerode-compat side by side', (engine) => {
  // Both typed as dockerode: the compat class is assignable where dockerode's is expected.
  let clients: { name: 'dockerode' | 'compat'; docker: Dockerode }[];
  const containers = new Set<string>();
  const images = new Set<string>();

  beforeAll(() => {
    clients = [
      { name: 'dockerode', docker: new Dockerode({ socketPath: engine.socketPath }) },
      { name: 'compat', docker: new Docker({ socketPath: engine.socketPath }) },
    ];
  });

  afterAll(async () => {
    const docker = new Docker({ socketPath: engine.socketPath });
    await Promise.all([...containers].map((id) => docker.getContainer(id).remove({ force: true }).catch(() => undefined)));
    for (const ref of images) await docker.getImage(ref).remove({ force: true }).catch(() => undefined);
    await (docker as unknown as { close(): Promise<void> }).close();
    await (clients[1]!.docker as unknown as { close(): Promise<void> }).close();
  });

  /** Runs `fn` with each library and answers both results. */
  async function both<T>(fn: (docker: Dockerode, name: 'dockerode' | 'compat') => Promise<T>): Promise<{ dockerode: T; compat: T }> {
    const [a, b] = await Promise.all(clients.map((c) => fn(c.docker, c.name)));
    return { dockerode: a!, compat: b! };
  }

  async function create(docker: Dockerode, cmd: string[], extra: Dockerode.ContainerCreateOptions = {}): Promise<Dockerode.Container> {
    const container = await docker.createContainer({
      Image: IMAGE,
      Cmd: cmd,
      Labels: LABEL,
      ...extra,
      HostConfig: { NetworkMode: 'none', ...extra.HostConfig },
    });
    containers.add(container.id);
    return container;
  }

  it('connects with socketPath, with host/port/protocol and TLS files, and with a pinned version', async () => {
    const tls = {
      host: engine.tls.host,
      port: engine.tls.port,
      protocol: 'https' as const,
      ca: readFileSync(`${engine.tls.certDir}/ca.pem`),
      cert: readFileSync(`${engine.tls.certDir}/cert.pem`),
      key: readFileSync(`${engine.tls.certDir}/key.pem`),
    };
    const overTls = [new Dockerode(tls), new Docker(tls)];
    const pinned = [new Dockerode({ socketPath: engine.socketPath, version: 'v1.40' }), new Docker({ socketPath: engine.socketPath, version: 'v1.40' })];
    const pings = await Promise.all([...clients.map((c) => c.docker), ...overTls, ...pinned].map((d) => d.ping()));
    for (const p of pings) expect(Buffer.from(p as Buffer).toString()).toBe('OK');
    const versions = await Promise.all(overTls.map((d) => d.version()));
    expect(versions[1]!.ApiVersion).toBe(versions[0]!.ApiVersion);
    // The pinned version is the one in the URL: an option that exists only from 1.41 on is
    // not honoured by a 1.40 request, so both see the same answer as the daemon gives 1.40.
    const infos = await Promise.all(pinned.map((d) => d.info()));
    expect(infos[1]!.ID).toBe(infos[0]!.ID);
    await (overTls[1] as unknown as { close(): Promise<void> }).close();
    await (pinned[1] as unknown as { close(): Promise<void> }).close();
  });

  it('connects over SSH with dockerode\'s protocol/host/port/username/sshOptions (compat only: dockerode runs `docker system dial-stdio` there, which reaches that host\'s default daemon, not this engine)', async () => {
    const docker = new Docker({
      protocol: 'ssh',
      host: engine.ssh.host,
      port: engine.ssh.port,
      username: engine.ssh.username,
      // ssh2's options, plus @dockline/transport-ssh's own (knownHosts, the remote socket).
      sshOptions: { privateKey: readFileSync(engine.ssh.privateKeyPath), knownHosts: engine.ssh.knownHostsPath, socketPath: engine.socketPath } as never,
    });
    try {
      expect(Buffer.from((await docker.ping()) as Buffer).toString()).toBe('OK');
      const [overSsh, local] = await Promise.all([docker.info(), clients[0]!.docker.info()]);
      expect(overSsh.ID).toBe(local.ID);
    } finally {
      await (docker as unknown as { close(): Promise<void> }).close();
    }
  });

  it('containers with promises: create, start, inspect, list by label, stop, remove give the same answers', async () => {
    const r = await both(async (docker) => {
      const c = await create(docker, ['sleep', '600']);
      const started = await c.start();
      const info = await c.inspect();
      const listed = await docker.listContainers({ filters: { id: [c.id] } });
      const top = await c.top();
      await c.pause();
      const paused = (await c.inspect()).State.Status;
      await c.unpause();
      const stopped = await c.stop({ t: 0 });
      const waited = await c.wait();
      const removed = await c.remove();
      let afterRemove: any;
      await c.inspect().catch((err: any) => (afterRemove = { statusCode: err.statusCode }));
      return { c, started, info, listed, top, paused, stopped, waited, removed, afterRemove };
    });
    for (const k of ['started', 'stopped', 'removed'] as const) expect(Buffer.isBuffer(r.compat[k])).toBe(Buffer.isBuffer(r.dockerode[k]));
    expect(Object.keys(r.compat.info).sort()).toEqual(Object.keys(r.dockerode.info).sort());
    expect(r.compat.info.Id).toBe(r.compat.c.id);
    expect(r.compat.info.Config.Labels).toEqual(r.dockerode.info.Config.Labels);
    expect(r.compat.listed.map((x: any) => x.Id)).toEqual([r.compat.c.id]);
    expect(Object.keys(r.compat.listed[0]!).sort()).toEqual(Object.keys(r.dockerode.listed[0]!).sort());
    expect(r.compat.top.Titles).toEqual(r.dockerode.top.Titles);
    expect(r.compat.paused).toBe('paused');
    expect(r.dockerode.paused).toBe('paused');
    expect(r.compat.waited).toEqual(r.dockerode.waited);
    expect(r.compat.afterRemove).toEqual({ statusCode: 404 });
    expect(r.dockerode.afterRemove).toEqual({ statusCode: 404 });
  });

  it('callbacks: the last argument a function means a callback and no promise', async () => {
    const r = await both(
      (docker) =>
        new Promise<{ returned: unknown; list: any[]; errCode: unknown; errJson: unknown }>((resolve, reject) => {
          const returned = docker.listContainers({ all: true, filters: { label: ['dockline.test=dockerode-compat'] } }, (err, list) => {
            if (err) return reject(err);
            docker.getContainer('dockline-compat-no-such-container').inspect((err2: any) => {
              resolve({ returned, list: list!, errCode: err2?.statusCode, errJson: err2?.json });
            });
          });
        }),
    );
    expect(r.compat.returned).toBeUndefined();
    expect(r.dockerode.returned).toBeUndefined();
    expect(r.compat.list.map((c) => c.Id).sort()).toEqual(r.dockerode.list.map((c) => c.Id).sort());
    expect(r.compat.errCode).toBe(404);
    expect(r.dockerode.errCode).toBe(404);
    // The daemon's answer as `err.json`, as dockerode code reads it.
    expect(r.compat.errJson).toEqual({ message: 'No such container: dockline-compat-no-such-container' });
    expect(r.compat.errJson).toEqual(r.dockerode.errJson);
  });

  it('logs: the whole log as a Buffer, and the followed stream split with modem.demuxStream', async () => {
    const r = await both(async (docker) => {
      const c = await create(docker, ['sh', '-c', 'echo out1; sleep 0.1; echo err1 >&2; sleep 0.1; echo out2']);
      await c.start();
      await c.wait();
      const whole = await c.logs({ stdout: true, stderr: true });
      const stream = await c.logs({ stdout: true, stderr: true, follow: true });
      const out = new PassThrough();
      const err = new PassThrough();
      docker.modem.demuxStream(stream, out, err);
      await new Promise((res) => stream.on('end', res));
      out.end();
      err.end();
      return { whole: Buffer.from(whole), out: await collectText(out), err: await collectText(err) };
    });
    expect(r.compat.out).toBe('out1\nout2\n');
    expect(r.compat.err).toBe('err1\n');
    expect(r.compat).toEqual(r.dockerode);
  });

  it('exec with stdin: write to the hijacked stream, end it, read the demuxed output and the exit code', async () => {
    const r = await both(async (docker) => {
      const c = await create(docker, ['sleep', '600']);
      await c.start();
      const exec = await c.exec({ Cmd: ['sh', '-c', 'tr a-z A-Z; echo done >&2; exit 3'], AttachStdin: true, AttachStdout: true, AttachStderr: true });
      const stream = await exec.start({ hijack: true, stdin: true });
      const out = new PassThrough();
      const err = new PassThrough();
      docker.modem.demuxStream(stream, out, err);
      stream.write('hello ');
      stream.end('world\n');
      await new Promise((res) => stream.on('end', res));
      out.end();
      err.end();
      const inspected = await exec.inspect();
      return { out: await collectText(out), err: await collectText(err), exit: inspected.ExitCode, running: inspected.Running };
    });
    expect(r.compat).toEqual({ out: 'HELLO WORLD\n', err: 'done\n', exit: 3, running: false });
    expect(r.dockerode).toEqual(r.compat);
  });

  it('attach with stdin: ending the stream closes the container\'s stdin and the container exits', async () => {
    const r = await both(async (docker) => {
      const c = await create(docker, ['sh', '-c', 'wc -c'], { OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true });
      const stream = await c.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true });
      const out = new PassThrough();
      docker.modem.demuxStream(stream, out, new PassThrough().resume());
      await c.start();
      stream.end('12345');
      const waited = await c.wait();
      out.end();
      return { out: (await collectText(out)).trim(), code: waited.StatusCode };
    });
    expect(r.compat).toEqual({ out: '5', code: 0 });
    expect(r.dockerode).toEqual(r.compat);
  });

  it('archive: putArchive a tar, getArchive it back, infoArchive its stat header', async () => {
    const r = await both(async (docker) => {
      const c = await create(docker, ['sleep', '600']);
      await c.start();
      await c.putArchive(await tarOf({ 'hello.txt': 'hello from the archive\n' }), { path: '/tmp' });
      const tar = await c.getArchive({ path: '/tmp/hello.txt' });
      const files = await untar(tar);
      const info = await c.infoArchive({ path: '/tmp/hello.txt' });
      const stat = JSON.parse(Buffer.from(String(info.headers['x-docker-container-path-stat']), 'base64').toString('utf8'));
      const exported = await untar(await c.export());
      return { files, stat: { name: stat.name, size: stat.size }, hasEtc: 'etc/passwd' in exported };
    });
    expect(r.compat.files).toEqual({ 'hello.txt': 'hello from the archive\n' });
    expect(r.compat.stat).toEqual({ name: 'hello.txt', size: 23 });
    expect(r.compat.hasEtc).toBe(true);
    expect(r.dockerode).toEqual(r.compat);
  });

  it('pull from the private registry with auth and followProgress: same progress lines, same image', async () => {
    const reg = engine.registry;
    const authconfig = { username: reg.username, password: reg.password, serveraddress: reg.address };
    const r = await both(async (docker) => {
      const stream = await docker.pull(reg.image, { authconfig });
      const res = await follow(docker, stream);
      const image = await docker.getImage(reg.image).inspect();
      return { err: res.err, statuses: res.output.map((e) => e.status).filter((s: string) => /^(Digest|Status)/.test(s)), id: image.Id };
    });
    expect(r.compat.err).toBeNull();
    expect(r.compat.statuses.some((s: string) => s.startsWith('Status:'))).toBe(true);
    expect(r.compat).toEqual(r.dockerode);
  });

  it('build: the same image from the same context; a failing step is an error for compat (dockerode finishes with null)', async () => {
    const tags = { dockerode: uniqueName('build-a').toLowerCase(), compat: uniqueName('build-b').toLowerCase() };
    images.add(tags.dockerode).add(tags.compat);
    const r = await both(async (docker, name) => {
      const ok = await docker.buildImage(Readable.from([await tarOf({ Dockerfile: `FROM ${IMAGE}\nLABEL dockline.test=dockerode-compat\nRUN echo built > /built\n` })]), {
        t: tags[name],
        labels: { 'dockline.by': name },
        forcerm: true,
      });
      const good = await follow(docker, ok);
      const label = (await docker.getImage(tags[name]).inspect()).Config.Labels;
      const bad = await follow(
        docker,
        await docker.buildImage(Readable.from([await tarOf({ Dockerfile: `FROM ${IMAGE}\nLABEL dockline.test=dockerode-compat\nRUN echo failing; exit 7\n` })]), { forcerm: true }),
      );
      return {
        goodErr: good.err,
        built: good.output.some((e) => typeof e.stream === 'string' && e.stream.startsWith('Successfully built')),
        label,
        badErr: bad.err?.message,
        badLine: bad.output.find((e) => e.error)?.error as string | undefined,
      };
    });
    expect(r.compat.goodErr).toBeNull();
    expect(r.dockerode.goodErr).toBeNull();
    expect(r.compat.built).toBe(true);
    expect(r.dockerode.built).toBe(true);
    expect(r.compat.label).toEqual({ 'dockline.test': 'dockerode-compat', 'dockline.by': 'compat' });
    expect(r.dockerode.label).toEqual({ 'dockline.test': 'dockerode-compat', 'dockline.by': 'dockerode' });
    // Both streams carry the daemon's error line; only compat reports it as the error.
    expect(r.compat.badLine).toMatch(/returned a non-zero code: 7/);
    expect(r.dockerode.badLine).toBe(r.compat.badLine);
    expect(r.compat.badErr).toBe(r.compat.badLine);
    expect(r.dockerode.badErr).toBeUndefined();
  });

  it('events: the raw NDJSON stream between since and until carries the same container events', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const c = await create(clients[0]!.docker, ['true']);
    await c.start();
    await c.wait();
    const until = Math.floor(Date.now() / 1000) + 1;
    const r = await both(async (docker) => {
      const stream = await docker.getEvents({ since, until, filters: { container: [c.id] } });
      const text = await collectText(stream as Readable);
      return text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l).Action as string);
    });
    expect(r.compat).toEqual(expect.arrayContaining(['create', 'start', 'die']));
    expect(r.compat).toEqual(r.dockerode);
  });

  it('run() with a callback: the emitter\'s events in order, (err, data, container), the output demuxed', async () => {
    const r = await both(
      (docker) =>
        new Promise<any>((resolve) => {
          const seen: string[] = [];
          const out = new PassThrough();
          const err = new PassThrough();
          const text = Promise.all([collectText(out), collectText(err)]);
          const hub = docker.run(IMAGE, ['sh', '-c', 'echo to-out; echo to-err >&2; exit 4'], [out, err], { Tty: false, Labels: LABEL, HostConfig: { NetworkMode: 'none' } }, ((e: any, data: any, container: any) => {
            containers.add(container.id);
            text.then(([o, er]) => resolve({ seen, e, data, out: o, err: er, hasId: typeof container.id === 'string' }));
            // @types/dockerode types the callback as (err, data); dockerode passes the container third.
          }) as any);
          for (const ev of ['container', 'stream', 'start', 'data']) hub.on(ev, () => seen.push(ev));
        }),
    );
    expect(r.compat).toEqual({ seen: ['container', 'stream', 'start', 'data'], e: null, data: { StatusCode: 4, Error: null }, out: 'to-out\n', err: 'to-err\n', hasId: true });
    expect(r.dockerode).toEqual(r.compat);
  });

  it('run() as a promise: [data, container]; with AutoRemove a fast exit is still seen by compat', async () => {
    const r = await both(async (docker) => {
      const sink = new Writable({ write: (_c, _e, cb) => cb() });
      const [data, container] = await docker.run(IMAGE, ['sh', '-c', 'exit 2'], sink, { Labels: LABEL, HostConfig: { NetworkMode: 'none' } });
      containers.add(container.id);
      let auto: unknown;
      try {
        const [d2] = await docker.run(IMAGE, ['true'], sink, { Labels: LABEL, HostConfig: { NetworkMode: 'none', AutoRemove: true } });
        auto = d2.StatusCode;
      } catch (err: any) {
        auto = `error ${err.statusCode}`;
      }
      return { code: data.StatusCode, auto };
    });
    expect(r.compat).toEqual({ code: 2, auto: 0 });
    expect(r.dockerode.code).toBe(2);
    // dockerode waits after the start: an auto-removed container that already exited may be
    // gone by then (a race it rarely loses here): no assertion on its `auto`; the next test
    // makes it lose deterministically.
  });

  it('run() with AutoRemove when the wait reaches the daemon late: dockerode gets a 404, compat the exit code', async () => {
    // A proxy holds every POST .../wait for 1.5 s before the daemon sees it, standing in for a
    // slow network or a busy client: what makes dockerode's wait-after-start race
    // reproducible (on this fast local daemon it is rare: 0 of 20 plain tries lost it).
    let held = 0;
    const holdWaits = (conn: ProxyConnection): void => {
      const upstream = conn.upstream();
      conn.relayResponses();
      let chain = Promise.resolve();
      conn.client.on('data', (chunk: Buffer) => {
        const isWait = /^POST \S*\/wait/.test(chunk.toString('latin1', 0, 200));
        if (isWait) held++;
        chain = chain.then(() => (isWait ? new Promise((r) => setTimeout(r, 1500)) : undefined)).then(() => void upstream.write(chunk));
      });
      conn.client.on('end', () => void chain.then(() => upstream.end()));
      conn.client.on('error', () => upstream.destroy());
    };
    const proxy = await startFaultProxy({ target: engine.socketPath, plan: () => holdWaits });
    try {
      const viaProxy = [new Dockerode({ socketPath: proxy.socketPath }), new Docker({ socketPath: proxy.socketPath })];
      const results = await Promise.all(
        viaProxy.map(async (docker) => {
          const sink = new Writable({ write: (_c, _e, cb) => cb() });
          try {
            const [data, container] = await docker.run(IMAGE, ['sh', '-c', 'exit 5'], sink, { Labels: LABEL, HostConfig: { NetworkMode: 'none', AutoRemove: true } });
            containers.add(container.id);
            return data.StatusCode as number;
          } catch (err: any) {
            return `error ${err.statusCode}`;
          }
        }),
      );
      expect(held).toBe(2);
      expect(results).toEqual(['error 404', 5]);
      await (viaProxy[1] as unknown as { close(): Promise<void> }).close();
    } finally {
      await proxy.close();
    }
  });

  it('images, volumes and the raw modem.dial escape hatch', async () => {
    const vol = uniqueName('vol');
    const r = await both(async (docker, name) => {
      const tag = `${uniqueName(`tag-${name}`).toLowerCase()}:v1`;
      images.add(tag);
      const [repo, t] = tag.split(':') as [string, string];
      await docker.getImage(IMAGE).tag({ repo, tag: t });
      const listed = await docker.listImages({ filters: { reference: [tag] } });
      const history = await docker.getImage(tag).history();
      const removed = await docker.getImage(tag).remove();
      const v = await docker.createVolume({ Name: `${vol}-${name}`, Labels: LABEL });
      const vi = await docker.getVolume(`${vol}-${name}`).inspect();
      await v.remove();
      const dialed: any = await new Promise((resolve, reject) =>
        docker.modem.dial({ path: '/containers/json?', method: 'GET', options: { all: true, filters: { label: ['dockline.test=dockerode-compat'] } }, statusCodes: { 200: true } }, (err: unknown, data: unknown) =>
          err ? reject(err) : resolve(data),
        ),
      );
      // save and load: getImages' tar holds the manifest; loadImage's progress stream finishes cleanly.
      // @types/dockerode does not declare getImages (dockerode has it).
      const saved = await (docker as unknown as { getImages(o: object): Promise<NodeJS.ReadableStream> }).getImages({ names: [IMAGE] });
      const parts: Buffer[] = [];
      for await (const chunk of saved as AsyncIterable<Buffer>) parts.push(chunk);
      const tar = Buffer.concat(parts);
      const manifest = JSON.parse((await untar(Readable.from([tar])))['manifest.json'] ?? '[]') as { RepoTags: string[] }[];
      const loaded = await follow(docker, await docker.loadImage(Readable.from([tar])));
      return {
        savedTags: manifest.flatMap((m) => m.RepoTags),
        loaded: { err: loaded.err, lines: loaded.output.map((e) => e.stream) },
        listedTags: listed.flatMap((i) => i.RepoTags ?? []).map((x) => x.replace(/-tag-(dockerode|compat)-/, '-tag-X-').replace(/-\d+-[0-9a-f]{8}:/, ':')),
        historyLen: history.length,
        untagged: removed.map((x: any) => Object.keys(x)[0]),
        volume: { isObject: typeof v.inspect === 'function', labels: vi.Labels },
        dialedIsArray: Array.isArray(dialed),
      };
    });
    expect(r.compat.untagged).toEqual(['Untagged']);
    expect(r.compat.volume).toEqual({ isObject: true, labels: LABEL });
    expect(r.compat.dialedIsArray).toBe(true);
    expect(r.compat.savedTags).toEqual([IMAGE]);
    expect(r.compat.loaded).toEqual({ err: null, lines: [`Loaded image: ${IMAGE}\n`] });
    expect(r.compat).toEqual(r.dockerode);
  });
});
