// Hostile-daemon probes: a fake daemon (this process) answers what no real dockerd would
// send (a 2 GiB or endless JSON answer, an endless header, a million headers, a stream
// that stalls after its head, a frame announcing 4 GiB, a connection closed before the
// head, an error quoting the credentials it was sent) to a client in a child process
// under --max-old-space-size=512 (hostile-client.ts). Each probe asserts the typed error,
// that the client's RSS grew by less than 1 GiB, and how many requests reached the daemon
// (protocol violations are never resent).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./hostile-client.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;
const SECRET_PASSWORD = 'hunter2-s3cr3t-pa55';

const dir = mkdtempSync(join(tmpdir(), 'dockline-hostile-'));
const socketPath = join(dir, 'hostile.sock');
let server: Server;
let probe = '';
/** Requests per path, the version ping left out. */
let requests: string[] = [];
const sockets = new Set<Socket>();

/** Write `piece` over and over, with backpressure, until the client goes away. */
function flood(socket: Socket, piece: Buffer): void {
  const more = (): void => {
    while (!socket.destroyed && socket.write(piece));
  };
  socket.on('drain', more);
  more();
}

function answer(socket: Socket, method: string, path: string, head: string): void {
  if (path.endsWith('/_ping')) {
    socket.write(`HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: text/plain\r\nContent-Length: ${method === 'HEAD' ? 0 : 2}\r\n\r\n${method === 'HEAD' ? '' : 'OK'}`);
    return;
  }
  requests.push(`${method} ${path.replace(/^\/v[\d.]+/, '').split('?')[0]}`);
  const megabyte = Buffer.alloc(MiB, '0,');
  switch (probe) {
    case 'json-huge':
      socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${600 * MiB}\r\n\r\n[`);
      return flood(socket, megabyte);
    case 'json-endless':
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n[\r\n');
      return flood(socket, Buffer.concat([Buffer.from(`${MiB.toString(16)}\r\n`), megabyte, Buffer.from('\r\n')]));
    case 'json-declared-2gib':
      socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${2 * GiB}\r\n\r\n[`);
      return flood(socket, megabyte);
    case 'json-capped-per-call': {
      const body = JSON.stringify({ Id: 'x', Padding: 'p'.repeat(4096) });
      socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      return;
    }
    case 'head-endless-line':
    case 'stream-head-endless-line':
      socket.write('HTTP/1.1 200 OK\r\nX-Endless: ');
      return flood(socket, Buffer.alloc(64 * 1024, 'a'));
    case 'head-many-headers':
      socket.write('HTTP/1.1 200 OK\r\n');
      return flood(socket, Buffer.from('X-H: 1\r\n'.repeat(8192)));
    case 'logs-stall':
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
      return;
    case 'logs-frame-4gib-stall': {
      const frame = Buffer.concat([Buffer.from([1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]), Buffer.from('just a few bytes')]);
      socket.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${frame.length.toString(16)}\r\n`);
      socket.write(frame);
      socket.write('\r\n');
      return;
    }
    case 'logs-closed-before-head':
    case 'exec-closed-before-head':
      if (path.includes('/json')) {
        const body = JSON.stringify({ ID: 'x', ProcessConfig: { tty: false }, Config: { Tty: false } });
        socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
        return;
      }
      socket.destroy();
      return;
    case 'secret-echo': {
      const auth = /x-registry-auth: (\S+)/i.exec(head)?.[1] ?? '';
      const json = Buffer.from(auth, 'base64').toString('utf8');
      const message = `registry said: bad credentials ${SECRET_PASSWORD}; header ${auth}; config ${json}; escaped ${JSON.stringify(json)}`;
      const body = JSON.stringify({ message });
      socket.write(`HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return;
    }
    default:
      socket.destroy();
  }
}

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buf.slice(0, end);
        buf = buf.slice(end + 4);
        const [method = '', path = ''] = head.split(' ');
        // A JSON body (exec start, create) is small: drop it with the head.
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        buf = buf.slice(length);
        answer(socket, method, path, head);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  ok: boolean;
  name?: string;
  message?: string;
  stack?: string;
  daemonMessage?: string;
  inspected?: string;
  json?: string;
  /** The finished spans, as JSON. */
  spans: string;
  ms: number;
  rssGrowth: number;
}

