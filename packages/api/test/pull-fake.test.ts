// pullImage against a fake daemon (node:http on a unix socket): a real dockerd cannot be
// made to stall mid-pull, to send chosen error lines, or to show what it received.
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { AbortError, InvalidParameterError, NotFoundError, ServerError, TimeoutError, UnauthorizedError } from '@dockline/core';
import type { PullProgress } from '../src/streams/pull-progress.js';
import { type FakeDaemon, fakeDaemon } from './fake-daemon.js';

const line = (o: object): string => `${JSON.stringify(o)}\r\n`;

function progressHead(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' });
}

describe('pullImage (fake daemon)', () => {
  let fake: FakeDaemon | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('cancels a pull that makes no progress for progressDeadlineMs with a TimeoutError naming the image and the limit, and closes the connection', async () => {
    let closed!: () => void;
    const connectionClosed = new Promise<void>((resolve) => (closed = resolve));
    fake = await fakeDaemon((req, res) => {
      progressHead(res);
      res.write(line({ status: 'Pulling from team/app', id: 'v1' }));
      res.write(line({ status: 'Downloading', id: 'abc123', progressDetail: { current: 10, total: 100 } }));
      // ...and then nothing: a stalled registry.
      req.socket.on('close', closed);
    });
    const t0 = Date.now();
    const err = await fake.client.pullImage('registry.example:5000/team/app:v1', { progressDeadlineMs: 300 }).catch((e: unknown) => e);
    const elapsed = Date.now() - t0;
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).timeoutMs).toBe(300);
    expect((err as Error).message).toContain('registry.example:5000/team/app:v1');
    expect((err as Error).message).toContain('300 ms');
    expect((err as Error).message).toContain('abc123 Downloading');
    expect(elapsed).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(3000);
    await connectionClosed; // the daemon sees the client go away, which cancels its pull
  });

  it('the deadline is on silence, not on the whole pull: steady progress past it succeeds', async () => {
    fake = await fakeDaemon((_req, res) => {
      progressHead(res);
      let n = 0;
      const timer = setInterval(() => {
        n++;
        res.write(line({ status: 'Downloading', id: 'l1', progressDetail: { current: n * 10, total: 100 } }));
        if (n === 10) {
          clearInterval(timer);
          res.write(line({ status: 'Download complete', id: 'l1', progressDetail: {} }));
          res.write(line({ status: 'Pull complete', id: 'l1', progressDetail: {} }));
          res.write(line({ status: 'Digest: sha256:' + 'a'.repeat(64) }));
          res.end(line({ status: 'Status: Downloaded newer image for app:v1' }));
        }
      }, 60);
    });
    const seen: PullProgress[] = [];
    const res = await fake.client.pullImage('app:v1', { progressDeadlineMs: 250, onProgress: (p) => seen.push({ ...p, layers: new Map(p.layers) }) });
    expect(res).toEqual({ ref: 'docker.io/library/app:v1', digest: 'sha256:' + 'a'.repeat(64), status: 'Downloaded newer image for app:v1' });
    expect(seen.map((p) => p.current).slice(0, 10)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(seen.at(-1)).toMatchObject({ current: 100, total: 100, completed: 1 });
  });

  it('the deadline also covers the wait for the first line (a daemon stuck before answering)', async () => {
    fake = await fakeDaemon(() => {
      // never answers
    });
    const err = await fake.client.pullImage('app', { progressDeadlineMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toContain('docker.io/library/app:latest');
    expect((err as Error).message).toContain('no progress yet');
  });

  it('sends fromImage and tag split as the Go client does, and auth as base64url JSON in X-Registry-Auth', async () => {
    fake = await fakeDaemon((_req, res) => {
      progressHead(res);
      res.end(line({ status: 'Status: Image is up to date for x' }));
    });
    const auth = { username: 'me', password: 'p?>s~s+/w', serveraddress: '127.0.0.1:5000' };
    await fake.client.pullImage('127.0.0.1:5000/x/y:tag', { auth, platform: 'linux/amd64' });
    await fake.client.pullImage('busybox');
    await fake.client.pullImage('library/busybox@sha256:' + 'b'.repeat(64));
    await fake.client.pullImage('localhost:5000/app:v2@sha256:' + 'c'.repeat(64));
    await fake.client.pullImage('docker.io/team/app');
    const queries = fake.requests.map((r) => Object.fromEntries(new URL(r.url, 'http://x').searchParams));
    expect(queries).toEqual([
      { fromImage: '127.0.0.1:5000/x/y', tag: 'tag', platform: 'linux/amd64' },
      { fromImage: 'busybox', tag: 'latest' },
      { fromImage: 'busybox', tag: 'sha256:' + 'b'.repeat(64) },
      { fromImage: 'localhost:5000/app', tag: 'sha256:' + 'c'.repeat(64) },
      { fromImage: 'team/app', tag: 'latest' },
    ]);
    expect(fake.requests.map((r) => r.method)).toEqual(['POST', 'POST', 'POST', 'POST', 'POST']);
    const header = fake.requests[0]!.headers['x-registry-auth'] as string;
    expect(header).toMatch(/^[A-Za-z0-9_-]+=*$/); // URL-safe alphabet, padded like Go's base64.URLEncoding
    expect(JSON.parse(Buffer.from(header, 'base64url').toString('utf8'))).toEqual(auth);
    expect(fake.requests[1]!.headers['x-registry-auth']).toBeUndefined();
  });

  it('an error line rejects with the daemon\'s message, classified by its words', async () => {
    const cases: [string, unknown][] = [
      ['unauthorized: authentication required', UnauthorizedError],
      ['manifest for app:v1 not found: manifest unknown: manifest unknown', NotFoundError],
      ['failed to register layer: no space left on device', ServerError],
    ];
    let i = 0;
    fake = await fakeDaemon((_req, res) => {
      const message = cases[i++]![0];
      progressHead(res);
      res.write(line({ status: 'Pulling from library/app', id: 'v1' }));
      res.end(line({ errorDetail: { message }, error: message }));
    });
    for (const [message, Class] of cases) {
      const err = await fake.client.pullImage('app:v1', { auth: { username: 'u', password: 'secret-pw' } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Class);
      expect((err as ServerError).daemonMessage).toBe(message);
      expect((err as Error).message).toContain(message);
      expect((err as Error).message).not.toContain('secret-pw');
    }
  });

  it('a 500 before streaming is classified the same way (what dockerd answers without credentials)', async () => {
    fake = await fakeDaemon((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Head "http://r/v2/x/manifests/latest": no basic auth credentials' }));
    });
    const err = await fake.client.pullImage('r:5000/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect((err as UnauthorizedError).statusCode).toBe(500);
  });

  it('a throwing onProgress cancels the pull and rejects with its error', async () => {
    fake = await fakeDaemon((_req, res) => {
      progressHead(res);
      res.write(line({ status: 'Downloading', id: 'l1', progressDetail: { current: 1, total: 2 } }));
    });
    const boom = new Error('boom');
    await expect(
      fake.client.pullImage('app', {
        onProgress: () => {
          throw boom;
        },
      }),
    ).rejects.toBe(boom);
  });

  it('the caller\'s signal aborts a pull with AbortError', async () => {
    fake = await fakeDaemon((_req, res) => {
      progressHead(res);
      res.write(line({ status: 'Pulling fs layer', id: 'l1', progressDetail: {} }));
    });
    const ac = new AbortController();
    const p = fake.client.pullImage('app', { onProgress: () => ac.abort() }, { signal: ac.signal });
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
  });

  it('an invalid reference is an InvalidParameterError before anything is sent', async () => {
    fake = await fakeDaemon((_req, res) => res.end());
    await expect(fake.client.pullImage('Busybox')).rejects.toBeInstanceOf(InvalidParameterError); // uppercase repository (an uppercase first component would be a registry host, as in Go)
    await expect(fake.client.pullImage('a'.repeat(64))).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(fake.client.pullImage('app:bad tag')).rejects.toBeInstanceOf(InvalidParameterError);
    expect(fake.requests).toHaveLength(0);
  });
});
