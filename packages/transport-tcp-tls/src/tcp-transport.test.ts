// Unit tests: no daemon, only servers on 127.0.0.1 that this file starts.
import { createServer, Socket, type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AbortError, ConnectionError, type DockerError, InvalidParameterError } from '@dockline/core';
import { readThroughOnread } from '@dockline/tool-testkit';
import { INSECURE_WARNING_CODE, tcpTransport } from './tcp-transport.js';
import { tlsConnectError, tlsHint, type TlsErrorContext } from './tls-errors.js';
import { deadPort, startHangUpServer, startSilentServer, type TestServer } from '../test/servers.js';

const kWarned = Symbol.for('dockline.transport-tcp-tls.insecureWarned');

describe('tcpTransport options', () => {
  it('describes a plain TCP transport', () => {
    const t = tcpTransport({ host: 'docker.example', port: 2375 });
    expect(t.kind).toBe('tcp');
    expect(t.endpoint).toBe('tcp://docker.example:2375');
    expect(t.host).toBe('docker.example:2375');
    expect(t.networkTransport).toBe('tcp');
  });

  it('describes a TLS transport (endpoint keeps the DOCKER_HOST spelling)', () => {
    const t = tcpTransport({ host: 'docker.example', port: 2376, tls: {} });
    expect(t.kind).toBe('tls');
    expect(t.endpoint).toBe('tcp://docker.example:2376');
    expect(t.host).toBe('docker.example:2376');
  });

  it('brackets IPv6 addresses in endpoint and Host, with or without brackets given', () => {
    for (const host of ['::1', '[::1]']) {
      const t = tcpTransport({ host, port: 2376 });
      expect(t.endpoint).toBe('tcp://[::1]:2376');
      expect(t.host).toBe('[::1]:2376');
    }
  });

  it.each([
    [0, /integer from 1 to 65535/],
    [65536, /integer from 1 to 65535/],
    [-1, /integer from 1 to 65535/],
    [2376.5, /integer from 1 to 65535/],
    [Number.NaN, /got NaN/],
    ['2376', /got "2376"/],
    [undefined, /got undefined/],
  ])('rejects port %s', (port, message) => {
    expect(() => tcpTransport({ host: '127.0.0.1', port: port as number })).toThrow(InvalidParameterError);
    expect(() => tcpTransport({ host: '127.0.0.1', port: port as number })).toThrow(message);
  });

  it.each([
    ['', /needs a host name or IP address/],
    ['   ', /needs a host name or IP address/],
    [undefined, /needs a host name or IP address/],
    ['tcp://127.0.0.1:2376', /not a URL/],
    ['127.0.0.1:2376', /give the port as the port option/],
    ['bad host', /not a valid host name/],
  ])('rejects host %j', (host, message) => {
    expect(() => tcpTransport({ host: host as string, port: 2376 })).toThrow(InvalidParameterError);
    expect(() => tcpTransport({ host: host as string, port: 2376 })).toThrow(message);
  });

  it('rejects a client certificate without its key and the other way round', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    expect(() => tcpTransport({ host: 'h', port: 2376, tls: { cert: pem } })).toThrow(/without tls.key/);
    expect(() => tcpTransport({ host: 'h', port: 2376, tls: { key: pem } })).toThrow(/without tls.cert/);
  });

  it('rejects malformed tls options', () => {
    expect(() => tcpTransport({ host: 'h', port: 2376, tls: { ca: '' } })).toThrow(/tls.ca must be PEM text/);
    expect(() => tcpTransport({ host: 'h', port: 2376, tls: { ca: 'hello' } })).toThrow(/tls.ca is not a PEM certificate/);
    expect(() => tcpTransport({ host: 'h', port: 2376, tls: { ca: [] } })).toThrow(/empty list/);
    expect(() => tcpTransport({ host: 'h', port: 2376, tls: { servername: '' } })).toThrow(/servername/);
    expect(() => tcpTransport({ host: 'h', port: 2376, tls: { rejectUnauthorized: 'no' as unknown as boolean } })).toThrow(/boolean/);
    expect(() => tcpTransport({ host: 'h', port: 2376, tls: 'yes' as never })).toThrow(/must be an object/);
    expect(() => tcpTransport({ host: 'h', port: 2376, connectTimeoutMs: -5 })).toThrow(/connectTimeoutMs/);
  });
});

