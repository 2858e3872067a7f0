// Integration test: the engine this tool starts is real and reachable every way the
// transports need (unix, mutual TLS, registry with auth, ssh + dial-stdio).
import { describe, it, expect, beforeAll } from 'vitest';
import { execFile } from 'node:child_process';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureEngine, engineStatus, readEngineInfo, type EngineInfo } from './index.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(opts: RequestOptions & { ca?: Buffer; cert?: Buffer; key?: Buffer }, https = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)({ agent: false, ...opts }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function clientTls(dir: string) {
  const [ca, cert, key] = await Promise.all(['ca.pem', 'cert.pem', 'key.pem'].map((f) => readFile(join(dir, f))));
  return { ca: ca!, cert: cert!, key: key! };
}

function sh(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 30_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} failed: ${err.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

describe('tools/engine', () => {
  let info: EngineInfo;

  beforeAll(async () => {
    // A cold start may include apt-get on a fresh machine.
    info = await ensureEngine({ log: (l) => process.stderr.write(`[engine] ${l}\n`) });
  }, 600_000);

  it('a second ensureEngine reuses the running engine (same processes, same ports)', async () => {
    const again = await ensureEngine();
    expect(again.startedByUs).toBe(false);
    expect(again.socketPath).toBe(info.socketPath);
    expect(again.tls.port).toBe(info.tls.port);
    expect(again.registry.address).toBe(info.registry.address);
    expect(again.registry.password).toBe(info.registry.password);
    expect(again.ssh.port).toBe(info.ssh.port);
    expect(again.dockerd.pid).toBe(info.dockerd.pid);
  }, 30_000);

  it('status and state.json describe the running engine', async () => {
    const status = await engineStatus();
    expect(status.problems).toEqual([]);
    expect(status.running).toBe(true);
    const stored = await readEngineInfo();
    expect(stored?.tls.port).toBe(info.tls.port);
    expect(stored?.ssh.hostPublicKey).toMatch(/^ssh-ed25519 /);
    expect(Buffer.byteLength(info.socketPath)).toBeLessThanOrEqual(107);
  });

  it('answers /_ping on the unix socket', async () => {
    const res = await get({ socketPath: info.socketPath, path: '/_ping' });
    expect(res.status).toBe(200);
    expect(res.body).toBe('OK');
    expect(res.headers['api-version']).toBe(info.apiVersion);
    expect(info.apiVersion).toMatch(/^1\.\d+$/);
  });

  it('answers /_ping over mutual TLS with the client certs', async () => {
    const tls = await clientTls(info.tls.certDir);
    const res = await get({ host: '127.0.0.1', port: info.tls.port, path: '/_ping', ...tls }, true);
    expect(res.status).toBe(200);
    expect(res.body).toBe('OK');
  });

  it('refuses a TLS client without a certificate', async () => {
    const { ca } = await clientTls(info.tls.certDir);
    await expect(get({ host: '127.0.0.1', port: info.tls.port, path: '/_ping', ca }, true)).rejects.toThrow();
  });

  it('refuses a client certificate from another CA', async () => {
    const { ca } = await clientTls(info.tls.certDir);
    const other = await clientTls(info.tls.otherCaDir);
    await expect(
      get({ host: '127.0.0.1', port: info.tls.port, path: '/_ping', ca, cert: other.cert, key: other.key }, true),
    ).rejects.toThrow();
  });

  it('registry holds the test image behind basic auth', async () => {
    const [host, port] = info.registry.address.split(':');
    const path = '/v2/dockline/busybox/tags/list';
    const anonymous = await get({ host, port: Number(port), path });
    expect(anonymous.status).toBe(401);
    const auth = Buffer.from(`${info.registry.username}:${info.registry.password}`).toString('base64');
    const res = await get({ host, port: Number(port), path, headers: { Authorization: `Basic ${auth}` } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ name: 'dockline/busybox', tags: ['latest'] });
    expect(info.registry.image).toBe(`${info.registry.address}/dockline/busybox:latest`);
  });

  it('has the local test image', async () => {
    const res = await get({ socketPath: info.socketPath, path: `/images/${info.image}/json` });
    expect(res.status).toBe(200);
  });

  it('runs Podman as a second engine: its socket answers, with the test image under the same name', async () => {
    const ping = await get({ socketPath: info.podman.socketPath, path: '/_ping' });
    expect(ping.status).toBe(200);
    expect(ping.headers['api-version']).toBe(info.podman.apiVersion);
    expect(ping.headers['libpod-api-version']).toBe(info.podman.libpodVersion);
    const image = await get({ socketPath: info.podman.socketPath, path: `/images/${info.image}/json` });
    expect(image.status).toBe(200);
    expect(info.podman.socketPath.startsWith(info.stateDir)).toBe(true);
  });

  it('runs docker on the ssh remote against the private daemon', async () => {
    const out = await sh('ssh', [
      '-F', '/dev/null',
      '-i', info.ssh.privateKeyPath,
      '-p', String(info.ssh.port),
      '-o', `UserKnownHostsFile=${info.ssh.knownHostsPath}`,
      '-o', 'StrictHostKeyChecking=yes',
      '-o', 'BatchMode=yes',
      `${info.ssh.username}@${info.ssh.host}`,
      'docker', 'version', '--format', "'{{.Server.APIVersion}}'",
    ]);
    expect(out.trim()).toBe(info.apiVersion);
    const known = await readFile(info.ssh.knownHostsPath, 'utf8');
    expect(known).toBe(`[127.0.0.1]:${info.ssh.port} ${info.ssh.hostPublicKey}\n`);
  }, 30_000);

  it('has a passphrase-protected second key that decrypts with the passphrase', async () => {
    const pub = await sh('ssh-keygen', ['-y', '-P', info.ssh.passphrase, '-f', info.ssh.passphraseKeyPath]);
    expect(pub).toMatch(/^ssh-ed25519 /);
    await expect(sh('ssh-keygen', ['-y', '-P', 'wrong', '-f', info.ssh.passphraseKeyPath])).rejects.toThrow();
  });
});
