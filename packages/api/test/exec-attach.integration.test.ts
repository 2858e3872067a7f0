// Hijacked streams (exec start, attach) and TTY resizing against the real dockerd.
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DockerError, NotFoundError } from '@dockline/core';
import type { DockerClient } from '../src/client.js';
import { Collector, LABEL, removeAll } from './helpers.js';
import { describeEachEngine } from './engines.js';

/** Yields `data` in pieces of `size` bytes (a stdin that arrives over time). */
function chunked(data: Buffer, size: number): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
    })(),
    { objectMode: false },
  );
}

describeEachEngine('exec and attach', (engine) => {
  let docker: DockerClient;
  const created = new Set<string>();
  /** A plain long-running container and one with a TTY, shared by the exec tests. */
  let plain: string;
  let tty: string;

  beforeAll(async () => {
    docker = engine.client();
    const [a, b] = await Promise.all([
      docker.createContainer({ config: { Image: engine.image, Cmd: ['sleep', '600'], Labels: LABEL }, hostConfig: { NetworkMode: 'none' } }),
      docker.createContainer({
        config: { Image: engine.image, Cmd: ['sleep', '600'], Labels: LABEL, Tty: true, OpenStdin: true },
        hostConfig: { NetworkMode: 'none' },
      }),
    ]);
    plain = a.Id;
    tty = b.Id;
    created.add(plain).add(tty);
    await Promise.all([docker.startContainer(plain), docker.startContainer(tty)]);
  });

  afterAll(async () => {
    await removeAll(docker, created);
    await docker.close();
  });

  it('exec with stdin: 1 MiB of random bytes through cat comes back byte-exact', async () => {
    const data = randomBytes(1024 * 1024);
    const { Id } = await docker.createExec(plain, { AttachStdin: true, AttachStdout: true, AttachStderr: true, Cmd: ['cat'] });
    const stdout = new Collector();
    const stderr = new Collector();
    let started = 0;
    const res = await docker.startExec(Id, {}, { stdin: chunked(data, 48 * 1024), stdout, stderr, onStarted: () => started++ });
    expect(res).toEqual({ tty: false });
    expect(started).toBe(1);
    expect(stdout.buffer.length).toBe(data.length);
    expect(stdout.buffer.equals(data)).toBe(true);
    expect(stderr.buffer.length).toBe(0);
    const info = await docker.inspectExec(Id);
    expect(info.Running).toBe(false);
    expect(info.ExitCode).toBe(0);
    expect(info.ProcessConfig?.tty).toBe(false);
  });

  it("exec without stdin: stdout and stderr split; inspectExec reports `sh -c 'exit 3'` as 3", async () => {
    const { Id } = await docker.createExec(plain, { AttachStdout: true, AttachStderr: true, Cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'] });
    const stdout = new Collector();
    const stderr = new Collector();
    await docker.startExec(Id, {}, { stdout, stderr });
    expect(stdout.text).toBe('out\n');
    expect(stderr.text).toBe('err\n');
    const info = await docker.inspectExec(Id);
    expect(info.ExitCode).toBe(3);
    expect(info.ContainerID).toBe(plain);
  });

  it("a TTY exec's output is raw (detected from ProcessConfig.tty): no 8-byte headers", async () => {
    const { Id } = await docker.createExec(plain, { AttachStdout: true, Tty: true, Cmd: ['printf', 'a\\r\\nb'] });
    const stdout = new Collector();
    const res = await docker.startExec(Id, {}, { stdout });
    expect(res).toEqual({ tty: true });
    // Exactly what the terminal printed: its onlcr mode turns "\n" into "\r\n" (so
    // "a\r\nb" becomes "a\r\r\nb"); a multiplexed stream would start with 01 00 00 00.
    expect(stdout.text).toBe('a\r\r\nb');
  });

  it('detached exec start returns at once; the exit code shows up in inspectExec (Podman: only after its 5 min exit delay)', async () => {
    const { Id } = await docker.createExec(plain, { Cmd: ['sh', '-c', 'sleep 0.3; exit 5'] });
    await docker.startExec(Id, { detach: true });
    let info = await docker.inspectExec(Id);
    // Podman 4.3 records a detached exec's exit when its cleanup runs, which conmon starts
    // exit_command_delay (300 s) after the exit: until then inspect says Running, ExitCode 0.
    const polls = engine.name === 'podman' ? 15 : 50;
    for (let i = 0; i < polls && info.Running !== false; i++) {
      await new Promise((r) => setTimeout(r, 100));
      info = await docker.inspectExec(Id);
    }
    expect(info.Running).toBe(engine.name === 'podman');
    expect(info.ExitCode).toBe(engine.name === 'podman' ? 0 : 5);
  });

  it('resizeExecTTY from onStarted: `stty size` in the exec then prints "33 77"', async () => {
    const { Id } = await docker.createExec(tty, {
      AttachStdin: true,
      AttachStdout: true,
      Tty: true,
      Cmd: ['sh', '-c', 'read x; stty size'],
    });
    const stdin = new PassThrough();
    const stdout = new Collector();
    let resized: Promise<unknown> | undefined;
    await docker.startExec(Id, {}, {
      stdin,
      stdout,
      onStarted: () => {
        // The kubelet's order: resize once attached, then let the process go on. stdin stays
        // open: on a TTY session dockerd takes stdin's end as a detach and closes the output.
        resized = docker.resizeExecTTY(Id, 33, 77).then(() => stdin.write('go\n'));
      },
    });
    await resized;
    expect(stdout.text).toBe('go\r\n33 77\r\n'); // the terminal's echo, then stty
    expect((await docker.inspectExec(Id)).ExitCode).toBe(0);
  });

  it('resizeContainerTTY changes the size the container\'s terminal reports', async () => {
    await docker.resizeContainerTTY(tty, 40, 123);
    // The container's own terminal is PID 1's stdin.
    const { Id } = await docker.createExec(tty, { AttachStdout: true, AttachStderr: true, Cmd: ['stty', '-F', '/proc/1/fd/0', 'size'] });
    const stdout = new Collector();
    const stderr = new Collector();
    await docker.startExec(Id, {}, { stdout, stderr });
    expect(stderr.text).toBe('');
    expect(stdout.text).toBe('40 123\n');
  });

  it('resizing an unknown exec is a NotFoundError', async () => {
    await expect(docker.resizeExecTTY('0123456789abcdef', 10, 10)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('aborting an attached exec rejects with AbortError and closes the connection', async () => {
    const { Id } = await docker.createExec(plain, { AttachStdout: true, Cmd: ['sh', '-c', 'echo started; exec sleep 30'] });
    const ac = new AbortController();
    const stdout = new Collector();
    const p = docker.startExec(Id, {}, { stdout }, { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 400));
    ac.abort();
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DockerError);
    expect((err as Error).name).toBe('AbortError');
    expect(stdout.text).toBe('started\n');
  });

  it('a failing writable rejects the call (with the cause) and closes the connection', async () => {
    const { Id } = await docker.createExec(plain, { AttachStdout: true, Cmd: ['sh', '-c', 'echo one; sleep 30'] });
    const broken = new Writable({
      write(_chunk, _enc, cb) {
        cb(new Error('disk full'));
      },
    });
    broken.on('error', () => undefined);
    const err = await docker.startExec(Id, {}, { stdout: broken }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DockerError);
    expect((err as Error).message).toContain('disk full');
    // The call gave up on the writable's error, not when `sleep 30` ended: the exec still runs.
    expect((await docker.inspectExec(Id)).Running).toBe(true);
  });

  it('attachToContainer with stdin echoes through cat (StdinOnce: stdin end stops the container)', async () => {
    const { Id } = await docker.createContainer({
      config: {
        Image: engine.image,
        Cmd: ['cat'],
        Labels: LABEL,
        OpenStdin: true,
        StdinOnce: true,
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
      },
      hostConfig: { NetworkMode: 'none' },
    });
    created.add(Id);
    await docker.startContainer(Id);
    const stdout = new Collector();
    const stderr = new Collector();
    let started = false;
    const res = await docker.attachToContainer(Id, {}, {
      stdin: Readable.from([Buffer.from('hello\n'), Buffer.from('dockline\n')]),
      stdout,
      stderr,
      onStarted: () => {
        started = true;
      },
    });
    expect(res).toEqual({ tty: false });
    expect(started).toBe(true);
    expect(stdout.text).toBe('hello\ndockline\n');
    expect(stderr.text).toBe('');
    await docker.request('ContainerWait', { path: { id: Id } });
    expect((await docker.inspectContainer(Id)).State?.ExitCode).toBe(0);
  });

  it('attach to a TTY container: raw terminal output (detected from Config.Tty), echo included', async () => {
    const { Id } = await docker.createContainer({
      config: { Image: engine.image, Cmd: ['sh', '-c', 'read x; echo "got $x"'], Labels: LABEL, Tty: true, OpenStdin: true, StdinOnce: true },
      hostConfig: { NetworkMode: 'none' },
    });
    created.add(Id);
    await docker.startContainer(Id);
    const stdout = new Collector();
    // stdin stays open: on a TTY, dockerd takes stdin's end as a detach (it closes the
    // output at once), so the stream here ends when the process exits.
    const stdin = new PassThrough();
    stdin.write('hi\n');
    const res = await docker.attachToContainer(Id, {}, { stdin, stdout });
    expect(res).toEqual({ tty: true });
    // The terminal echoes the input, then the program's line; "\n" becomes "\r\n".
    expect(stdout.text).toBe('hi\r\ngot hi\r\n');
  });

  it('on a TTY session, the end of stdin detaches: the call settles while the process runs on (Podman: at its exit)', async () => {
    // Podman 4.3 does not take stdin's end as a detach: the call lasts until the process
    // exits, so there the process sleeps 1 s instead of 30 and has exited when the call settles.
    const sleep = engine.name === 'podman' ? 1 : 30;
    const { Id } = await docker.createExec(tty, { AttachStdin: true, AttachStdout: true, Tty: true, Cmd: ['sh', '-c', `read x; sleep ${sleep}`] });
    const stdin = new PassThrough();
    const stdout = new Collector();
    await docker.startExec(Id, {}, { stdin, stdout, onStarted: () => setTimeout(() => stdin.end('go\n'), 100) });
    const info = await docker.inspectExec(Id);
    expect(info.Running).toBe(engine.name !== 'podman');
  });
});
