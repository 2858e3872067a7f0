// The fault matrix: every fault of the fault proxy against the four kinds of call (a JSON
// call, a streamed call, a hijacked call, a pull), through a client made the way users make
// one (createClient, default middleware), in front of the real dockerd. Each cell checks:
// the call ends (never hangs) with the expected typed error (or, for faults that only slow
// things down, succeeds with every byte); what reached the caller before the fault is
// intact; the process saw no unhandled rejection or uncaught 'error'; the proxy proves the
// fault fired; and the same client then serves the same call and a ping.
//
// The proxy stands in for what a real daemon cannot be made to do on demand (reset a
// connection mid-body, inject garbage, serve a 10 MiB error); everything behind it is the
// real dockerd and registry.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortError,
  ConnectionError,
  DockerError,
  ProtocolError,
  ServerError,
  TimeoutError,
  type DockerClient,
} from '@dockline/api';
import { registryAuthHeader, type EngineInfo } from '@dockline/tool-engine';
import { describeWithEngine } from '@dockline/tool-testkit';
import { httpFault, startFaultProxy, unversionedPath, type Cut, type FaultProxy, type HttpFaultSpec } from '@dockline/tool-testkit';
import {
  Collector,
  LABEL,
  TICKER_CMD,
  bounded,
  clientFor,
  consecutiveLines,
  describeOutcome,
  sleep,
  trickle,
  uniqueName,
  watchProcessFaults,
  type Outcome,
  type ProcessFaults,
} from './helpers.js';

type CallKind = 'json' | 'stream' | 'hijack' | 'pull';
type ErrorClass = abstract new (...args: never[]) => Error;

/** A hard bound on any one call: past it, the cell fails as "hung". */
const HANG_BOUND_MS = 10_000;
/** The caller's own bound on a `logs --follow`, which never ends by itself. */
const FOLLOW_ABORT_MS = 2500;
/** Per-call deadline (covers the response head of streams). */
const CALL_TIMEOUT_MS = 1500;
const HIJACK_INPUT = 256 * 1024;

interface Cell {
  /** The fault, for the cell's name. */
  name: string;
  /** An HTTP-aware fault per call kind, or 'no-listener' / 'close-on-accept' for connection-level refusals. */
  fault: 'no-listener' | 'close-on-accept' | ((kind: CallKind) => HttpFaultSpec['action']);
  /** What each call must end with: an error class (one of several), or 'ok' (every byte delivered). */
  expect: Record<CallKind, ErrorClass | ErrorClass[] | 'ok'>;
  /** How many times the fault must have struck (retries included), when that is the point. */
  fired?: Partial<Record<CallKind, number>>;
}

/** Where a mid-body fault cuts each kind of payload so that the payload's format is broken. */
const cutFor = (kind: CallKind, midStream = false): Cut =>
  kind === 'stream' || kind === 'hijack'
    ? // The follow runs until aborted: let it stream a while. The exec ends by itself (cat
      // of 256 KiB): count frames only, so the cut lands before its end.
      { kind: 'mid-frame', skip: midStream ? 3 : 0, afterMs: midStream && kind === 'stream' ? 200 : 0 }
    : kind === 'pull'
      ? { kind: 'mid-line', skip: midStream ? 1 : 0 }
      : 'half';

