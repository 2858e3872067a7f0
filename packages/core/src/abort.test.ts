import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { abortError, callEnded, onAbort, raceCall, sleepWithin, watchCall } from './abort.js';
import { Deadline } from './deadline.js';
import { AbortError, TimeoutError } from './errors.js';

describe('abort.ts: the one abort mechanism', () => {
  it('abortError keeps a DockerError reason (an outer TimeoutError) and maps anything else to an AbortError', () => {
    const timeout = new TimeoutError('x timed out', { operation: 'X' });
    expect(abortError(AbortSignal.abort(timeout), 'X')).toBe(timeout);
    const err = abortError(AbortSignal.abort(new Error('bye')), 'ContainerInspect', 'unix:///s');
    expect(err).toBeInstanceOf(AbortError);
    expect(err.message).toBe('ContainerInspect aborted');
    expect(err.endpoint).toBe('unix:///s');
  });

  it('onAbort adds one listener per signal however many subscribe, and removes it with the last', () => {
    const c = new AbortController();
    const offs = Array.from({ length: 100 }, () => onAbort(c.signal, () => undefined));
    expect(getEventListeners(c.signal, 'abort')).toHaveLength(1);
    for (const off of offs) off();
    expect(getEventListeners(c.signal, 'abort')).toHaveLength(0);
    let fired = 0;
    onAbort(c.signal, () => fired++);
    onAbort(c.signal, () => fired++);
    c.abort();
    expect(fired).toBe(2);
  });

  it('watchCall fails once with the deadline error, and stops leave no timer or listener', async () => {
    const c = new AbortController();
    const failures: unknown[] = [];
    const deadline = new Deadline(20, 'ContainerInspect');
    watchCall({ operation: 'ContainerInspect', signal: c.signal, deadline }, undefined, (e) => failures.push(e));
    await new Promise((r) => setTimeout(r, 60));
    c.abort();
    expect(failures).toEqual([deadline.error()]);
    expect(getEventListeners(c.signal, 'abort')).toHaveLength(0);
    const stop = watchCall({ operation: 'X', signal: new AbortController().signal, deadline: new Deadline(10, 'X') }, undefined, (e) => failures.push(e));
    stop();
    await new Promise((r) => setTimeout(r, 30));
    expect(failures).toHaveLength(1);
  });

  it('watchCall on a signal that aborted in between fails on the next microtask, not synchronously', async () => {
    const failures: unknown[] = [];
    watchCall({ operation: 'ContainerLogs', signal: AbortSignal.abort() }, 'unix:///s', (e) => failures.push(e));
    expect(failures).toHaveLength(0);
    await Promise.resolve();
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(AbortError);
  });

  it('raceCall rejects at the deadline or the abort, whichever comes first, and callEnded reports an ended call', async () => {
    const never = new Promise<never>(() => undefined);
    await expect(raceCall(never, { operation: 'X', deadline: new Deadline(10, 'X') })).rejects.toBeInstanceOf(TimeoutError);
    await expect(raceCall(never, { operation: 'X', signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
    await expect(raceCall(Promise.resolve(7), { operation: 'X', deadline: new Deadline(1000, 'X') })).resolves.toBe(7);
    expect(callEnded({ operation: 'X' })).toBeUndefined();
    expect(callEnded({ operation: 'X', signal: AbortSignal.abort() })).toBeInstanceOf(AbortError);
  });

  it('sleepWithin never sleeps past the deadline: it rejects with the TimeoutError at the deadline', async () => {
    const deadline = new Deadline(20, 'X');
    const t0 = performance.now();
    await expect(sleepWithin(5000, { operation: 'X', deadline })).rejects.toBe(deadline.error());
    expect(performance.now() - t0).toBeLessThan(4000);
    await expect(sleepWithin(5, { operation: 'X', deadline: new Deadline(5000, 'X') })).resolves.toBeUndefined();
  });
});
