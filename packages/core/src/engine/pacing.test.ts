import { describe, expect, it } from 'vitest';
import { ReadPacer } from './pacing.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ReadPacer', () => {
  it('waits after a small read that follows another closely, then resumes the reader', async () => {
    let resumed = 0;
    let clock = 1000;
    const pacer = new ReadPacer(() => resumed++, () => clock);
    expect(pacer.afterRead(45)).toBe(false); // the first read has nothing to follow
    clock += 1; // 1 ms later: within the 2 ms window
    expect(pacer.afterRead(45)).toBe(true);
    expect(pacer.waiting).toBe(true);
    expect(pacer.afterRead(45)).toBe(false); // one wait at a time
    await tick(20);
    expect(resumed).toBe(1);
    expect(pacer.waiting).toBe(false);
  });

  it('never waits after large reads, nor on a quiet stream', async () => {
    let clock = 1000;
    const pacer = new ReadPacer(() => undefined, () => clock);
    pacer.afterRead(64 * 1024);
    expect(pacer.afterRead(64 * 1024)).toBe(false);
    pacer.afterRead(45);
    clock += 20; // a line now and then
    expect(pacer.afterRead(45)).toBe(false);
  });

  it('never waits on a bulk stream (large chunks): a small read there means the reader caught up', () => {
    let clock = 1000;
    const pacer = new ReadPacer(() => undefined, () => clock);
    pacer.afterRead(64 * 1024, 32 * 1024);
    clock += 0.5;
    expect(pacer.afterRead(8 * 1024, 32 * 1024)).toBe(false);
    clock += 0.5;
    // The same small read on a stream of log-line-sized chunks waits.
    expect(pacer.afterRead(8 * 1024, 45)).toBe(true);
    pacer.stop();
  });

  it('stop() cancels a running wait: the reader is not resumed after the stream ended', async () => {
    let resumed = 0;
    const pacer = new ReadPacer(() => resumed++, () => 1000);
    pacer.afterRead(10);
    expect(pacer.afterRead(10)).toBe(true);
    pacer.stop();
    await tick(20);
    expect(resumed).toBe(0);
    expect(pacer.waiting).toBe(false);
  });
});
