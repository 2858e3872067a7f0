// The reduced fuzz run of `npm test`: every target of targets.ts over 1,000 inputs
// (the full run, a million inputs, is fuzz/main.ts: see SECURITY.md), plus the memory
// bounds a fuzzer cannot see: a frame header announcing 4 GiB, an endless NDJSON line.
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidParameterError, JsonLinesDecoder, ProtocolError, StdcopyDemuxer } from '@dockline/core';
import { parseDockerHost } from '@dockline/api';
import { fuzzTargets } from './targets.js';

const RUNS = Number(process.env.DOCKLINE_FUZZ_RUNS ?? 1000);

describe('fuzz targets (reduced run)', () => {
  const targets = fuzzTargets();
  afterAll(async () => {
    for (const t of targets) await t.cleanup?.();
  });
  for (const t of targets) {
    it(t.name, async () => {
      // The context store target writes files per input: fewer of them.
      await t.check(t.weight === 1 ? Math.ceil(RUNS / 3) : RUNS);
    }, 60_000);
  }
});

describe('memory bounds', () => {
  it('a stdcopy frame header announcing 4 GiB allocates nothing for it: 64 MiB of its payload stream through, then the cut is a ProtocolError', () => {
    const seen = { bytes: 0 };
    const d = new StdcopyDemuxer((_s, chunk) => {
      seen.bytes += chunk.length;
    });
    const header = Buffer.from([1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    const piece = Buffer.alloc(1024 * 1024, 0x61);
    const before = process.memoryUsage().arrayBuffers;
    d.push(header);
    let peak = 0;
    for (let i = 0; i < 64; i++) {
      d.push(piece);
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
    }
    expect(seen.bytes).toBe(64 * 1024 * 1024);
    // Nothing held beyond the caller's own chunk: far below the 64 MiB pushed, let alone 4 GiB.
    expect(peak).toBeLessThan(16 * 1024 * 1024);
    expect(() => d.end()).toThrow(ProtocolError);
    expect(() => d.end()).toThrow(/expected 4294967295 payload bytes, received 67108864/);
  });

  it('a systemerr frame announcing 4 GiB keeps at most 64 KiB of its message', () => {
    const d = new StdcopyDemuxer(() => undefined);
    const before = process.memoryUsage().arrayBuffers;
    d.push(Buffer.from([3, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]));
    const piece = Buffer.alloc(1024 * 1024, 0x62);
    for (let i = 0; i < 32; i++) d.push(piece);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * 1024 * 1024);
  });

  it('an NDJSON line that never ends is refused at the cap (16 MiB by default), not buffered on', () => {
    const d = new JsonLinesDecoder(() => undefined);
    const piece = Buffer.alloc(1024 * 1024, 0x20 + 1); // "!" forever, no newline
    let error: unknown;
    let pushed = 0;
    for (let i = 0; i < 64 && error === undefined; i++) {
      try {
        d.push(piece);
        pushed++;
      } catch (err) {
        error = err;
      }
    }
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as Error).message).toMatch(/exceeds the maximum of 16777216 bytes/);
    expect(pushed).toBe(16);
  });
});

describe('what the fuzzer found (regressions)', () => {
  const message = (value: string): string => {
    try {
      parseDockerHost(value);
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidParameterError);
      return (err as Error).message;
    }
    throw new Error(`${value} parsed`);
  };

  it('DOCKER_HOST tcp://user:password@host (no port) does not quote the password as the port', () => {
    expect(message('tcp://me:S3cretPass@host')).not.toContain('S3cretPass');
  });

  it('DOCKER_HOST ssh://user:pass@word@host: the whole password is redacted, "@" and all', () => {
    const m = message('ssh://me:p4ss@w0rd@host');
    expect(m).not.toContain('p4ss');
    expect(m).not.toContain('w0rd');
  });

  it('DOCKER_HOST ssh://%E0@host (a malformed %-escape in the user) is an InvalidParameterError, not a URIError', () => {
    expect(message('ssh://%E0@host')).toMatch(/malformed %-escape/);
  });
});