const CELLS: Cell[] = [
  {
    name: 'refuse (nothing listens)',
    fault: 'no-listener',
    expect: { json: ConnectionError, stream: ConnectionError, hijack: ConnectionError, pull: ConnectionError },
  },
  {
    name: 'refuse (accept, then close)',
    fault: 'close-on-accept',
    expect: { json: ConnectionError, stream: ConnectionError, hijack: ConnectionError, pull: ConnectionError },
  },
  {
    name: 'reset before the response',
    fault: () => ({ kind: 'reset-before-response' }),
    expect: { json: ConnectionError, stream: ConnectionError, hijack: ConnectionError, pull: ConnectionError },
    // GETs are resent (3 tries); exec start and pull reached the daemon and are not.
    fired: { json: 3, stream: 3, hijack: 1, pull: 1 },
  },
  {
    name: 'reset mid-body',
    fault: (k) => ({ kind: 'reset-mid-body', cut: cutFor(k) }),
    // A hijacked stream has no HTTP framing: a reset is an EOF inside the frame it cut, or a
    // failed stdin write, whichever the client sees first (see below).
    expect: { json: ConnectionError, stream: ConnectionError, hijack: ProtocolError, pull: ConnectionError },
  },
  {
    name: 'reset mid-stream (after data flowed)',
    fault: (k) => ({ kind: 'reset-mid-body', cut: cutFor(k, true) }),
    expect: { json: ConnectionError, stream: ConnectionError, hijack: ProtocolError, pull: ConnectionError },
  },
  {
    name: 'delay the response head (4 s; deadline 1.5 s)',
    fault: () => ({ kind: 'delay-headers', ms: 4000 }),
    expect: { json: TimeoutError, stream: TimeoutError, hijack: TimeoutError, pull: TimeoutError },
  },
  {
    name: 'delay between chunks',
    fault: () => ({ kind: 'delay-chunks', ms: 5, pieceBytes: 8 * 1024 }),
    // A follow never ends by itself: its timeoutMs, which bounds the whole stream (before
    // the caller's abort at FOLLOW_ABORT_MS), ends it, with every line delivered so far.
    expect: { json: 'ok', stream: TimeoutError, hijack: 'ok', pull: 'ok' },
  },
  {
    name: 'truncate (a stdcopy frame, an NDJSON line, a JSON body) behind a clean end',
    fault: (k) => ({ kind: 'truncate', cut: cutFor(k) }),
    expect: { json: ProtocolError, stream: ProtocolError, hijack: ProtocolError, pull: ProtocolError },
  },
  {
    name: 'garbage bytes in the body',
    fault: () => ({ kind: 'garbage', where: 'body' }),
    expect: { json: ProtocolError, stream: ProtocolError, hijack: ProtocolError, pull: ProtocolError },
  },
  {
    name: 'garbage bytes before the head',
    fault: () => ({ kind: 'garbage', where: 'head' }),
    expect: { json: ProtocolError, stream: ProtocolError, hijack: ProtocolError, pull: ProtocolError },
  },
  {
    name: 'a 10 MiB error body',
    fault: () => ({ kind: 'error-body', bytes: 10 * 1024 * 1024 }),
    expect: { json: ServerError, stream: ServerError, hijack: ServerError, pull: ServerError },
  },
  {
    name: 'write side closed early (FIN mid-body)',
    fault: (k) => ({ kind: 'half-close', cut: cutFor(k) }),
    expect: { json: ConnectionError, stream: ConnectionError, hijack: ProtocolError, pull: ConnectionError },
  },
];

/** Which request of each call the fault strikes (the others, e.g. the version ping, pass). */
const MATCH: Record<CallKind, RegExp> = {
  json: /^\/containers\/[^/]+\/json$/,
  stream: /^\/containers\/[^/]+\/logs$/,
  hijack: /^\/exec\/[^/]+\/start$/,
  pull: /^\/images\/create$/,
};

interface Run {
  outcome: Outcome<unknown>;
  /** Checks what reached the caller (throws when something was lost or invented). */
  verify(): void;
}