async function probeWith(name: string): Promise<Outcome> {
  probe = name;
  requests = [];
  const { stdout } = await run(process.execPath, ['--max-old-space-size=512', '--conditions=@dockline/source', '--import', 'tsx', script], {
    cwd: root,
    env: { ...process.env, DOCKLINE_HOSTILE_HOST: `unix://${socketPath}`, DOCKLINE_PROBE: name, DOCKLINE_SECRET: SECRET_PASSWORD },
    maxBuffer: 16 * MiB,
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Outcome;
}

describe('hostile daemon (fake daemon: a real one never sends these)', () => {
  it.each(['json-huge', 'json-endless', 'json-declared-2gib'])(
    '%s: a buffered answer past the 64 MiB cap is a ProtocolError naming the cap, sent once, memory bounded',
    async (name) => {
      const r = await probeWith(name);
      expect(r.ok).toBe(false);
      expect(r.name).toBe('ProtocolError');
      expect(r.message).toMatch(/ContainerList: the daemon's answer is .*the 67108864-byte cap on buffered answers; raise it with maxResponseBytes/);
      expect(r.rssGrowth).toBeLessThan(GiB);
      expect(requests).toEqual(['GET /containers/json']);
    },
  );

  it('a per-call maxResponseBytes wins over the client cap', async () => {
    const r = await probeWith('json-capped-per-call');
    expect(r.name).toBe('ProtocolError');
    expect(r.message).toMatch(/1024-byte cap/);
    expect(requests).toEqual(['GET /containers/x/json']);
  });

  it.each([
    ['head-endless-line', 'GET /containers/x/json'],
    ['head-many-headers', 'GET /containers/x/json'],
    ['stream-head-endless-line', 'GET /containers/x/logs'],
  ])('%s: an oversized response head is a ProtocolError on every path, never resent', async (name, request) => {
    const r = await probeWith(name);
    expect(r.ok).toBe(false);
    expect(r.name).toBe('ProtocolError');
    expect(r.rssGrowth).toBeLessThan(GiB);
    expect(requests).toEqual([request]);
  });

  it.each(['logs-stall', 'logs-frame-4gib-stall'])('%s: logs without follow meet timeoutMs even when the body stalls', async (name) => {
    const r = await probeWith(name);
    expect(r.ok).toBe(false);
    expect(r.name).toBe('TimeoutError');
    expect(r.message).toBe('ContainerLogs timed out after 500 ms');
    expect(r.ms).toBeGreaterThanOrEqual(495);
    expect(r.ms).toBeLessThan(5000);
    expect(requests).toEqual(['GET /containers/x/logs']);
  });

  it.each([
    ['logs-closed-before-head', 'ContainerLogs'],
    ['exec-closed-before-head', 'ExecStart'],
  ])('%s: a connection closed before the head names the endpoint', async (name, operation) => {
    const r = await probeWith(name);
    expect(r.ok).toBe(false);
    expect(r.name).toBe('ConnectionError');
    expect(r.message).toContain(operation);
    expect(r.message).toContain(`(unix://${socketPath})`);
  });

  it('secret-echo: credentials the daemon quotes back are scrubbed by value from the message, stack, daemon message, inspect, JSON and spans', async () => {
    const r = await probeWith('secret-echo');
    expect(r.ok).toBe(false);
    const auth = { username: 'me', password: SECRET_PASSWORD, serveraddress: '127.0.0.1:1' };
    const json = JSON.stringify(auth);
    const forms = [
      SECRET_PASSWORD,
      Buffer.from(json).toString('base64url'),
      Buffer.from(json).toString('base64'),
      json,
      JSON.stringify(json).slice(1, -1),
      Buffer.from(SECRET_PASSWORD).toString('base64'),
    ];
    const surfaces = [r.message, r.stack, r.daemonMessage, r.inspected, r.json, r.spans].map(String);
    for (const surface of surfaces) for (const form of forms) expect(surface).not.toContain(form);
    expect(r.message).toContain('REDACTED');
    expect(r.daemonMessage).toMatch(/^registry said: bad credentials REDACTED/);
    // The span recorded the (scrubbed) error: the scan above looked at something real.
    expect(r.spans).toContain('ImageCreate');
    expect(r.spans).toContain('bad credentials REDACTED');
  });
});
