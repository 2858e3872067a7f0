// Integration tests against the real private dockerd of tools/engine (mutual-TLS TCP port
// and, through a plain TCP -> unix socket PROXY, plain TCP), and against tiny node:tls
// servers holding certificates made here with openssl and signed by the engine's CA.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  ConnectionError,
  createPipeline,
  DockerError,
  StdcopyDemuxer,
  type DockerRequest,
  type DockerResponse,
  type HttpMethod,
  type Pipeline,
  type ResponseKind,
  type Transport,
} from '@dockline/core';
import { transportConformanceSuite } from '@dockline/core/testing';
import { describeWithEngine, readThroughOnread } from '@dockline/tool-testkit';
import { tcpTransport, tlsFromCertPath, type TlsOptions } from './index.js';
import { makeLeaf, type Pair } from '../test/pki.js';
import { deadPort, startTlsServer, startUnixForwarder, type TestServer } from '../test/servers.js';

const PING: DockerRequest = { operation: 'SystemPing', method: 'GET', path: '/_ping', route: '/_ping', response: 'empty', idempotent: true, longRunning: false };

function call(p: Pipeline, operation: string, method: HttpMethod, path: string, response: ResponseKind, extra: Partial<DockerRequest> = {}): Promise<DockerResponse> {
  return p.send({ operation, method, path, route: path, response, idempotent: method === 'GET', longRunning: response !== 'json' && response !== 'empty', ...extra });
}

/** The error a promise rejects with (a resolved connect() is closed and reported as a failure). */
async function rejection(p: Promise<unknown>): Promise<DockerError> {
  const result = await p.then(
    (value) => {
      (value as { destroy?: () => void } | undefined)?.destroy?.();
      return new Error('expected a rejection, got a result');
    },
    (e: unknown) => e,
  );
  return result as DockerError;
}

/** Ping through a fresh pipeline and return the error it fails with. */
async function pingError(transport: Transport): Promise<DockerError> {
  const p = createPipeline({ transport });
  try {
    return await rejection(p.send(PING));
  } finally {
    await p.close();
  }
}

function causeCode(err: unknown): string | undefined {
  return ((err as { cause?: { code?: string } }).cause ?? {}).code;
}

