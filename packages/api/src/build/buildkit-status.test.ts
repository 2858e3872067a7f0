import { describe, expect, it } from 'vitest';
import { decodeStatusResponse } from './buildkit-status.js';
import { ProtobufError } from './protobuf.js';

// Recorded from dockerd 20.10.24 (`POST /build?version=2`): the aux of two moby.buildkit.trace lines.
const CACHED_VERTEX =
  'CpMBCkdzaGEyNTY6ZDNhMGU2NmFjNmVjYWQ1NDI2N2EyMTNlZDIyZGQ5Y2ZkOGRmMzIzNmYzMjQyN2NiY2VhYzI3Nzc5MjQwMjQ2NRoqWzEvMl0gRlJPTSBkb2NrZXIuaW8vbGlicmFyeS9idXN5Ym94OmxvY2FsIAEqDAiW6NrYBhDMt6aAATIMCJbo2tgGEOOOqIAB';
const LOG = 'GmUKR3NoYTI1NjpkZWNhNDlkZGQ5MDU2N2VmZjdjODliMjFhNDE0NjUxNzA2MGNkODJmNWQ3ZDkwMGIwYzZmNzk4YmZjN2Y5MjgwEgwIluja2AYQ2Ny82gEYASIKaGVsbG8tbG9nCg==';

/** A tiny protobuf writer for hand-made messages (varints and length-delimited fields). */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
function field(num: number, value: string | Uint8Array | number[]): number[] {
  const bytes = typeof value === 'string' ? [...Buffer.from(value)] : [...value];
  return [...varint(num * 8 + 2), ...varint(bytes.length), ...bytes];
}
function vfield(num: number, n: number): number[] {
  return [...varint(num * 8), ...varint(n)];
}

describe('decodeStatusResponse', () => {
  it('decodes a recorded vertex: digest, name, cached, started and completed', () => {
    const [v] = decodeStatusResponse(Buffer.from(CACHED_VERTEX, 'base64'));
    expect(v).toEqual({
      kind: 'vertex',
      digest: 'sha256:d3a0e66ac6ecad54267a213ed22dd9cfd8df3236f32427cbceac277792402465',
      name: '[1/2] FROM docker.io/library/busybox:local',
      inputs: [],
      cached: true,
      started: new Date('2026-12-07T13:26:46.269Z'),
      completed: new Date('2026-12-07T13:26:46.269Z'),
    });
  });

  it('decodes a recorded log: vertex, stream, bytes and timestamp', () => {
    const [l] = decodeStatusResponse(Buffer.from(LOG, 'base64'));
    expect(l).toMatchObject({ kind: 'log', vertex: 'sha256:deca49ddd90567eff7c89b21a4146517060cd82f5d7d900b0c6f798bfc7f9280', stream: 1 });
    expect(l?.kind === 'log' && l.data.toString()).toBe('hello-log\n');
    expect(l?.kind === 'log' && l.timestamp?.toISOString()).toBe('2026-12-07T13:26:46.458Z');
  });

  it('decodes inputs, error, statuses and warnings, and skips unknown fields', () => {
    const vertex = [
      ...field(1, 'sha256:aa'),
      ...field(2, 'sha256:in1'),
      ...field(2, 'sha256:in2'),
      ...field(3, '[2/2] RUN false'),
      ...field(7, 'exit code: 1'),
      ...field(8, [...field(1, 'group')]), // progressGroup: not decoded, skipped
      ...vfield(99, 5), // unknown varint field
    ];
    const status = [...field(1, 'layer'), ...field(2, 'sha256:aa'), ...vfield(4, 300), ...vfield(5, 2 ** 40)];
    const warning = [...field(1, 'sha256:aa'), ...vfield(2, 1), ...field(3, 'short'), ...field(4, 'd1'), ...field(4, 'd2'), ...field(5, 'https://docs')];
    const msg = Uint8Array.from([...field(4, warning), ...field(1, vertex), ...field(2, status), ...field(9, 'future')]);
    expect(decodeStatusResponse(msg)).toEqual([
      { kind: 'vertex', digest: 'sha256:aa', name: '[2/2] RUN false', inputs: ['sha256:in1', 'sha256:in2'], error: 'exit code: 1' },
      { kind: 'vertexStatus', id: 'layer', vertex: 'sha256:aa', name: '', current: 300, total: 2 ** 40 },
      { kind: 'warning', vertex: 'sha256:aa', level: 1, short: 'short', detail: ['d1', 'd2'], url: 'https://docs' },
    ]);
  });

  it('rejects truncated input with a ProtobufError', () => {
    const whole = Buffer.from(CACHED_VERTEX, 'base64');
    expect(() => decodeStatusResponse(whole.subarray(0, whole.length - 5))).toThrow(ProtobufError);
    expect(() => decodeStatusResponse(Uint8Array.from([0x0a, 0xff]))).toThrow(ProtobufError);
  });
});
