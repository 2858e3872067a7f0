import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConnectionError, connectError, createPipeline, InvalidParameterError } from '@dockline/core';
import { readThroughOnread } from '@dockline/tool-testkit';
import { DEFAULT_SOCKET_PATH, unixTransport } from './index.js';

const scratch = mkdtempSync(join(tmpdir(), 'dockline-unix-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('unix transport errors', () => {
  async function pingError(socketPath: string): Promise<ConnectionError> {
    const p = createPipeline({ transport: unixTransport({ socketPath }) });
    try {
      const err = await p
        .send({ operation: 'SystemPing', method: 'GET', path: '/_ping', route: '/_ping', response: 'empty', idempotent: true, longRunning: false })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectionError);
      return err as ConnectionError;
    } finally {
      await p.close();
    }
  }

  it('defaults to /var/run/docker.sock', () => {
    expect(DEFAULT_SOCKET_PATH).toBe('/var/run/docker.sock');
    expect(unixTransport().endpoint).toBe('unix:///var/run/docker.sock');
  });

  it('a Windows named pipe path is named as npipe:// (kind npipe, network.transport pipe)', () => {
    const t = unixTransport({ socketPath: '\\\\.\\pipe\\docker_engine' });
    expect(t.endpoint).toBe('npipe:////./pipe/docker_engine');
    expect(t.kind).toBe('npipe');
    expect(t.networkTransport).toBe('pipe');
    expect(unixTransport({ socketPath: '/tmp/pipe\\x.sock' }).kind).toBe('unix');
  });

  it('no socket: names the path and asks whether the daemon runs', async () => {
    const path = join(scratch, 'missing.sock');
    const err = await pingError(path);
    expect(err.connectFailed).toBe(true);
    expect(err.message).toContain(`unix://${path}`);
    expect(err.message).toMatch(/is the Docker daemon running/);
    expect(err.message).toContain('ENOENT');
  });

  it('refused: a socket file nobody listens on', async () => {
    const path = join(scratch, 'dead.sock');
    // A socket bound but not listening is what a crashed daemon leaves behind.
    execFileSync('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', path]);
    const err = await pingError(path);
    expect(err.message).toMatch(/refused|ECONNREFUSED/);
  });

  it('not a socket: a regular file at the path', async () => {
    const path = join(scratch, 'plain-file');
    writeFileSync(path, 'x');
    const err = await pingError(path);
    expect(err.message).toContain(path);
    expect(err.message).toMatch(/ECONNREFUSED|ENOTSOCK/);
  });

  it('permission denied: names the fix', async () => {
    // Root bypasses file permissions; this is provable only as an unprivileged user.
    if (process.getuid?.() === 0) {
      const err = connectError(Object.assign(new Error('denied'), { code: 'EACCES' }), 'unix:///x.sock', 'unix');
      expect(err.message).toMatch(/permission denied.*docker group/);
      return;
    }
    const path = join(scratch, 'locked.sock');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    chmodSync(path, 0o000);
    const err = await pingError(path);
    server.close();
    expect(err.message).toMatch(/permission denied/);
  });

  it('opens sockets that stop reading from the kernel once one chunk is buffered (read pacing needs it)', async () => {
    const path = join(scratch, 'hwm.sock');
    const server = createServer((c) => c.end());
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      const transport = unixTransport({ socketPath: path });
      const socket = await transport.connect({});
      expect(socket.readableHighWaterMark).toBe(1);
      socket.destroy();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("passes core's onread on to net.connect: reads come through its callback, never as 'data'", async () => {
    const path = join(scratch, 'onread.sock');
    const server = createServer((c) => c.end('hello over onread'));
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      expect(await readThroughOnread(unixTransport({ socketPath: path }))).toEqual({ text: 'hello over onread', dataEvents: 0 });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('rejects an empty socket path at construction', () => {
    expect(() => unixTransport({ socketPath: '' })).toThrow(InvalidParameterError);
  });
});