describeWithEngine('transport-tcp-tls against the real daemon', (engine) => {
  const { host, port } = engine.tls;
  const mtls = (): TlsOptions => tlsFromCertPath(engine.tls.certDir);
  const read = (p: string) => readFileSync(p);

  let proxy: TestServer | undefined;
  const plainProxy = async (): Promise<TestServer> => (proxy ??= await startUnixForwarder(engine.socketPath));
  afterAll(async () => {
    await proxy?.close();
  });

  transportConformanceSuite({
    name: 'tcpTransport over mutual TLS (real dockerd --tlsverify)',
    image: engine.image,
    createTransport: () => tcpTransport({ host, port, tls: mtls() }),
    createDeadTransport: async () => tcpTransport({ host: '127.0.0.1', port: await deadPort(), tls: mtls() }),
  });

  transportConformanceSuite({
    name: 'tcpTransport over plain TCP (through a TCP -> unix socket proxy in front of dockerd)',
    image: engine.image,
    createTransport: async () => tcpTransport({ host: '127.0.0.1', port: (await plainProxy()).port }),
    createDeadTransport: async () => tcpTransport({ host: '127.0.0.1', port: await deadPort() }),
  });

  describe('mutual TLS end to end with raw requests', () => {
    let pipeline: Pipeline;
    const containers: string[] = [];
    beforeAll(() => {
      pipeline = createPipeline({ transport: tcpTransport({ host, port, tls: mtls() }) });
    });
    afterAll(async () => {
      for (const id of containers) {
        await call(pipeline, 'ContainerDelete', 'DELETE', `/containers/${id}`, 'empty', { query: { force: true } }).catch(() => undefined);
      }
      await pipeline?.close();
    });

    it('pings', async () => {
      const res = await call(pipeline, 'SystemPing', 'GET', '/_ping', 'empty');
      expect(res.statusCode).toBe(200);
      expect(res.headers['api-version']).toBe(engine.apiVersion);
    });

    it("passes core's onread on to the TLS socket: the daemon's answer comes through its callback, never as 'data'", async () => {
      const { text, dataEvents } = await readThroughOnread(
        tcpTransport({ host, port, tls: mtls() }),
        `GET /_ping HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      );
      expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nOK$/);
      expect(dataEvents).toBe(0);
    });

    it('creates, lists, starts, execs with stdin and removes a container', async () => {
      const label = `dockline-tcp-tls-${process.pid}-${randomBytes(3).toString('hex')}`;
      const created = await call(pipeline, 'ContainerCreate', 'POST', '/containers/create', 'json', {
        body: { Image: engine.image, Cmd: ['sleep', '60'], Labels: { 'dockline.test': label }, HostConfig: { NetworkMode: 'none' } },
      });
      const id = (created.body as { Id: string }).Id;
      containers.push(id);

      const listed = await call(pipeline, 'ContainerList', 'GET', '/containers/json', 'json', {
        query: { all: true, filters: { label: [`dockline.test=${label}`] } },
      });
      expect((listed.body as Array<{ Id: string }>).map((c) => c.Id)).toEqual([id]);

      await call(pipeline, 'ContainerStart', 'POST', `/containers/${id}/start`, 'empty');
      const exec = await call(pipeline, 'ContainerExec', 'POST', `/containers/${id}/exec`, 'json', {
        body: { Cmd: ['sh', '-c', 'tr a-z A-Z; echo done >&2'], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false },
      });
      const execId = (exec.body as { Id: string }).Id;
      const started = await call(pipeline, 'ExecStart', 'POST', `/exec/${execId}/start`, 'hijack', { body: { Detach: false, Tty: false } });
      const socket = started.socket as Duplex;
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const demux = new StdcopyDemuxer((stream, chunk) => (stream === 1 ? out : err).push(Buffer.from(chunk)));
      const done = (async () => {
        for await (const chunk of socket) demux.push(chunk as Buffer);
        demux.end();
      })();
      socket.end('hello over mutual tls\n');
      await done;
      socket.destroy();
      expect(Buffer.concat(out).toString()).toBe('HELLO OVER MUTUAL TLS\n');
      expect(Buffer.concat(err).toString()).toBe('done\n');
      const inspect = await call(pipeline, 'ExecInspect', 'GET', `/exec/${execId}/json`, 'json');
      expect((inspect.body as { ExitCode: number }).ExitCode).toBe(0);

      await call(pipeline, 'ContainerDelete', 'DELETE', `/containers/${id}`, 'empty', { query: { force: true } });
      containers.splice(containers.indexOf(id), 1);
      const gone = await rejection(call(pipeline, 'ContainerInspect', 'GET', `/containers/${id}/json`, 'json'));
      expect(gone.statusCode).toBe(404);
    });
  });

  describe('errors, each provoked for real', () => {
    let work: string;
    let otherName: Pair;
    let expired: Pair;
    let expiredClient: Pair;
    let otherNameServer: Awaited<ReturnType<typeof startTlsServer>>;
    let expiredServer: Awaited<ReturnType<typeof startTlsServer>>;

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'dockline-tcp-tls-'));
      const caKeyPath = join(dirname(engine.tls.caPath), 'ca-key.pem');
      if (!existsSync(caKeyPath)) throw new Error(`the engine's CA key is not at ${caKeyPath} (tools/engine certs layout changed?)`);
      const ca = { certPath: engine.tls.caPath, keyPath: caKeyPath };
      [otherName, expired, expiredClient] = await Promise.all([
        makeLeaf({ ca, dir: work, name: 'other-name', san: ['DNS:other.example'], usage: 'serverAuth' }),
        makeLeaf({ ca, dir: work, name: 'expired', san: ['IP:127.0.0.1', 'DNS:localhost'], usage: 'serverAuth', notBefore: '20200101000000Z', notAfter: '20200102000000Z' }),
        makeLeaf({ ca, dir: work, name: 'expired-client', usage: 'clientAuth', notBefore: '20200101000000Z', notAfter: '20200102000000Z' }),
      ]);
      otherNameServer = await startTlsServer(otherName);
      expiredServer = await startTlsServer(expired);
    });
    afterAll(async () => {
      await otherNameServer?.close();
      await expiredServer?.close();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('wrong CA: the daemon certificate is not signed by the CA given', async () => {
      const tls = { ...mtls(), ca: read(join(engine.tls.otherCaDir, 'ca.pem')) };
      const t = tcpTransport({ host, port, tls });
      const err = await rejection(t.connect({}));
      expect(err).toBeInstanceOf(ConnectionError);
      expect((err as ConnectionError).connectFailed).toBe(true);
      expect(causeCode(err)).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      expect(err.message).toBe(
        `cannot connect to the Docker daemon at tcp://127.0.0.1:${port} (tls): the daemon's certificate is not signed by the CA you gave ` +
          `(CN=dockline other CA): check that tls.ca (ca.pem in DOCKER_CERT_PATH) is the CA that signed the daemon's --tlscert ` +
          `(unable to verify the first certificate) [UNABLE_TO_VERIFY_LEAF_SIGNATURE]`,
      );
      // Through the pipeline too, still marked as never having reached the daemon.
      const viaPipeline = await pingError(t);
      expect(viaPipeline).toBeInstanceOf(ConnectionError);
      expect((viaPipeline as ConnectionError).connectFailed).toBe(true);
      expect(viaPipeline.message).toMatch(/not signed by the CA you gave/);
    });

    it('a certificate for another host name: ERR_TLS_CERT_ALTNAME_INVALID, naming what it lists', async () => {
      const t = tcpTransport({ host: '127.0.0.1', port: otherNameServer.port, tls: { ca: read(engine.tls.caPath) } });
      const err = await rejection(t.connect({}));
      expect(err).toBeInstanceOf(ConnectionError);
      expect(causeCode(err)).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
      expect(err.message).toContain(`tcp://127.0.0.1:${otherNameServer.port}`);
      expect(err.message).toMatch(/the daemon's certificate is not valid for "127.0.0.1" \(it lists DNS:other.example\)/);
      expect(err.message).toMatch(/set tls.servername/);
      const viaPipeline = await pingError(t);
      expect((viaPipeline as ConnectionError).connectFailed).toBe(true);
    });

    it('servername: verified against it and sent as SNI; an IP host sends no SNI, a DNS host sends itself', async () => {
      const ca = read(engine.tls.caPath);
      const named = createPipeline({ transport: tcpTransport({ host: '127.0.0.1', port: otherNameServer.port, tls: { ca, servername: 'other.example' } }) });
      try {
        const res = await named.send(PING);
        expect(res.statusCode).toBe(200);
      } finally {
        await named.close();
      }
      expect(otherNameServer.servernames.at(-1)).toBe('other.example');
      const byIp = createPipeline({ transport: tcpTransport({ host: '127.0.0.1', port: expiredServer.port, tls: { ca, rejectUnauthorized: false } }) });
      try {
        await byIp.send(PING);
      } finally {
        await byIp.close();
      }
      expect(expiredServer.servernames.at(-1)).toBe(false);
      // A DNS host is sent as SNI by default (Node's tls.connect alone would send none).
      const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      onTestFinished(() => warn.mockRestore());
      const byName = createPipeline({ transport: tcpTransport({ host: 'localhost', port: expiredServer.port, tls: { ca, rejectUnauthorized: false } }) });
      try {
        await byName.send(PING);
      } finally {
        await byName.close();
      }
      expect(expiredServer.servernames.at(-1)).toBe('localhost');
    });

    it('an expired daemon certificate: CERT_HAS_EXPIRED, explained', async () => {
      const t = tcpTransport({ host: '127.0.0.1', port: expiredServer.port, tls: { ca: read(engine.tls.caPath) } });
      const err = await rejection(t.connect({}));
      expect(err).toBeInstanceOf(ConnectionError);
      expect(causeCode(err)).toBe('CERT_HAS_EXPIRED');
      expect(err.message).toMatch(/the daemon's certificate has expired \(certificate has expired\): renew the daemon's --tlscert, and check this machine's clock \[CERT_HAS_EXPIRED\]$/);
    });

    it('rejectUnauthorized: false connects to the expired and the misnamed servers', async () => {
      // The once-per-process warning itself is asserted in tcp-transport.test.ts; keep the output quiet here.
      const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      onTestFinished(() => warn.mockRestore());
      for (const server of [expiredServer, otherNameServer]) {
        const p = createPipeline({ transport: tcpTransport({ host: '127.0.0.1', port: server.port, tls: { rejectUnauthorized: false } }) });
        try {
          expect((await p.send(PING)).statusCode).toBe(200);
        } finally {
          await p.close();
        }
      }
    });

    it('no client certificate against the --tlsverify daemon: asks for cert and key', async () => {
      const t = tcpTransport({ host, port, tls: { ca: read(engine.tls.caPath) } });
      const err = await pingError(t);
      expect(err).toBeInstanceOf(ConnectionError);
      expect((err as ConnectionError).connectFailed).toBe(true);
      // dockerd 20.10 (Go 1.18) sends "bad certificate"; newer Go sends "certificate required".
      expect(causeCode(err)).toMatch(/^ERR_SSL_(SSLV3_ALERT_BAD_CERTIFICATE|TLSV13_ALERT_CERTIFICATE_REQUIRED)$/);
      expect(err.message).toContain(`tcp://127.0.0.1:${port} (tls)`);
      expect(err.message).toMatch(/the daemon requires a client certificate \(tlsverify\): give cert and key .*DOCKER_CERT_PATH/);
      // A hijacked request (attach / exec start) gets the same explanation.
      const p = createPipeline({ transport: t });
      try {
        const hijacked = await rejection(call(p, 'ExecStart', 'POST', '/exec/none/start', 'hijack', { body: { Detach: false } }));
        expect(hijacked).toBeInstanceOf(ConnectionError);
        expect(hijacked.message).toMatch(/requires a client certificate/);
      } finally {
        await p.close();
      }
    });

    it('no client certificate: in TLS 1.3 connect() resolves and the alert comes next, mapped on the socket', async () => {
      const t = tcpTransport({ host, port, tls: { ca: read(engine.tls.caPath) } });
      const socket = await t.connect({});
      const err = await new Promise<unknown>((resolve) => {
        socket.once('error', resolve);
        socket.resume();
      });
      expect(err).toBeInstanceOf(ConnectionError);
      expect((err as ConnectionError).message).toMatch(/requires a client certificate/);
      socket.destroy();
    });

    it('a client certificate from another CA: rejected, says what to check', async () => {
      const other = tlsFromCertPath(engine.tls.otherCaDir);
      const err = await pingError(tcpTransport({ host, port, tls: { ...other, ca: read(engine.tls.caPath) } }));
      expect(err).toBeInstanceOf(ConnectionError);
      expect((err as ConnectionError).connectFailed).toBe(true);
      expect(err.message).toMatch(/the daemon rejected the client certificate \(TLS alert "[a-z ]+"\): check that it is signed by the CA the daemon trusts \(dockerd --tlscacert\)/);
    });

    it('an expired client certificate: rejected, and the message says it expired', async () => {
      const err = await pingError(tcpTransport({ host, port, tls: { ca: read(engine.tls.caPath), cert: expiredClient.cert, key: expiredClient.key } }));
      expect(err).toBeInstanceOf(ConnectionError);
      expect(err.message).toMatch(
        /the daemon rejected the client certificate \(TLS alert "[a-z ]+"\): the client certificate expired on Jan {1,2}2 00:00:00 2020 GMT: renew it \(tls.cert, cert.pem in DOCKER_CERT_PATH\) \[ERR_SSL_/,
      );
    });

    it('plain HTTP to the TLS port: a ConnectionError saying to enable TLS', async () => {
      const err = await pingError(tcpTransport({ host, port }));
      expect(err).toBeInstanceOf(ConnectionError);
      expect((err as ConnectionError).connectFailed).toBe(true);
      expect(err.statusCode).toBe(400);
      expect(err.daemonMessage).toBe('Client sent an HTTP request to an HTTPS server.');
      expect(err.message).toContain(`tcp://${host}:${port} is a TLS port: enable TLS`);
    });

    it('TLS to a plain port (the proxy to dockerd\'s socket): "did not speak TLS"', async () => {
      const plain = await plainProxy();
      const t = tcpTransport({ host: '127.0.0.1', port: plain.port, tls: mtls() });
      const err = await rejection(t.connect({}));
      expect(err).toBeInstanceOf(ConnectionError);
      expect((err as ConnectionError).connectFailed).toBe(true);
      expect(causeCode(err)).toBe('ERR_SSL_WRONG_VERSION_NUMBER');
      expect(err.message).toBe(
        `cannot connect to the Docker daemon at tcp://127.0.0.1:${plain.port} (tls): the server did not speak TLS: is this a plain (2375) port? ` +
          'drop TLS (no tls option, unset DOCKER_TLS_VERIFY, tcp:// on port 2375) [ERR_SSL_WRONG_VERSION_NUMBER]',
      );
    });

    it('a client key that does not belong to the certificate is refused when the transport is made', () => {
      const tls = { ...mtls(), key: read(join(engine.tls.otherCaDir, 'key.pem')) };
      let thrown: unknown;
      try {
        tcpTransport({ host, port, tls });
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(ConnectionError);
      expect((thrown as Error).message).toMatch(/tls.key is not the key of tls.cert/);
      expect((thrown as Error).message).not.toMatch(/BEGIN/);
    });

    it('tlsFromCertPath reads the engine client folder (docker CLI layout)', () => {
      const tls = tlsFromCertPath(engine.tls.certDir);
      expect(tls.ca?.toString()).toContain('BEGIN CERTIFICATE');
      expect(tls.cert?.toString()).toContain('BEGIN CERTIFICATE');
      expect(tls.key?.toString()).toContain('PRIVATE KEY');
    });
  });
});
