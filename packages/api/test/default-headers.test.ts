// createClient({ headers }): what goes on the wire. A real dockerd does not echo request
// headers, so this one needs a fake daemon (a node:http server on a unix socket) that
// records them; the requests still go through createClient's whole default pipeline.
import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidParameterError } from '@dockline/core';
import { createClient } from '../src/create-client.js';
import { DEFAULT_USER_AGENT } from '../src/version.js';
import { fakeDaemon, type FakeDaemon } from './fake-daemon.js';

describe('createClient({ headers })', () => {
  let fake: FakeDaemon | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  async function daemon(): Promise<FakeDaemon> {
    fake = await fakeDaemon((req, res) => {
      if (req.url === '/_ping') {
        res.writeHead(200, { 'Api-Version': '1.41', 'Content-Type': 'text/plain' });
        res.end(req.method === 'HEAD' ? undefined : 'OK');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(req.url?.includes('/auth') ? '{"Status":"Login Succeeded"}' : '{}');
    });
    return fake;
  }

  const ua = (r: { headers: IncomingMessage['headers'] }) => r.headers['user-agent'];

  it('sends User-Agent: dockline/<version> by default, on every request (the version ping too)', async () => {
    const f = await daemon();
    const docker = createClient({ host: `unix://${f.socketPath}` });
    try {
      await docker.version();
      await docker.info();
    } finally {
      await docker.close();
    }
    expect(f.requests.map((r) => r.url)).toEqual(['/_ping', '/v1.41/version', '/v1.41/info']);
    expect(f.requests.map(ua)).toEqual([DEFAULT_USER_AGENT, DEFAULT_USER_AGENT, DEFAULT_USER_AGENT]);
    expect(DEFAULT_USER_AGENT).toMatch(/^dockline\/\d+\.\d+\.\d+/);
  });

  it('adds the given headers everywhere; a given User-Agent (any case) replaces the default; a call\'s own headers win', async () => {
    const f = await daemon();
    const docker = createClient({ host: `unix://${f.socketPath}`, headers: { 'user-agent': 'my-tool/2', 'X-Team': 'infra', 'X-Registry-Auth': 'default' } });
    try {
      await docker.version();
      const pull = await docker.request('ImageCreate', { query: { fromImage: 'busybox' }, headers: { 'X-Registry-Auth': 'own' } });
      pull.destroy();
    } finally {
      await docker.close();
    }
    for (const r of f.requests) {
      expect(r.headers['user-agent']).toBe('my-tool/2');
      expect(r.headers['x-team']).toBe('infra');
    }
    expect(f.requests.at(-1)!.headers['x-registry-auth']).toBe('own');
    expect(f.requests[1]!.headers['x-registry-auth']).toBe('default');
  });

  it('refuses a bad header name or value at once, with InvalidParameterError', () => {
    expect(() => createClient({ host: 'unix:///nowhere.sock', headers: { 'bad name': 'x' } })).toThrow(InvalidParameterError);
    expect(() => createClient({ host: 'unix:///nowhere.sock', headers: { 'X-A': 'a\r\nInjected: 1' } })).toThrow(/X-A/);
    // @ts-expect-error a value must be a string
    expect(() => createClient({ host: 'unix:///nowhere.sock', headers: { 'X-N': 1 } })).toThrow(InvalidParameterError);
  });
});