describe('rejectUnauthorized: false', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('emits one SecurityWarning with a code per process, however many transports', () => {
    delete (process as unknown as Record<symbol, unknown>)[kWarned];
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    tcpTransport({ host: '127.0.0.1', port: 2376, tls: { rejectUnauthorized: false } });
    tcpTransport({ host: '127.0.0.2', port: 2376, tls: { rejectUnauthorized: false } });
    expect(spy).toHaveBeenCalledTimes(1);
    const [message, options] = spy.mock.calls[0]!;
    expect(String(message)).toMatch(/TLS verification is off/);
    expect(String(message)).toContain('tcp://127.0.0.1:2376');
    expect(options).toMatchObject({ type: 'SecurityWarning', code: INSECURE_WARNING_CODE });
  });

  it('does not warn when verification is on', () => {
    delete (process as unknown as Record<symbol, unknown>)[kWarned];
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    tcpTransport({ host: '127.0.0.1', port: 2376, tls: {} });
    tcpTransport({ host: '127.0.0.1', port: 2376, tls: { rejectUnauthorized: true } });
    expect(spy).not.toHaveBeenCalled();
  });
});

describe('TLS error explanations', () => {
  const ctx: TlsErrorContext = {
    endpoint: 'tcp://10.0.0.5:2376',
    kind: 'tls',
    identityName: '10.0.0.5',
    hasCa: true,
    caSubject: 'CN=my CA',
    hasClientCert: true,
  };
  const err = (code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`raw ${code}`), { code, ...extra });

  it.each([
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', /not signed by the CA you gave \(CN=my CA\)/],
    ['SELF_SIGNED_CERT_IN_CHAIN', /not signed by the CA you gave/],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', /not signed by the CA you gave/],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', /self-signed/],
    ['CERT_HAS_EXPIRED', /has expired.*clock/],
    ['CERT_NOT_YET_VALID', /not valid yet/],
    ['ERR_SSL_WRONG_VERSION_NUMBER', /did not speak TLS: is this a plain \(2375\) port\? drop TLS/],
    ['ERR_SSL_PACKET_LENGTH_TOO_LONG', /did not speak TLS/],
  ])('%s', (code, message) => {
    const mapped = tlsConnectError(err(code), ctx);
    expect(mapped).toBeInstanceOf(ConnectionError);
    expect((mapped as ConnectionError).connectFailed).toBe(true);
    expect(mapped.message).toMatch(message);
    expect(mapped.message).toContain('tcp://10.0.0.5:2376');
    expect(mapped.message).toContain(`[${code}]`);
    expect(mapped.endpoint).toBe('tcp://10.0.0.5:2376');
  });

  it('an untrusted chain with no CA given points at tls.ca', () => {
    expect(tlsHint(err('UNABLE_TO_GET_ISSUER_CERT_LOCALLY'), { ...ctx, hasCa: false })).toMatch(/not signed by a CA Node trusts by default: give the daemon's CA as tls.ca/);
  });

  it('an altname mismatch lists the names the certificate has', () => {
    const e = err('ERR_TLS_CERT_ALTNAME_INVALID', { cert: { subjectaltname: 'DNS:other.example' } });
    expect(tlsHint(e, ctx)).toMatch(/not valid for "10.0.0.5" \(it lists DNS:other.example\).*tls.servername/);
  });

  it('a client-certificate alert without a client certificate asks for one', () => {
    const e = err('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', { reason: 'sslv3 alert bad certificate' });
    expect(tlsHint(e, { ...ctx, hasClientCert: false })).toMatch(
      /^the daemon requires a client certificate \(tlsverify\): give cert and key .*DOCKER_CERT_PATH.*"bad certificate"/,
    );
    const e116 = err('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', { reason: 'tlsv13 alert certificate required' });
    expect(tlsHint(e116, { ...ctx, hasClientCert: false })).toMatch(/requires a client certificate.*"certificate required"/);
  });

  it('a client-certificate alert with a certificate says it was rejected, and why when it is expired', () => {
    const e = err('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', { reason: 'sslv3 alert bad certificate' });
    expect(tlsHint(e, ctx)).toMatch(/rejected the client certificate .*--tlscacert/);
    expect(tlsHint(e, { ...ctx, clientCertProblem: 'the client certificate expired on Jan 2 2020' })).toMatch(/expired on Jan 2 2020: renew it/);
  });

  it('a reset during the handshake is explained, never a bare ECONNRESET', () => {
    const e = err('ECONNRESET');
    e.message = 'Client network socket disconnected before secure TLS connection was established';
    expect(tlsHint(e, { ...ctx, hasClientCert: false })).toMatch(/closed the connection during the TLS handshake.*TLS port.*client certificate/);
  });

  it("leaves errno failures to core's hints", () => {
    const mapped = tlsConnectError(err('ECONNREFUSED'), ctx);
    expect(mapped).toBeInstanceOf(ConnectionError);
    expect(mapped.message).toMatch(/connection refused/);
    expect(mapped.message).toContain('tcp://10.0.0.5:2376 (tls)');
  });
});

