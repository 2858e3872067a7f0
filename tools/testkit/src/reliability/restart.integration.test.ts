// A real dockerd goes away under open streams and comes back: the streams end with a
// typed error (never hang), calls while it is down fail fast, and the same client works
// once it is back. This needs a daemon of its own (never the shared one, which others are
// testing against): a private engine in /tmp/dl-rel, started here and stopped at the end.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AbortError, ConnectionError, decodeJsonLines } from '@dockline/core';
import type { DockerClient } from '@dockline/api';
import { ensureEngine, stopEngine, type EngineInfo } from '@dockline/tool-engine';
import { describeWithEngine } from '@dockline/tool-testkit';
import { Collector, LABEL, TICKER_CMD, bounded, clientFor, consecutiveLines, describeOutcome, sleep, uniqueName, watchProcessFaults, type ProcessFaults } from './helpers.js';

const STATE_DIR = '/tmp/dl-rel';
/** No stream may outlive the daemon by more than this. */
const END_BOUND_MS = 15_000;

interface OpenStreams {
  logs: Promise<Awaited<ReturnType<typeof bounded>>>;
  events: Promise<Awaited<ReturnType<typeof bounded>>>;
  stdout: Collector;
  seenEvents: Array<{ Type?: string; Action?: string; Actor?: { Attributes?: Record<string, string> } }>;
  /** Aborts the events stream (the reader giving up). */
  stopEvents: AbortController;
}