describeWithEngine('fault matrix (real dockerd behind the fault proxy)', (engine) => {
  let direct: DockerClient;
  let ticker: string;
  let sleeper: string;
  let repo: string;
  let pullRef: string;
  let auth: { username: string; password: string; serveraddress: string };
  let watch: ProcessFaults;
  const containers = new Set<string>();

  beforeAll(async () => {
    watch = watchProcessFaults();
    direct = clientFor(`unix://${engine.socketPath}`);
    const make = async (Cmd: string[]) => {
      const { Id } = await direct.createContainer({
        name: uniqueName('matrix'),
        config: { Image: engine.image, Cmd, Labels: LABEL, StopTimeout: 1 },
        hostConfig: { NetworkMode: 'none' },
      });
      containers.add(Id);
      await direct.startContainer(Id);
      return Id;
    };
    [ticker, sleeper] = await Promise.all([make(TICKER_CMD), make(['sleep', '600'])]);
    // A tag of our own in the registry, so that pulls are real and removing the pulled
    // image touches nobody else's.
    auth = { username: engine.registry.username, password: engine.registry.password, serveraddress: engine.registry.address };
    repo = `${engine.registry.address}/dockline-rel/busybox`;
    const tag = uniqueName('pull');
    pullRef = `${repo}:${tag}`;
    await pushOwnTag(direct, engine, repo, tag);
  });

  afterAll(async () => {
    await Promise.all([...containers].map((id) => direct.removeContainer(id, { force: true }).catch(() => undefined)));
    await direct.removeImage(pullRef, { force: true }).catch(() => undefined);
    await direct.close();
    watch.uninstall();
  });

  const calls: Record<
    CallKind,
    {
      /** Steps before the fault is armed (creating the exec, removing the image to pull). */
      prepare?(docker: DockerClient): Promise<string>;
      run(docker: DockerClient, prepared: string): Promise<Run>;
      again(docker: DockerClient): Promise<void>;
    }
  > = {
    json: {
      async run(docker) {
        let id: string | undefined;
        const outcome = await bounded(async () => (id = (await docker.inspectContainer(ticker, { timeoutMs: CALL_TIMEOUT_MS })).Id), HANG_BOUND_MS);
        return { outcome, verify: () => (id === undefined ? undefined : expect(id).toBe(ticker)) };
      },
      async again(docker) {
        expect((await docker.inspectContainer(ticker)).Id).toBe(ticker);
      },
    },
    stream: {
      async run(docker) {
        const stdout = new Collector();
        const stderr = new Collector();
        const outcome = await bounded(
          () =>
            docker.logs(
              ticker,
              { follow: true, tail: 5 },
              { stdout, stderr, rawTerminal: false },
              { signal: AbortSignal.timeout(FOLLOW_ABORT_MS), timeoutMs: CALL_TIMEOUT_MS },
            ),
          HANG_BOUND_MS,
        );
        return {
          outcome,
          verify() {
            consecutiveLines(stdout.text);
            for (const l of stderr.text.split('\n').slice(0, -1)) expect(l).toMatch(/^err-\d+$/);
          },
        };
      },
      async again(docker) {
        const stdout = new Collector();
        const stderr = new Collector();
        await docker.logs(ticker, { tail: 3 }, { stdout, stderr, rawTerminal: false });
        // tail counts the lines of both streams.
        expect(consecutiveLines(stdout.text) + stderr.text.split('\n').length - 1).toBe(3);
      },
    },
    hijack: {
      async prepare(docker) {
        return (await docker.createExec(sleeper, { AttachStdin: true, AttachStdout: true, AttachStderr: true, Cmd: ['cat'] })).Id;
      },
      async run(docker, Id) {
        const input = randomBytes(HIJACK_INPUT);
        const stdout = new Collector();
        const outcome = await bounded(
          () => docker.startExec(Id, { tty: false }, { stdin: trickle(input, 16 * 1024), stdout }, { timeoutMs: CALL_TIMEOUT_MS }),
          HANG_BOUND_MS,
        );
        return {
          outcome,
          verify() {
            const out = stdout.buffer;
            // cat echoes: what arrived is a prefix of what was sent, and all of it on success.
            expect(input.subarray(0, out.length).equals(out)).toBe(true);
            if (outcome.kind === 'ok') expect(out.length).toBe(input.length);
          },
        };
      },
      async again(docker) {
        const { Id } = await docker.createExec(sleeper, { AttachStdin: true, AttachStdout: true, Cmd: ['cat'] });
        const input = randomBytes(4096);
        const stdout = new Collector();
        await docker.startExec(Id, { tty: false }, { stdin: trickle(input, 1024), stdout });
        expect(stdout.buffer.equals(input)).toBe(true);
      },
    },
    pull: {
      async prepare() {
        await direct.removeImage(pullRef, { force: true }).catch(() => undefined);
        return pullRef;
      },
      async run(docker) {
        let result: { status: string | undefined } | undefined;
        const outcome = await bounded(async () => (result = await docker.pullImage(pullRef, { auth }, { timeoutMs: CALL_TIMEOUT_MS })), HANG_BOUND_MS);
        return { outcome, verify: () => (result === undefined ? undefined : expect(result.status).toMatch(/Downloaded newer image|Image is up to date/)) };
      },
      async again(docker) {
        await direct.removeImage(pullRef, { force: true }).catch(() => undefined);
        const r = await docker.pullImage(pullRef, { auth });
        expect(r.status).toMatch(/Downloaded newer image/);
      },
    },
  };

  for (const listen of ['unix', 'tcp'] as const) {
    // Over TCP the matrix runs the faults whose effect differs with the socket kind: a
    // reset is a real RST there, a refusal an ECONNREFUSED.
    const cells = listen === 'unix' ? CELLS : CELLS.filter((c) => /refuse|reset|closed early/.test(c.name));
    describe(`over a ${listen} socket`, () => {
      let proxy: FaultProxy | undefined;
      let docker: DockerClient | undefined;
      afterEach(async () => {
        await docker?.close();
        await proxy?.close();
        docker = proxy = undefined;
      });

      for (const cell of cells) {
        for (const kind of ['json', 'stream', 'hijack', 'pull'] as const) {
          let expected = cell.expect[kind];
          // A reset under a hijacked exec that is still sending stdin is seen by whichever side
          // of the client notices first: its stdin write failing (EPIPE; over TCP an RST,
          // ECONNRESET), a ConnectionError; or its read ending inside the frame the reset cut
          // (over TCP too: once the write consumed the socket error, Linux reports the RST to
          // the reader as an EOF), a ProtocolError. Both are right; which comes first is a race.
          if (kind === 'hijack' && /reset mid/.test(cell.name)) expected = [ProtocolError, ConnectionError];
          const classes = expected === 'ok' ? [] : Array.isArray(expected) ? expected : [expected];
          const label = expected === 'ok' ? 'completes with every byte' : `ends with ${classes.map((c) => c.name).join(' or ')}`;
          it(`${cell.name} × ${kind}: ${label}, and the client serves the next call`, async () => {
            let armed: HttpFaultSpec | undefined;
            proxy = await startFaultProxy({ target: engine.socketPath, listen, plan: () => httpFault(() => armed) });
            const p = proxy;
            docker = clientFor(p.host);
            const d = docker;
            // Negotiate the version (and pool a connection) before the fault is armed.
            await d.ping();
            const prepared = (await calls[kind].prepare?.(d)) ?? '';
            const accepted = p.connections.length;

            if (cell.fault === 'no-listener' || cell.fault === 'close-on-accept') {
              // A refusal only touches new connections: drop the pooled one first.
              p.destroyConnections();
              await sleep(50);
              if (cell.fault === 'no-listener') await p.stopListening();
              else p.plan = () => 'refuse';
            } else {
              armed = { action: cell.fault(kind), match: MATCH[kind] };
            }
            const before = watch.seen.length;
            const run = await calls[kind].run(d, prepared);
            const o = run.outcome;

            // 1. It ended, as expected.
            expect(o.kind, describeOutcome(o)).not.toBe('hung');
            if (expected === 'ok') expect(o.kind, describeOutcome(o)).toBe('ok');
            else {
              expect(o.kind, describeOutcome(o)).toBe('error');
              const err = (o as { error: unknown }).error;
              expect(err, describeOutcome(o)).toBeInstanceOf(DockerError);
              expect(classes.some((c) => err instanceof c), describeOutcome(o)).toBe(true);
              if (expected === ServerError) {
                // The 10 MiB body was read up to the cap, not kept.
                expect((err as Error).message.length).toBeLessThan(4096);
                expect((err as Error).message).toContain('truncated');
              }
            }
            // 2. What reached the caller before the fault is intact.
            run.verify();
            // 3. The fault fired.
            if (cell.fault === 'no-listener') expect(p.connections.length).toBe(accepted); // none accepted
            else if (cell.fault === 'close-on-accept') expect(p.connections.filter((c) => c.fault === 'refuse').length).toBeGreaterThan(0);
            else {
              const struck = p.faults.filter((f) => MATCH[kind].test(unversionedPath(f.request.url))).length;
              if (cell.fired?.[kind] !== undefined) expect(struck).toBe(cell.fired[kind]);
              else expect(struck).toBeGreaterThan(0);
            }

            // 4. Nothing escaped as an unhandled rejection or uncaught exception (give late events a moment).
            await sleep(20);
            expect(watch.seen.slice(before).map((s) => `${s.kind}: ${String((s.error as Error)?.stack ?? s.error)}`)).toEqual([]);

            // 5. The same client serves the next call.
            armed = undefined;
            if (cell.fault === 'no-listener') await p.startListening();
            p.plan = () => httpFault(() => armed);
            await calls[kind].again(d);
            await d.ping();
          }, 30_000);
        }
      }
    });
  }
});

/** Tag the test image as repo:tag, push it to the registry, then remove the local tag. */
async function pushOwnTag(docker: DockerClient, engine: EngineInfo, repo: string, tag: string): Promise<void> {
  await docker.request('ImageTag', { path: { name: engine.image }, query: { repo, tag } });
  const stream = await docker.request('ImagePush', {
    path: { name: repo },
    query: { tag },
    headers: { 'X-Registry-Auth': registryAuthHeader(engine.registry.username, engine.registry.password, engine.registry.address) },
  });
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  if (/"error"/.test(text)) throw new Error(`push of ${repo}:${tag} failed: ${text}`);
  await docker.removeImage(`${repo}:${tag}`);
}