describe('connect() against local test servers', () => {
  let silent: TestServer;
  let hangUp: TestServer;
  beforeAll(async () => {
    silent = await startSilentServer();
    hangUp = await startHangUpServer();
  });
  afterAll(async () => {
    await silent?.close();
    await hangUp?.close();
  });

  const rejection = async (p: Promise<unknown>): Promise<DockerError> => {
    const result = await p.then(
      (socket) => {
        (socket as Socket).destroy();
        return new Error('connect() resolved');
      },
      (e: unknown) => e,
    );
    return result as DockerError;
  };

  it('a closed port is a ConnectionError naming the endpoint (plain and TLS)', async () => {
    const port = await deadPort();
    for (const tls of [undefined, {}]) {
      const t = tcpTransport({ host: '127.0.0.1', port, tls });
      const err = await rejection(t.connect({}));
      expect(err).toBeInstanceOf(ConnectionError);
      expect((err as ConnectionError).connectFailed).toBe(true);
      expect(err.message).toContain(`tcp://127.0.0.1:${port}`);
      expect(err.message).toMatch(/connection refused.*\[ECONNREFUSED\]/);
    }
  });

  it('plain TCP sockets stop reading from the kernel once one chunk is buffered (read pacing needs it)', async () => {
    const socket = await tcpTransport({ host: '127.0.0.1', port: silent.port }).connect({});
    expect(socket.readableHighWaterMark).toBe(1);
    socket.destroy();
  });

  it("plain TCP passes core's onread on to net.connect: reads come through its callback, never as 'data'", async () => {
    const server = createServer((c) => c.end('hello over onread'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      expect(await readThroughOnread(tcpTransport({ host: '127.0.0.1', port }))).toEqual({ text: 'hello over onread', dataEvents: 0 });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a handshake that never finishes times out with a ConnectionError that says so', async () => {
    const t = tcpTransport({ host: '127.0.0.1', port: silent.port, tls: {}, connectTimeoutMs: 300 });
    const err = await rejection(t.connect({}));
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.message).toMatch(/TCP connection opened but the TLS handshake did not finish within 300 ms: is this a TLS port/);
    expect(err.message).toContain('[ETIMEDOUT]');
  });

  it('a server that hangs up on the ClientHello is explained (not a bare ECONNRESET)', async () => {
    const t = tcpTransport({ host: '127.0.0.1', port: hangUp.port, tls: {} });
    const err = await rejection(t.connect({}));
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.message).toMatch(/closed the connection during the TLS handshake: is this a TLS port \(2376\)\?/);
    expect(err.message).toMatch(/requires a client certificate/);
  });

  it('honours an AbortSignal, before and during the connect', async () => {
    const t = tcpTransport({ host: '127.0.0.1', port: silent.port, tls: {} });
    const pre = await rejection(t.connect({ signal: AbortSignal.abort() }));
    expect(pre).toBeInstanceOf(AbortError);
    const ac = new AbortController();
    const pending = rejection(t.connect({ signal: ac.signal }));
    setTimeout(() => ac.abort(), 50);
    const during = await pending;
    expect(during).toBeInstanceOf(AbortError);
    expect(during.name).toBe('AbortError');
  });

  it('turns on TCP keep-alive and no-delay', async () => {
    const keepAlive = vi.spyOn(Socket.prototype, 'setKeepAlive');
    const noDelay = vi.spyOn(Socket.prototype, 'setNoDelay');
    try {
      const t = tcpTransport({ host: '127.0.0.1', port: silent.port });
      const socket = (await t.connect({})) as Socket;
      socket.destroy();
      expect(keepAlive).toHaveBeenCalledWith(true, 30_000);
      expect(noDelay).toHaveBeenCalledWith(true);
    } finally {
      keepAlive.mockRestore();
      noDelay.mockRestore();
    }
  });

  it('close() is idempotent', async () => {
    const t = tcpTransport({ host: '127.0.0.1', port: 2375 });
    await t.close();
    await t.close();
  });
});
