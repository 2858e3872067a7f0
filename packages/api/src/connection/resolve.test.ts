// Environment combinations of the docker CLI (DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH,
// DOCKER_API_VERSION, DOCKER_CONTEXT) through createClient(), against the real dockerd.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeConnection } from './describe.js';

let empty: string;
beforeAll(async () => {
  empty = await mkdtemp(join(tmpdir(), 'dl-env-'));
});
afterAll(async () => {
  await rm(empty, { recursive: true, force: true });
});

describe('describeConnection', () => {
  it('names the source, TLS files and pinned API version of DOCKER_HOST + DOCKER_TLS_VERIFY + DOCKER_CERT_PATH', async () => {
    const d = await describeConnection({
      env: { DOCKER_HOST: 'tcp://192.0.2.1:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: empty, DOCKER_API_VERSION: '1.40', DOCKER_CONFIG: empty },
    });
    expect(d).toMatchObject({
      endpoint: 'tcp://192.0.2.1:2376',
      kind: 'tls',
      source: 'DOCKER_HOST',
      tls: { verify: true, from: `${empty} (DOCKER_CERT_PATH)`, files: [] },
      apiVersion: '1.40',
      apiVersionSource: 'DOCKER_API_VERSION',
    });
    expect(d.text).toContain('api version: 1.40 (pinned by DOCKER_API_VERSION)');
  });

  it('notes a DOCKER_CERT_PATH that does nothing without DOCKER_TLS_VERIFY', async () => {
    const d = await describeConnection({ env: { DOCKER_HOST: 'tcp://192.0.2.1:2375', DOCKER_CERT_PATH: empty } });
    expect(d.kind).toBe('tcp');
    expect(d.summary).toBe('tcp://192.0.2.1:2375 (from DOCKER_HOST; plain TCP, no TLS)');
    expect(d.notes).toEqual(['DOCKER_CERT_PATH is set but TLS is off: set DOCKER_TLS_VERIFY=1 (or use https://) to use it, as with the docker CLI']);
  });

  it('describes a transport of your own as such, and the apiVersion option as pinned', async () => {
    const transport = { kind: 'custom', endpoint: 'custom://x', connect: () => Promise.reject(new Error('unused')), close: async () => undefined };
    const d = await describeConnection({ transport, apiVersion: '1.41', env: { DOCKER_HOST: 'ftp://ignored' } });
    expect(d).toMatchObject({ endpoint: 'custom://x', source: 'transport option', apiVersion: '1.41', apiVersionSource: 'apiVersion option' });
  });
});

