// Unit tests (no daemon): the calling convention, followProgress's error rule, demuxStream,
// and how dockerode's constructor options become createClient() options.
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createClient } from '@dockline/api';
import { dual } from './callback.js';
import { clientOptionsOf } from './docker.js';
import { Modem } from './modem.js';

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(payload.length, 4);
  return Buffer.concat([head, payload]);
}

async function text(s: PassThrough): Promise<string> {
  s.end();
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts).toString();
}

const modem = new Modem(createClient({ host: 'unix:///nonexistent/docker.sock' }));

describe('dual(): callback or Promise', () => {
  it('returns a Promise without a callback', async () => {
    const p = dual([{ a: 1 }], async (o?: unknown) => (o as { a: number }).a + 1);
    await expect(p).resolves.toBe(2);
  });
  it('calls a trailing callback on a later tick and returns undefined', async () => {
    let sync = true;
    const got = await new Promise<unknown[]>((resolve) => {
      const r = dual([{ a: 1 }, (...args: unknown[]) => resolve([...args, sync])], async () => 'v');
      expect(r).toBeUndefined();
      sync = false;
    });
    expect(got).toEqual([null, 'v', false]);
  });
  it('hands a synchronous throw and a rejection to the callback as err', async () => {
    const err = await new Promise((resolve) =>
      dual([(e: unknown) => resolve(e)], () => {
        throw new Error('boom');
      }),
    );
    expect((err as Error).message).toBe('boom');
  });
});

describe('modem.followProgress', () => {
  it('finishes with null and every line when no line carries an error, calling onProgress for each', async () => {
    const lines = ['{"status":"Pulling fs layer","id":"a"}\n{"status":"Downl', 'oad complete","id":"a"}\n', '{"status":"Status: Downloaded"}\n'];
    const seen: unknown[] = [];
    const [err, out] = await new Promise<[Error | null, unknown[]]>((resolve) =>
      modem.followProgress(Readable.from(lines.map((l) => Buffer.from(l))), (e, o) => resolve([e, o]), (ev) => seen.push(ev)),
    );
    expect(err).toBeNull();
    expect(out).toHaveLength(3);
    expect(seen).toEqual(out);
  });
  it('finishes with an Error holding the daemon message when a line has error/errorDetail (dockerode: null)', async () => {
    const lines = ['{"stream":"Step 1/2"}\n', '{"errorDetail":{"code":7,"message":"exit 7"},"error":"exit 7"}\n'];
    const [err, out] = await new Promise<[Error | null, unknown[]]>((resolve) => modem.followProgress(Readable.from(lines), (e, o) => resolve([e, o])));
    expect(err?.message).toBe('exit 7');
    expect(out).toHaveLength(2);
  });
  it('finishes with the stream error, and with a ProtocolError for a line that is not JSON', async () => {
    const broken = new PassThrough();
    const p = new Promise<Error | null>((resolve) => modem.followProgress(broken, (e) => resolve(e)));
    broken.destroy(new Error('socket hang up'));
    expect((await p)?.message).toBe('socket hang up');
    const garbage = await new Promise<Error | null>((resolve) => modem.followProgress(Readable.from(['not json\n']), (e) => resolve(e)));
    expect(garbage?.name).toBe('ProtocolError');
  });
});

describe('modem.demuxStream', () => {
  it('splits stdout and stderr frames, even when a frame is split across chunks, and does not end the outputs', async () => {
    const all = Buffer.concat([frame(1, 'out1\n'), frame(2, 'err1\n'), frame(1, 'out2\n')]);
    const src = Readable.from([all.subarray(0, 3), all.subarray(3, 15), all.subarray(15)]);
    const out = new PassThrough();
    const err = new PassThrough();
    modem.demuxStream(src, out, err);
    await new Promise((r) => src.on('end', r));
    expect(out.writableEnded).toBe(false);
    expect(await text(out)).toBe('out1\nout2\n');
    expect(await text(err)).toBe('err1\n');
  });
});

describe('modem.demuxStream on a TTY stream', () => {
  it('copies a stream that does not start with a frame header to stdout whole, as dockerode', async () => {
    const src = Readable.from([Buffer.from('plain tty output\r\n'), Buffer.from('more\r\n')]);
    const out = new PassThrough();
    const err = new PassThrough();
    modem.demuxStream(src, out, err);
    await new Promise((r) => src.on('end', r));
    await new Promise((r) => setImmediate(r));
    expect(await text(out)).toBe('plain tty output\r\nmore\r\n');
    expect(await text(err)).toBe('');
  });
});

describe('clientOptionsOf (dockerode constructor options)', () => {
  it('maps socketPath, host/port/protocol, TLS material, ssh, version, timeout and headers', () => {
    expect(clientOptionsOf({ socketPath: '/run/docker.sock' })).toEqual({ host: 'unix:///run/docker.sock' });
    expect(clientOptionsOf({ host: '10.0.0.1', port: 2375 })).toEqual({ host: 'tcp://10.0.0.1:2375' });
    expect(clientOptionsOf({ host: 'h', ca: 'C', cert: 'T', key: 'K' })).toEqual({ host: 'https://h:2376', tls: { ca: 'C', cert: 'T', key: 'K' } });
    expect(clientOptionsOf({ host: 'h', protocol: 'ssh', username: 'u', sshOptions: { agent: '/a' } })).toEqual({ host: 'ssh://u@h:22', ssh: { agent: '/a' } });
    expect(clientOptionsOf({ version: 'v1.41', timeout: 1000, headers: { 'X-A': 'b' } })).toEqual({ apiVersion: '1.41', timeoutMs: 1000, headers: { 'X-A': 'b' } });
    expect(clientOptionsOf({})).toEqual({});
  });
  it('rejects an unknown protocol with InvalidParameterError', () => {
    expect(() => clientOptionsOf({ host: 'h', protocol: 'ftp' as never })).toThrow(/protocol must be/);
  });
});