// describeWithEngine: in CI a missing engine fails instead of skipping; the shared engine
// itself is not used here.
describeWithEngine('dockerd restarts under open streams (private engine)', () => {
  let engine: EngineInfo;
  let docker: DockerClient;
  let watch: ProcessFaults;
  const containers = new Set<string>();

  beforeAll(async () => {
    watch = watchProcessFaults();
    engine = await ensureEngine({ stateDir: STATE_DIR });
    docker = clientFor(`unix://${engine.socketPath}`);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([...containers].map((id) => docker?.removeContainer(id, { force: true }).catch(() => undefined)));
    await docker?.close();
    await stopEngine({ stateDir: STATE_DIR });
    watch?.uninstall();
  }, 120_000);

  async function ticker(): Promise<string> {
    const { Id } = await docker.createContainer({
      name: uniqueName('restart'),
      config: { Image: engine.image, Cmd: TICKER_CMD, Labels: LABEL, StopTimeout: 1 },
      hostConfig: { NetworkMode: 'none' },
    });
    containers.add(Id);
    await docker.startContainer(Id);
    return Id;
  }

  /** Opens `logs --follow` on `id` and an events stream, and waits until both carry data. */
  async function openStreams(id: string): Promise<OpenStreams> {
    const stdout = new Collector();
    const logs = bounded(() => docker.logs(id, { follow: true, tail: 1 }, { stdout, rawTerminal: false }), END_BOUND_MS + 60_000);
    const stopEvents = new AbortController();
    const stream = await docker.request('SystemEvents', { query: { filters: JSON.stringify({ label: ['dockline.test=reliability'] }) } }, { signal: stopEvents.signal });
    const seenEvents: OpenStreams['seenEvents'] = [];
    const events = bounded(async () => {
      for await (const e of decodeJsonLines<OpenStreams['seenEvents'][number]>(stream)) seenEvents.push(e);
    }, END_BOUND_MS + 60_000);
    // Prove the events stream is live: an event of our own must arrive on it.
    const probe = uniqueName('probe');
    const { Id } = await docker.createContainer({ name: probe, config: { Image: engine.image, Cmd: ['true'], Labels: LABEL }, hostConfig: { NetworkMode: 'none' } });
    await docker.removeContainer(Id);
    for (let i = 0; i < 100 && !seenEvents.some((e) => e.Actor?.Attributes?.name === probe); i++) await sleep(20);
    expect(seenEvents.some((e) => e.Action === 'create' && e.Actor?.Attributes?.name === probe)).toBe(true);
    for (let i = 0; i < 100 && consecutiveLines(stdout.text) < 3; i++) await sleep(20);
    expect(consecutiveLines(stdout.text)).toBeGreaterThanOrEqual(3);
    return { logs, events, stdout, seenEvents, stopEvents };
  }

  /** While the daemon is down: a call fails fast with a ConnectionError that says it could not connect. */
  async function callWhileDown(): Promise<void> {
    const o = await bounded(() => docker.ping({ timeoutMs: 10_000 }), 12_000);
    expect(o.kind, describeOutcome(o)).toBe('error');
    const err = (o as { error: unknown }).error;
    expect(err, describeOutcome(o)).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).connectFailed).toBe(true);
  }

  /** After the restart, the same client serves every kind of call again. */
  async function usableAgain(id: string): Promise<void> {
    expect((await docker.ping()).apiVersion).toBe('1.41');
    expect((await docker.version()).ApiVersion).toBe('1.41');
    const listed = await docker.listContainers({ all: true, filters: { label: ['dockline.test=reliability'] } });
    expect(listed.map((c) => c.Id)).toContain(id);
    await docker.startContainer(id);
    const startedAt = Date.parse((await docker.inspectContainer(id)).State!.StartedAt!);
    // The restarted ticker counts from line-1 again. Until its first line is logged, the log's
    // last line is the previous run's, and a follow with tail 1 would begin with it (the
    // daemon's answer, seen on a loaded machine): wait for a line of this run.
    let last = '';
    for (let i = 0; i < 200; i++) {
      const out = new Collector();
      await docker.logs(id, { tail: 1, timestamps: true }, { stdout: out, rawTerminal: false });
      last = out.text;
      // RFC 3339 with nanoseconds; Date.parse takes milliseconds.
      if (Date.parse(last.split(' ')[0]!.replace(/(\.\d{3})\d*/, '$1')) >= startedAt) break;
      await sleep(20);
    }
    expect(last).toMatch(/ line-\d+\n/);
    const fresh = await openStreams(id);
    await docker.stopContainer(id, { timeout: 1 });
    // The follow ends cleanly when the container exits; the events stream when its reader aborts.
    const logs = await fresh.logs;
    expect(logs.kind, describeOutcome(logs)).toBe('ok');
    consecutiveLines(fresh.stdout.text);
    fresh.stopEvents.abort();
    const events = await fresh.events;
    expect((events as { error?: unknown }).error, describeOutcome(events)).toBeInstanceOf(AbortError);
  }

  it('dockerd killed (SIGKILL, a crash) and restarted: logs --follow and events end with ConnectionError; calls while down fail fast; the client works after', async () => {
    const id = await ticker();
    const streams = await openStreams(id);
    const before = watch.seen.length;
    const pid = engine.dockerd.pid;

    process.kill(pid, 'SIGKILL');
    for (const [name, p] of [['logs --follow', streams.logs], ['events', streams.events]] as const) {
      const o = await p;
      expect(o.kind, `${name}: ${describeOutcome(o)}`).toBe('error');
      expect((o as { error: unknown }).error, `${name}: ${describeOutcome(o)}`).toBeInstanceOf(ConnectionError);
      expect(o.ms, name).toBeLessThan(END_BOUND_MS + 60_000);
    }
    // What arrived before the crash is intact.
    consecutiveLines(streams.stdout.text);
    await callWhileDown();

    engine = await ensureEngine({ stateDir: STATE_DIR });
    expect(engine.dockerd.pid).not.toBe(pid);
    await usableAgain(id);
    expect(watch.seen.slice(before)).toEqual([]);
  }, 120_000);

  it('dockerd stopped (SIGTERM) and restarted: it stops the container first, so the follow ends cleanly with every line, and events end with ConnectionError; the client works after', async () => {
    const id = await ticker();
    const streams = await openStreams(id);
    const before = watch.seen.length;
    const pid = engine.dockerd.pid;

    await stopEngine({ stateDir: STATE_DIR });
    const logs = await streams.logs;
    // A graceful stop stops containers before it closes connections: the container exited,
    // which is how a follow ends; nothing was lost.
    expect(logs.kind, describeOutcome(logs)).toBe('ok');
    expect(consecutiveLines(streams.stdout.text)).toBeGreaterThanOrEqual(3);
    const events = await streams.events;
    expect(events.kind, describeOutcome(events)).toBe('error');
    expect((events as { error: unknown }).error, describeOutcome(events)).toBeInstanceOf(ConnectionError);
    // The daemon's own stop events reached us before the connection closed.
    expect(streams.seenEvents.some((e) => e.Action === 'die')).toBe(true);
    await callWhileDown();

    engine = await ensureEngine({ stateDir: STATE_DIR });
    expect(engine.dockerd.pid).not.toBe(pid);
    await usableAgain(id);
    expect(watch.seen.slice(before)).toEqual([]);
  }, 120_000);

});
