// 10,000 mixed calls (pings, inspects, lists, not-founds, aborted and timed-out calls,
// aborted log streams, hijacked execs with stdin) through one client, in a child process
// run with --expose-gc (leak-run.ts): afterwards no socket is open beyond the pool's idle
// connections, those expire with the pool's keep-alive, close() leaves nothing, and the
// heap is back near where it was after the warm-up.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { describeWithEngine } from '@dockline/tool-testkit';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./leak-run.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../../', import.meta.url));
/** The pool's most connections (core's default). */
const POOL_MAX = 16;
/** "Near baseline": the heap after 10,000 calls (and after close) within this of the warm-up's. */
const HEAP_SLACK = 8 * 1024 * 1024;

interface Snapshot {
  resources: Record<string, number>;
  socketFds: number;
}
interface LeakResult {
  failed?: string;
  calls: number;
  execs: number;
  seconds: number;
  outcomes: Record<string, number>;
  heap: { baseline: number; after: number; closed: number };
  resources: { before: Snapshot; during: Snapshot; after: Snapshot; afterIdle: Snapshot; closed: Snapshot };
  warnings: string[];
  crashes: string[];
}

describeWithEngine('leaks (10,000 mixed calls, child process with --expose-gc)', (engine) => {
  it('leaves no socket beyond the idle pool, no handle after close, and the heap near its baseline', async () => {
    const { stdout } = await run(process.execPath, ['--expose-gc', '--conditions=@dockline/source', '--import', 'tsx', script], {
      cwd: root,
      env: { ...process.env, DOCKLINE_LEAK_SOCKET: engine.socketPath, DOCKLINE_LEAK_IMAGE: engine.image, DOCKLINE_LEAK_CALLS: '10000' },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 170_000,
    });
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as LeakResult;
    expect(r.failed).toBeUndefined();
    expect(r.crashes).toEqual([]);
    // No MaxListenersExceededWarning (listeners piling up on a signal or socket).
    expect(r.warnings).toEqual([]);

    // Every call ran, with the expected outcome (aborted ones with AbortError, timed-out ones with TimeoutError).
    const total = Object.values(r.outcomes).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(r.calls);
    expect(r.outcomes.unexpected).toBeUndefined();
    for (const k of ['ping', 'inspectContainer', 'aborted-before', 'aborted-in-flight', 'timed-out', 'stream-aborted', 'exec', 'not-found']) {
      expect(r.outcomes[k], k).toBeGreaterThan(0);
    }

    const { before, after, afterIdle, closed } = r.resources;
    // Right after the run: only the pool's connections are open (at most its maximum).
    expect(after.socketFds - before.socketFds).toBeLessThanOrEqual(POOL_MAX);
    // They were idle: the pool's keep-alive closed every one of them.
    expect(afterIdle.socketFds).toBe(before.socketFds);
    // close() leaves no socket and no handle (timers included) behind.
    expect(closed.socketFds).toBe(before.socketFds);
    expect(closed.resources).toEqual(before.resources);

    expect(r.heap.after - r.heap.baseline).toBeLessThan(HEAP_SLACK);
    expect(r.heap.closed - r.heap.baseline).toBeLessThan(HEAP_SLACK);
    console.log(
      `leak run: ${r.calls} calls (${r.execs} execs) in ${r.seconds} s; sockets ${before.socketFds} -> ${after.socketFds} (pool) -> ${afterIdle.socketFds} (idle expired) -> ${closed.socketFds} (closed); ` +
        `heap ${(r.heap.baseline / 1048576).toFixed(1)} -> ${(r.heap.after / 1048576).toFixed(1)} -> ${(r.heap.closed / 1048576).toFixed(1)} MiB`,
    );
  }, 180_000);
});
