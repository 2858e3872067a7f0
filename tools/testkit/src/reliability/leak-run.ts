/**
 * The leak run (a child process of leak.integration.test.ts, so that it can run with --expose-gc and
 * count its own handles): 10,000 mixed calls through one client made by createClient,
 * aborted and timed-out ones included, then one JSON line on stdout with what it measured.
 *
 *   node --expose-gc --conditions=@dockline/source --import tsx tools/testkit/src/reliability/leak-run.ts
 *   (env: DOCKLINE_LEAK_SOCKET=/path/to/docker.sock, DOCKLINE_LEAK_CALLS=10000, DOCKLINE_LEAK_IMAGE=busybox:local)
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readlinkSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { AbortError, NotFoundError, TimeoutError, createClient } from '@dockline/api';

const socketPath = process.env.DOCKLINE_LEAK_SOCKET;
if (!socketPath) throw new Error('DOCKLINE_LEAK_SOCKET is not set');
const CALLS = Number(process.env.DOCKLINE_LEAK_CALLS ?? 10_000);
const WARMUP = 500;
const CONCURRENCY = 8;
/** Longer than the pool's keep-alive (4000 ms), with room for undici's coarse (1 s) idle timers. */
const IDLE_MS = 6500;
const image = process.env.DOCKLINE_LEAK_IMAGE ?? 'busybox:local';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

const warnings: string[] = [];
process.on('warning', (w) => warnings.push(`${w.name}: ${w.message}`));
const crashes: string[] = [];
process.on('unhandledRejection', (e) => crashes.push(`unhandledRejection: ${String((e as Error)?.stack ?? e)}`));
process.on('uncaughtException', (e) => crashes.push(`uncaughtException: ${String(e?.stack ?? e)}`));

/** Handles by kind (process.getActiveResourcesInfo: 'PipeWrap' is a unix socket, 'Timeout' a timer...). */
function resources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}
/** Open socket file descriptors, from the kernel's view. */
function socketFds(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}
async function settledHeap(): Promise<number> {
  // Let closes and timers run, then collect twice (finalizers free more on the second pass).
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  gc!();
  await new Promise((r) => setTimeout(r, 50));
  gc!();
  return process.memoryUsage().heapUsed;
}

const sink = () =>
  new Writable({
    write(_c, _e, cb) {
      cb();
    },
  });

const before = { resources: resources(), socketFds: socketFds() };
const docker = createClient({ host: `unix://${socketPath}`, env: {} });
const label = { 'dockline.test': 'reliability-leak' };
const { Id: container } = await docker.createContainer({
  name: `dockline-rel-leak-${process.pid}-${randomBytes(4).toString('hex')}`,
  config: { Image: image, Cmd: ['sleep', '600'], Labels: label, StopTimeout: 1 },
  hostConfig: { NetworkMode: 'none' },
});

const outcomes: Record<string, number> = {};
const count = (k: string) => (outcomes[k] = (outcomes[k] ?? 0) + 1);
/** Expected failures are part of the mix; anything else is counted as unexpected. */
const expectError = (cls: abstract new (...a: never[]) => Error, k: string) => (err: unknown) => {
  if (err instanceof cls) count(k);
  else {
    count('unexpected');
    if ((outcomes.unexpected ?? 0) <= 5) crashes.push(`unexpected ${k}: ${String((err as Error)?.stack ?? err)}`);
  }
};

let execs = 0;
async function call(i: number): Promise<void> {
  const slot = i % 100;
  if (slot < 45) {
    await docker.ping();
    count('ping');
  } else if (slot < 65) {
    await docker.inspectContainer(container);
    count('inspectContainer');
  } else if (slot < 75) {
    await docker.inspectImageByRef(image);
    count('inspectImage');
  } else if (slot < 80) {
    await docker.listContainers({ all: true, filters: { label: ['dockline.test=reliability-leak'] } });
    count('listContainers');
  } else if (slot < 82) {
    // Aborted before it starts.
    await docker.info({ signal: AbortSignal.abort() }).catch(expectError(AbortError, 'aborted-before'));
  } else if (slot < 85) {
    // Aborted in flight.
    const ac = new AbortController();
    const p = docker.info({ signal: ac.signal });
    setImmediate(() => ac.abort());
    await p.then(() => count('abort-too-late'), expectError(AbortError, 'aborted-in-flight'));
  } else if (slot < 90) {
    // Timed out: ContainerWait on a running container never answers by itself.
    await docker
      .request('ContainerWait', { path: { id: container } }, { timeoutMs: 5 })
      .then(() => count('wait-returned'), expectError(TimeoutError, 'timed-out'));
  } else if (slot < 93) {
    // A stream (logs --follow of a silent container) aborted while open.
    const ac = new AbortController();
    const p = docker.logs(container, { follow: true }, { stdout: sink(), stderr: sink(), rawTerminal: false }, { signal: ac.signal });
    setTimeout(() => ac.abort(), 5);
    await p.then(() => count('logs-ended'), expectError(AbortError, 'stream-aborted'));
  } else if (slot < 95) {
    // A hijacked exec with stdin.
    const { Id } = await docker.createExec(container, { AttachStdin: true, AttachStdout: true, Cmd: ['cat'] });
    const input = randomBytes(1024);
    const chunks: Buffer[] = [];
    await docker.startExec(Id, { tty: false }, {
      stdin: Readable.from([input]),
      stdout: new Writable({
        write(c: Buffer, _e, cb) {
          chunks.push(c);
          cb();
        },
      }),
    });
    if (!Buffer.concat(chunks).equals(input)) throw new Error('exec echo differs');
    execs++;
    count('exec');
  } else if (slot < 98) {
    await docker.inspectContainer(`dockline-rel-no-such-${i}`).catch(expectError(NotFoundError, 'not-found'));
  } else {
    await docker.version();
    count('version');
  }
}

async function runCalls(from: number, to: number): Promise<void> {
  let next = from;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < to) await call(next++);
    }),
  );
}

let result: Record<string, unknown>;
try {
  await docker.startContainer(container);
  await runCalls(0, WARMUP);
  const baselineHeap = await settledHeap();
  const during = { resources: resources(), socketFds: socketFds() };
  const t0 = performance.now();
  await runCalls(WARMUP, WARMUP + CALLS);
  const seconds = (performance.now() - t0) / 1000;
  const afterHeap = await settledHeap();
  const after = { resources: resources(), socketFds: socketFds() };
  // Idle pooled connections expire after the pool's keep-alive (4 s); a socket still open
  // after that is one something forgot (a body never drained, a hijack never destroyed).
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const afterIdle = { resources: resources(), socketFds: socketFds() };
  await docker.removeContainer(container, { force: true });
  await docker.close();
  const closedHeap = await settledHeap();
  const closed = { resources: resources(), socketFds: socketFds() };
  result = {
    calls: CALLS,
    execs,
    seconds: Math.round(seconds * 10) / 10,
    outcomes,
    heap: { baseline: baselineHeap, after: afterHeap, closed: closedHeap },
    resources: { before, during, after, afterIdle, closed },
    warnings,
    crashes,
  };
} catch (err) {
  await docker.removeContainer(container, { force: true }).catch(() => undefined);
  await docker.close().catch(() => undefined);
  result = { failed: String((err as Error)?.stack ?? err), outcomes, warnings, crashes };
}
process.stdout.write(`${JSON.stringify(result)}\n`);
