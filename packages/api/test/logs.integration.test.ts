// logs(): 10 MiB on stdout and 1 MiB on stderr through the real daemon, byte-exact, split
// onto the right streams, with backpressure from a slow writable; follow ends at exit.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DockerError, NotFoundError } from '@dockline/core';
import { Writable } from 'node:stream';
import type { DockerClient } from '../src/client.js';
import { Collector, HashSink, LABEL, removeAll, sha256, yesBytes } from './helpers.js';
import { describeEachEngine } from './engines.js';

const STDOUT_BYTES = 10 * 1024 * 1024;
const STDERR_BYTES = 1024 * 1024;
// 99 characters + "\n": neither size is a whole number of lines, so each stream ends in
// a partial line (which must come back without an added "\n").
const OUT_LINE = `stdout-${'0123456789abcdef'.repeat(7)}`.slice(0, 99);
const ERR_LINE = `stderr-${'fedcba9876543210'.repeat(7)}`.slice(0, 99);

describeEachEngine('logs', (engine) => {
  let docker: DockerClient;
  const created = new Set<string>();

  beforeAll(() => {
    docker = engine.client();
  });
  afterAll(async () => {
    await removeAll(docker, created);
    await docker.close();
  });

  async function run(cmd: string[], tty = false): Promise<string> {
    const { Id } = await docker.createContainer({
      config: { Image: engine.image, Cmd: cmd, Labels: LABEL, Tty: tty },
      hostConfig: { NetworkMode: 'none' },
    });
    created.add(Id);
    return Id;
  }

  it('10 MiB of stdout and 1 MiB of stderr arrive byte-exact on the right streams (slow writable: backpressure)', async () => {
    const id = await run(['sh', '-c', `yes '${OUT_LINE}' | head -c ${STDOUT_BYTES}; yes '${ERR_LINE}' | head -c ${STDERR_BYTES} >&2`]);
    await docker.startContainer(id);
    // Read after the container exited: dockerd 20.10's json-file follower can stop early when
    // it has caught up with a writer that then exits (follow.go has no draining step before
    // 23.0), so a follow racing a fast writer is not a byte-exact source on this daemon.
    expect(await docker.request('ContainerWait', { path: { id } })).toMatchObject({ StatusCode: 0 });
    const stdout = new HashSink(2); // slow now and then: backpressure reaches the socket
    const stderr = new HashSink();
    const res = await docker.logs(id, { stdout: true, stderr: true }, { stdout, stderr });
    expect(res).toEqual({ tty: false });
    expect(stdout.bytes).toBe(STDOUT_BYTES);
    expect(stdout.digest()).toBe(sha256(yesBytes(OUT_LINE, STDOUT_BYTES)));
    expect(stderr.bytes).toBe(STDERR_BYTES);
    expect(stderr.digest()).toBe(sha256(yesBytes(ERR_LINE, STDERR_BYTES)));

    // Only stderr, into one writable for both: stdout frames are not requested.
    const both = new HashSink();
    await docker.logs(id, { stdout: false }, { stdout: both, stderr: both });
    expect(both.digest()).toBe(sha256(yesBytes(ERR_LINE, STDERR_BYTES)));
  }, 60_000);

  it('follow streams while the container runs and ends when it exits; tail and timestamps', async () => {
    const id = await run(['sh', '-c', 'seq 1 3; sleep 1; seq 4 6; sleep 0.3']);
    await docker.startContainer(id);
    const stdout = new Collector();
    const t0 = Date.now();
    await docker.logs(id, { follow: true }, { stdout });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(stdout.text).toBe('1\n2\n3\n4\n5\n6\n');
    expect((await docker.inspectContainer(id)).State?.Running).toBe(false);

    const tail = new Collector();
    await docker.logs(id, { tail: 2, timestamps: true }, { stdout: tail });
    const lines = tail.text.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    // dockerd: RFC 3339 with nanoseconds; Podman 4.3's compat logs drop the fraction.
    expect(lines[0]).toMatch(engine.name === 'podman' ? /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z 5$/ : /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z 5$/);
    expect(lines[1]).toMatch(/Z 6$/);
  });

  it('a TTY container\'s logs are raw bytes on stdout (detected from Config.Tty), no stdcopy headers', async () => {
    const id = await run(['sh', '-c', "printf 'a\\tb\\n'; printf 'err\\n' >&2"], true);
    await docker.startContainer(id);
    await docker.request('ContainerWait', { path: { id } });
    const stdout = new Collector();
    const stderr = new Collector();
    const res = await docker.logs(id, {}, { stdout, stderr });
    expect(res).toEqual({ tty: true });
    // The terminal's onlcr turns "\n" into "\r\n"; stderr goes through the same terminal.
    expect(stdout.text).toBe('a\tb\r\nerr\r\n');
    expect(stderr.buffer.length).toBe(0);
  });

  it('an unknown container is a NotFoundError', async () => {
    await expect(docker.logs('dockline-api-no-such-container', {}, { stdout: new Collector() })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('aborting a follow rejects with AbortError and frees the stream', async () => {
    const id = await run(['sh', '-c', 'echo started; sleep 600']);
    await docker.startContainer(id);
    const ac = new AbortController();
    const stdout = new Collector();
    const p = docker.logs(id, { follow: true }, { stdout }, { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 500));
    ac.abort();
    const err = await p.catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(stdout.text).toBe('started\n');
  });

  it('a failing writable on a quiet follow rejects at once and frees the connection (close() does not wait)', async () => {
    const id = await run(['sh', '-c', 'echo once; sleep 600']);
    await docker.startContainer(id);
    const own = engine.client();
    const broken = new Writable({
      write(_chunk, _enc, cb) {
        cb(new Error('disk full'));
      },
    });
    broken.on('error', () => undefined);
    const err = await own.logs(id, { follow: true }, { stdout: broken }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DockerError);
    expect((err as Error).message).toContain('disk full');
    // The daemon sends nothing more: the connection must have been released by us, else
    // close() waits for it forever and the test times out.
    await own.close();
  });
});
