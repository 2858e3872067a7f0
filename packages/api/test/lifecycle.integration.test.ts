// Container lifecycle (wait, kill, restart, pause, rename, top, changes, export, prune) and
// run() against the real private dockerd and Podman (tools/engine), one body per case. Each test
// checks the effect on the daemon, not just that the call resolved. Where Podman answers
// differently the test asserts its answer (docs/configuration.md, "Podman", lists each case).
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, DockerError, InvalidParameterError, NotFoundError, ServerError, TimeoutError } from '@dockline/core';
import type { DockerClient } from '../src/client.js';
import { Collector, LABEL, removeAll, uniqueName } from './helpers.js';
import { describeEachEngine } from './engines.js';

/** Entries of a tar stream: a minimal ustar header walk (name, prefix, size, type). */
function tarEntries(tar: Buffer): Map<string, { type: string; data: Buffer }> {
  const out = new Map<string, { type: string; data: Buffer }>();
  let at = 0;
  let longName: string | undefined;
  while (at + 512 <= tar.length) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, len: number) => header.subarray(start, start + len).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const prefix = header.subarray(257, 263).toString('latin1').startsWith('ustar') ? field(345, 155) : '';
    const data = tar.subarray(at + 512, at + 512 + size);
    if (type === 'x') {
      // A PAX header (Go's archive/tar writes one for long names): take its path.
      const m = /\d+ path=([^\n]*)\n/.exec(data.toString('utf8'));
      longName = m?.[1];
    } else if (type === 'L') {
      longName = data.toString('utf8').replace(/\0.*$/s, '');
    } else {
      const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
      out.set(name.replace(/^\.?\//, ''), { type, data: Buffer.from(data) });
      longName = undefined;
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describeEachEngine('container lifecycle', (engine) => {
  let docker: DockerClient;
  const created = new Set<string>();
  const runLabel = uniqueName('lifecycle');
  const labels = { ...LABEL, 'dockline.lifecycle': runLabel };

  async function startSleeper(name = uniqueName('sleeper'), cmd = ['sleep', '600']): Promise<string> {
    const { Id } = await docker.createContainer({ name, config: { Image: engine.image, Cmd: cmd, Labels: labels }, hostConfig: { NetworkMode: 'none' } });
    created.add(Id);
    await docker.startContainer(Id);
    return Id;
  }

  /** Polls the logs until `text` shows (the process reached that point). */
  async function untilLogged(id: string, text: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const out = new Collector();
      await docker.logs(id, { stdout: true, stderr: true }, { stdout: out, stderr: out });
      if (out.text.includes(text)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`"${text}" never showed in the logs of ${id}`);
  }

  beforeAll(() => {
    docker = engine.client();
  });

  afterAll(async () => {
    await removeAll(docker, created);
    await docker.close();
  });

  describe('waitContainer', () => {
    it('not-running (default) returns the exit code of an exited container; next-exit waits for the next one', async () => {
      const { Id } = await docker.createContainer({ config: { Image: engine.image, Cmd: ['sh', '-c', 'exit 4'], Labels: labels }, hostConfig: { NetworkMode: 'none' } });
      created.add(Id);
      const next = docker.waitContainer(Id, { condition: 'next-exit' });
      // waitContainer resolves at the exit, so it cannot tell when the waiter is armed (run()
      // can); the pause makes it very likely armed before the start.
      await new Promise((r) => setTimeout(r, 200));
      await docker.startContainer(Id);
      expect(await next).toEqual({ StatusCode: 4 });
      // Exited now: the default condition answers at once with the same code.
      expect(await docker.waitContainer(Id)).toEqual({ StatusCode: 4 });
    });

    it('an unknown container is a NotFoundError; a bad condition an InvalidParameterError before any request', async () => {
      await expect(docker.waitContainer(uniqueName('missing'))).rejects.toBeInstanceOf(NotFoundError);
      // @ts-expect-error not a condition
      await expect(docker.waitContainer('x', { condition: 'soon' })).rejects.toBeInstanceOf(InvalidParameterError);
    });

    it('aborting a wait rejects it with AbortError; timeoutMs with TimeoutError', async () => {
      const id = await startSleeper();
      const controller = new AbortController();
      const wait = docker.waitContainer(id, {}, { signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      await expect(wait).rejects.toMatchObject({ name: 'AbortError' });
      // A per-call timeoutMs bounds the whole wait (not only the response head).
      await expect(docker.waitContainer(id, {}, { timeoutMs: 300 })).rejects.toBeInstanceOf(TimeoutError);
      expect((await docker.inspectContainer(id)).State?.Running).toBe(true);
    });
  });

  describe('killContainer', () => {
    it('delivers the signal the process traps: it reports it and exits with its own code', async () => {
      const id = await startSleeper(uniqueName('trap'), ['sh', '-c', 'trap "echo got USR1; exit 3" USR1; echo ready; while :; do sleep 0.1; done']);
      await untilLogged(id, 'ready');
      await docker.killContainer(id, { signal: 'SIGUSR1' });
      expect(await docker.waitContainer(id)).toEqual({ StatusCode: 3 });
      const out = new Collector();
      await docker.logs(id, {}, { stdout: out });
      expect(out.text).toContain('got USR1');
    });

    it('default SIGKILL: exit code 137; a second kill (not running) is a ConflictError (Podman: ServerError)', async () => {
      const id = await startSleeper();
      await docker.killContainer(id);
      expect((await docker.waitContainer(id)).StatusCode).toBe(137);
      const err = await docker.killContainer(id).catch((e: unknown) => e);
      if (engine.name === 'podman') {
        // Podman 4.3 answers 500 (cause "container state improper") where dockerd answers 409.
        expect(err).toBeInstanceOf(ServerError);
        expect((err as DockerError).statusCode).toBe(500);
        expect((err as DockerError).daemonMessage).toMatch(/can only kill running containers.*state improper/);
      } else {
        expect(err).toBeInstanceOf(ConflictError);
      }
    });

    it("an unknown signal name is the daemon's InvalidParameterError (Podman: ServerError); an unknown container a NotFoundError", async () => {
      const id = await startSleeper();
      const err = await docker.killContainer(id, { signal: 'SIGNOPE' }).catch((e: unknown) => e);
      // Podman 4.3: 500 "invalid signal: SIGNOPE" (dockerd: 400).
      expect(err).toBeInstanceOf(engine.name === 'podman' ? ServerError : InvalidParameterError);
      expect((err as DockerError).statusCode).toBe(engine.name === 'podman' ? 500 : 400);
      expect((err as DockerError).daemonMessage).toMatch(/SIGNOPE/i);
      expect((await docker.inspectContainer(id)).State?.Running).toBe(true);
      await expect(docker.killContainer(uniqueName('missing'))).rejects.toBeInstanceOf(NotFoundError);
      // Client-side check of the option's type: no request.
      await expect(docker.killContainer(id, { signal: -1 })).rejects.toBeInstanceOf(InvalidParameterError);
    });
  });

  it('restartContainer: a new process (new Pid and StartedAt), still running', async () => {
    const id = await startSleeper();
    const before = (await docker.inspectContainer(id)).State!;
    await docker.restartContainer(id, { timeout: 0 });
    const after = (await docker.inspectContainer(id)).State!;
    expect(after.Running).toBe(true);
    expect(after.Pid).not.toBe(before.Pid);
    expect(after.StartedAt).not.toBe(before.StartedAt);
    await expect(docker.restartContainer(id, { timeout: 1.5 })).rejects.toBeInstanceOf(InvalidParameterError);
  });

  it('pause: State.Paused, exec cannot run (ConflictError) until unpause; a second pause is a ConflictError (Podman: ServerError), an unpause of a running one a ServerError', async () => {
    const id = await startSleeper();
    await docker.pauseContainer(id);
    try {
      const state = (await docker.inspectContainer(id)).State!;
      expect(state.Paused).toBe(true);
      expect(state.Status).toBe('paused');
      await expect(docker.createExec(id, { Cmd: ['true'] })).rejects.toBeInstanceOf(ConflictError);
      const again = await docker.pauseContainer(id).catch((e: unknown) => e);
      // Podman 4.3: 500 "... is already paused: container state improper" (dockerd: 409).
      expect(again).toBeInstanceOf(engine.name === 'podman' ? ServerError : ConflictError);
      expect((again as DockerError).daemonMessage).toMatch(/already paused/);
    } finally {
      await docker.unpauseContainer(id);
    }
    expect((await docker.inspectContainer(id)).State?.Paused).toBe(false);
    const { Id: execId } = await docker.createExec(id, { Cmd: ['echo', 'after'], AttachStdout: true });
    const out = new Collector();
    await docker.startExec(execId, {}, { stdout: out });
    expect(out.text).toBe('after\n');
    // dockerd 20.10 answers an unpause of a running container with a 500, not a 409 (Podman too).
    const err = await docker.unpauseContainer(id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect((err as DockerError).daemonMessage).toMatch(/not paused/);
  });

  it('renameContainer: the new name shows in inspect; a name in use is a ConflictError, as at create (Podman: ServerError at create)', async () => {
    const taken = uniqueName('taken');
    await startSleeper(taken);
    const id = await startSleeper();
    const name = uniqueName('renamed');
    await docker.renameContainer(id, name);
    expect((await docker.inspectContainer(id)).Name).toBe(`/${name}`);
    expect((await docker.inspectContainer(name)).Id).toBe(id);
    await expect(docker.renameContainer(id, taken)).rejects.toBeInstanceOf(ConflictError);
    const err = await docker
      .createContainer({ name: taken, config: { Image: engine.image, Labels: labels }, hostConfig: { NetworkMode: 'none' } })
      .catch((e: unknown) => e);
    // Podman 4.3 answers a rename to a taken name with 409, but a create with one with 500
    // (cause "that name is already in use"); dockerd answers 409 to both.
    expect(err).toBeInstanceOf(engine.name === 'podman' ? ServerError : ConflictError);
    expect((err as DockerError).daemonMessage).toMatch(/is already in use/);
    await expect(docker.renameContainer(uniqueName('missing'), uniqueName('x'))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('topContainer lists the process (default ps -ef, and psArgs; Podman: unsplit lines unless psArgs are its own descriptors)', async () => {
    const id = await startSleeper(uniqueName('top'), ['sleep', '601']);
    const top = await docker.topContainer(id);
    if (engine.name === 'podman') {
      // Podman 4.3 runs the image's ps (busybox here, which ignores -ef) and answers each line
      // as ONE field: Titles ['PID   USER     COMMAND'], Processes [['1 root     sleep 601']].
      expect(top.Titles).toHaveLength(1);
      expect(top.Titles![0]).toMatch(/^PID\s+USER\s+COMMAND$/);
      expect(top.Processes).toContainEqual([expect.stringMatching(/^1\s+root\s+sleep 601$/)]);
      // Its own (psgo) descriptors, comma-separated, come back split: pid in the container's namespace.
      const custom = await docker.topContainer(id, { psArgs: 'pid,args' });
      expect(custom.Titles).toEqual(['PID', 'COMMAND']);
      expect(custom.Processes).toContainEqual(['1', 'sleep 601']);
      return;
    }
    expect(top.Titles).toContain('CMD');
    const cmd = top.Titles!.indexOf('CMD');
    expect(top.Processes!.map((p) => p[cmd])).toContain('sleep 601');
    const custom = await docker.topContainer(id, { psArgs: '-o pid,args' });
    expect(custom.Titles).toHaveLength(2);
    expect(custom.Processes!.some((p) => p[1] === 'sleep 601')).toBe(true);
  });

  describe('a container that wrote a file', () => {
    let id: string;
    beforeAll(async () => {
      ({ id } = await docker.run({
        config: { Image: engine.image, Cmd: ['sh', '-c', 'mkdir -p /data && echo dockline-export > /data/written.txt && rm /bin/true'], Labels: labels },
        hostConfig: { NetworkMode: 'none' },
      }));
      created.add(id);
    });

    it('containerChanges lists the written file (added), its folder, and the deleted one', async () => {
      const changes = await docker.containerChanges(id);
      expect(changes).toContainEqual({ Path: '/data/written.txt', Kind: 1 });
      expect(changes).toContainEqual({ Path: '/data', Kind: 1 });
      expect(changes).toContainEqual({ Path: '/bin/true', Kind: 2 });
    });

    it('containerChanges of an unchanged container is an empty list', async () => {
      const { Id } = await docker.createContainer({ config: { Image: engine.image, Labels: labels }, hostConfig: { NetworkMode: 'none' } });
      created.add(Id);
      expect(await docker.containerChanges(Id)).toEqual([]);
    });

    it("exportContainer's tar holds the written file with its content, and not the deleted one", async () => {
      const tar = tarEntries(await readAll(await docker.exportContainer(id)));
      expect(tar.get('data/written.txt')?.data.toString()).toBe('dockline-export\n');
      expect(tar.has('bin/sh')).toBe(true);
      expect(tar.has('bin/true')).toBe(false);
    });
  });

  it('pruneContainers (label-filtered) removes our exited containers only and reports them', async () => {
    const pruneLabel = uniqueName('prune');
    const mk = async (cmd: string[]) => {
      const { Id } = await docker.createContainer({
        config: { Image: engine.image, Cmd: cmd, Labels: { ...labels, 'dockline.prune': pruneLabel } },
        hostConfig: { NetworkMode: 'none' },
      });
      created.add(Id);
      return Id;
    };
    const exited = [await mk(['true']), await mk(['sh', '-c', 'echo x > /x'])];
    for (const id of exited) await docker.startContainer(id);
    for (const id of exited) expect((await docker.waitContainer(id)).StatusCode).toBe(0);
    const running = await mk(['sleep', '600']);
    await docker.startContainer(running);

    const res = await docker.pruneContainers({ filters: { label: [`dockline.prune=${pruneLabel}`] } });
    expect(res.ContainersDeleted.sort()).toEqual([...exited].sort());
    expect(res.SpaceReclaimed).toBeGreaterThan(0);
    for (const id of exited) await expect(docker.inspectContainer(id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await docker.inspectContainer(running)).State?.Running).toBe(true);
    // Nothing left to prune under that label.
    expect(await docker.pruneContainers({ filters: { label: [`dockline.prune=${pruneLabel}`] } })).toEqual({ ContainersDeleted: [], SpaceReclaimed: 0 });
  });
});

describeEachEngine('run()', (engine) => {
  let docker: DockerClient;
  const created = new Set<string>();
  const labels = { ...LABEL, 'dockline.run': uniqueName('run') };

  beforeAll(() => {
    docker = engine.client();
  });

  afterAll(async () => {
    await removeAll(docker, created);
    await docker.close();
  });

  it('never misses a container that exits at once: 200 runs of `true` in a row, each removed', async () => {
    const name = uniqueName('instant');
    for (let i = 0; i < 200; i++) {
      const res = await docker.run({ name, config: { Image: engine.image, Cmd: ['true'], Labels: labels }, hostConfig: { NetworkMode: 'none' }, remove: true });
      expect(res.exitCode).toBe(0);
    }
    // The same name was reused 200 times: each container was removed before the next run.
    expect(await docker.listContainers({ all: true, filters: { name: [name] } })).toEqual([]);
  }, 600_000);

  it('with streams: stdout and stderr apart, the exit code, the container kept without remove', async () => {
    const stdout = new Collector();
    const stderr = new Collector();
    const res = await docker.run(
      { config: { Image: engine.image, Cmd: ['sh', '-c', 'echo out; echo err >&2; exit 5'], Labels: labels }, hostConfig: { NetworkMode: 'none' } },
      { stdout, stderr },
    );
    created.add(res.id);
    expect(res.exitCode).toBe(5);
    expect(stdout.text).toBe('out\n');
    expect(stderr.text).toBe('err\n');
    expect((await docker.inspectContainer(res.id)).State?.ExitCode).toBe(5);
  });

  it('stdin goes in, with a TTY the output comes back raw', async () => {
    const stdout = new Collector();
    const res = await docker.run(
      {
        config: { Image: engine.image, Cmd: ['cat'], OpenStdin: true, StdinOnce: true, AttachStdin: true, Labels: labels },
        hostConfig: { NetworkMode: 'none' },
        remove: true,
      },
      { stdin: Readable.from([Buffer.from('piped in\n')]), stdout },
    );
    expect(res.exitCode).toBe(0);
    expect(stdout.text).toBe('piped in\n');
    const tty = new Collector();
    const r2 = await docker.run(
      { config: { Image: engine.image, Cmd: ['sh', '-c', 'echo on-a-tty; exit 2'], Tty: true, Labels: labels }, hostConfig: { NetworkMode: 'none' }, remove: true },
      { stdout: tty },
    );
    expect(r2.exitCode).toBe(2);
    expect(tty.text).toBe('on-a-tty\r\n');
  });

  it('remove: true removes the container when the start fails too, and the error is the daemon\'s', async () => {
    const name = uniqueName('nostart');
    const err = await docker
      .run({ name, config: { Image: engine.image, Cmd: ['/no/such/binary'], Labels: labels }, hostConfig: { NetworkMode: 'none' }, remove: true }, { stdout: new Collector() })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DockerError);
    expect((err as DockerError).daemonMessage).toMatch(/no such file|not found/i);
    expect(await docker.listContainers({ all: true, filters: { name: [name] } })).toEqual([]);
  });

  it('remove: true removes the container when the caller aborts', async () => {
    const name = uniqueName('abort');
    const controller = new AbortController();
    const running = docker.run(
      { name, config: { Image: engine.image, Cmd: ['sleep', '600'], Labels: labels }, hostConfig: { NetworkMode: 'none' }, remove: true },
      undefined,
      { signal: controller.signal },
    );
    // Abort once the container runs.
    for (let i = 0; i < 200; i++) {
      const [c] = await docker.listContainers({ filters: { name: [name] } });
      if (c?.State === 'running') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    controller.abort();
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    expect(await docker.listContainers({ all: true, filters: { name: [name] } })).toEqual([]);
  });
});
