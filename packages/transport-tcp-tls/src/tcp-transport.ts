import { X509Certificate } from 'node:crypto';
import { connect as netConnect, isIP, type NetConnectOpts, type OnReadOpts, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  checkServerIdentity,
  connect as tlsConnect,
  type ConnectionOptions,
  createSecureContext,
  type PeerCertificate,
  type SecureContext,
  type TLSSocket,
} from 'node:tls';
import { ConnectionError, connectError, type DockerError, type Transport, InvalidParameterError } from '@dockline/core';
import { CLIENT_CERT_ALERTS, tlsConnectError, type TlsErrorContext } from './tls-errors.js';
import type { Pem, TlsOptions } from './tls-options.js';

export interface TcpTransportOptions {
  /** Host name or IP address of the daemon (an IPv6 address with or without brackets). */
  host: string;
  /** TCP port: by convention 2376 with TLS, 2375 without. Required: no guessing. */
  port: number;
  /** Turns TLS on. Leave out for plain TCP (which anyone on the network can use: avoid). */
  tls?: TlsOptions | undefined;
  /**
   * Limit for opening a connection: the TCP connect and the TLS handshake together.
   * Default 30 000 ms (the docker CLI's dial timeout). 0 means no limit.
   */
  connectTimeoutMs?: number | undefined;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
/** TCP keep-alive probes start after this much idle time (as Go's net.Dialer, which the docker CLI uses). */
export const KEEP_ALIVE_INITIAL_DELAY_MS = 30_000;
/** Code of the process warning emitted when verification is turned off. */
export const INSECURE_WARNING_CODE = 'DOCKLINE_TLS_INSECURE';

const kWarned = Symbol.for('dockline.transport-tcp-tls.insecureWarned');

/**
 * A Docker daemon over TCP: mutual TLS (the daemon runs with --tlsverify; give ca, cert
 * and key), server-only TLS (give ca), or plain TCP (no tls). Each connect() opens a new
 * socket with TCP keep-alive and no Nagle delay; with TLS it resolves only once the
 * handshake is done and the daemon's certificate verified, so TLS failures reject
 * connect() with a ConnectionError that says what to check.
 *
 * `endpoint` is `tcp://host:port` in both modes (the DOCKER_HOST spelling); `kind` is
 * 'tls' or 'tcp'.
 */
export function tcpTransport(options: TcpTransportOptions): Transport {
  if (options === null || typeof options !== 'object') {
    throw new InvalidParameterError('dockline: tcpTransport({ host, port, tls? }) needs an options object');
  }
  const host = normalizeHost(options.host);
  const port = validatePort(options.port);
  const connectTimeoutMs = validateTimeout(options.connectTimeoutMs);
  const tlsOptions = validateTls(options.tls);
  const useTls = tlsOptions !== undefined;
  const kind = useTls ? 'tls' : 'tcp';
  const hostForUrl = isIP(host) === 6 ? `[${host}]` : host;
  const hostPort = `${hostForUrl}:${port}`;
  const endpoint = `tcp://${hostPort}`;

  let tlsSetup: TlsSetup | undefined;
  if (tlsOptions) {
    tlsSetup = prepareTls(tlsOptions, host, endpoint);
    if (!tlsSetup.rejectUnauthorized) warnInsecure(endpoint);
  }

  return {
    kind,
    endpoint,
    host: hostPort,
    networkTransport: 'tcp',
    // Short answers share core's pool; each stream gets a connection of its own (with TLS, a handshake per stream).
    connect({ signal, onread } = {}) {
      return openSocket({ host, port, endpoint, kind, connectTimeoutMs, tls: tlsSetup, signal, onread });
    },
    async close() {
      // Nothing is held between connections: sockets belong to core's pool.
    },
  };
}

interface TlsSetup {
  secureContext: SecureContext;
  rejectUnauthorized: boolean;
  /** Sent as SNI; undefined when the identity is an IP address. */
  sni: string | undefined;
  identityName: string;
  errorContext: TlsErrorContext;
  clientCert: X509Certificate | undefined;
}

interface OpenOptions {
  host: string;
  port: number;
  endpoint: string;
  kind: string;
  connectTimeoutMs: number;
  tls: TlsSetup | undefined;
  signal: AbortSignal | undefined;
  /** core's reads for a stream (ConnectOptions): a TLS socket hands it each decrypted record. */
  onread: OnReadOpts | undefined;
}

function openSocket(o: OpenOptions): Promise<Duplex> {
  return new Promise<Duplex>((resolve, reject) => {
    if (o.signal?.aborted) {
      reject(connectError(abortReason(), o.endpoint, o.kind));
      return;
    }
    const mapError = (err: unknown): DockerError =>
      o.tls ? tlsConnectError(err, errorContextNow(o.tls)) : connectError(err, o.endpoint, o.kind);

    let socket: Socket | TLSSocket;
    const tls = o.tls;
    // tls.connect hands net.Socket's own options on, onread among them (not in its typings).
    const onread: { onread?: OnReadOpts } = o.onread ? { onread: o.onread } : {};
    if (tls) {
      const identity = tls.identityName;
      socket = tlsConnect({
        host: o.host,
        port: o.port,
        secureContext: tls.secureContext,
        rejectUnauthorized: tls.rejectUnauthorized,
        ...(tls.sni !== undefined ? { servername: tls.sni } : {}),
        // Node's own check, against the servername option even when it is an IP (then not sent as SNI).
        checkServerIdentity: (_hostname: string, cert: PeerCertificate) => checkServerIdentity(identity, cert),
        ...onread,
      } as ConnectionOptions);
    } else {
      // A 1-byte high-water mark, as the unix transport: a socket paused by core's read pacing
      // stops reading from the kernel (docs/decisions.md). TLS sockets keep Node's default:
      // their option sets the writable side's mark too.
      socket = netConnect({ host: o.host, port: o.port, readableHighWaterMark: 1, ...onread } as NetConnectOpts);
    }

    let tcpConnected = false;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const cleanup = () => {
      settled = true;
      if (timer) clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      socket.off('connect', onTcpConnect);
      socket.off(readyEvent, onReady);
    };
    const fail = (err: DockerError) => {
      if (settled) return;
      cleanup();
      // Nobody will listen to this socket again: a late error must not crash the process.
      socket.on('error', () => undefined);
      socket.destroy();
      reject(err);
    };
    const onError = (err: Error) => fail(mapError(err));
    const onAbort = () => fail(connectError(abortReason(), o.endpoint, o.kind));
    const onTcpConnect = () => {
      tcpConnected = true;
      socket.setNoDelay(true);
      socket.setKeepAlive(true, KEEP_ALIVE_INITIAL_DELAY_MS);
    };
    const readyEvent = tls ? 'secureConnect' : 'connect';
    const onReady = () => {
      if (settled) return;
      cleanup();
      if (tls) mapLateClientCertAlerts(socket as TLSSocket, (err) => (isClientCertAlert(err) ? mapError(err) : undefined));
      resolve(socket);
    };

    socket.on('error', onError);
    socket.once('connect', onTcpConnect);
    // For plain TCP, onTcpConnect (registered first) runs before onReady on the same event.
    socket.once(readyEvent, onReady);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    if (o.connectTimeoutMs > 0) {
      timer = setTimeout(() => {
        const cause = Object.assign(new Error(`connect timed out after ${o.connectTimeoutMs} ms`), { code: 'ETIMEDOUT' });
        const what =
          tcpConnected && tls
            ? `the TCP connection opened but the TLS handshake did not finish within ${o.connectTimeoutMs} ms: is this a TLS port, and is it a Docker daemon?`
            : `no TCP connection within ${o.connectTimeoutMs} ms: is the host reachable and the port open (a firewall may drop packets)?`;
        fail(
          new ConnectionError(`cannot connect to the Docker daemon at ${o.endpoint} (${o.kind}): ${what} [ETIMEDOUT]`, {
            endpoint: o.endpoint,
            cause,
            connectFailed: true,
          }),
        );
      }, o.connectTimeoutMs);
    }
  });
}

function isClientCertAlert(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CLIENT_CERT_ALERTS.has(code);
}

/**
 * In TLS 1.3 the client's handshake is complete ('secureConnect') before the server has
 * looked at the client certificate; a server that refuses it (or its absence) sends an
 * alert just after, which Node emits as an 'error' on the established socket (without
 * destroying it: an 'end' follows, which undici would report as "other side closed").
 * Instead, destroy the socket with the explanatory ConnectionError (connectFailed: true:
 * the daemon's HTTP server never saw a byte), so whoever reads it (undici, or a hijacked
 * attach) gets that error and nothing else. Only 'error' events are looked at.
 */
function mapLateClientCertAlerts(socket: TLSSocket, map: (err: unknown) => DockerError | undefined): void {
  const emit = socket.emit;
  socket.emit = function emitMapped(this: TLSSocket, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'error') {
      const mapped = map(args[0]);
      if (mapped) {
        if (!this.destroyed) this.destroy(mapped);
        return true;
      }
    }
    return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
  } as typeof socket.emit;
}

function errorContextNow(tls: TlsSetup): TlsErrorContext {
  const cert = tls.clientCert;
  if (!cert) return tls.errorContext;
  const now = Date.now();
  let clientCertProblem: string | undefined;
  if (Date.parse(cert.validTo) < now) clientCertProblem = `the client certificate expired on ${cert.validTo}`;
  else if (Date.parse(cert.validFrom) > now) clientCertProblem = `the client certificate is not valid before ${cert.validFrom}`;
  return clientCertProblem ? { ...tls.errorContext, clientCertProblem } : tls.errorContext;
}

function prepareTls(t: NormalizedTls, host: string, endpoint: string): TlsSetup {
  const materialError = (what: string, cause: unknown) =>
    new ConnectionError(`dockline: the TLS material for ${endpoint} is unusable: ${what} (${(cause as Error).message})`, {
      endpoint,
      cause,
      connectFailed: true,
    });

  let caSubject: string | undefined;
  if (t.ca !== undefined) {
    for (const [i, pem] of t.ca.entries()) {
      const text = pem.toString();
      if (!text.includes('-----BEGIN CERTIFICATE-----')) {
        throw new InvalidParameterError(`dockline: tls.ca${t.ca.length > 1 ? `[${i}]` : ''} is not a PEM certificate (no "-----BEGIN CERTIFICATE-----" line)`);
      }
      try {
        const x = new X509Certificate(pem);
        if (i === 0) caSubject = x.subject.replace(/\n/g, ', ');
      } catch (err) {
        throw materialError(`tls.ca${t.ca.length > 1 ? `[${i}]` : ''} is not a valid certificate`, err);
      }
    }
  }
  let clientCert: X509Certificate | undefined;
  if (t.cert !== undefined) {
    try {
      clientCert = new X509Certificate(t.cert);
    } catch (err) {
      throw materialError('tls.cert is not a valid PEM certificate', err);
    }
  }
  let secureContext: SecureContext;
  try {
    secureContext = createSecureContext({
      ...(t.ca !== undefined ? { ca: t.ca as Pem[] } : {}),
      ...(t.cert !== undefined ? { cert: t.cert, key: t.key } : {}),
    });
  } catch (err) {
    const code = (err as { code?: string }).code;
    const what =
      code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH'
        ? 'tls.key is not the key of tls.cert (key.pem and cert.pem do not belong together)'
        : code === 'ERR_OSSL_BAD_DECRYPT' || code === 'ERR_OSSL_EVP_BAD_DECRYPT' || /passphrase|bad decrypt/i.test((err as Error).message)
          ? 'tls.key is encrypted: give an unencrypted key (as the docker CLI needs)'
          : 'tls.key cannot be read as a PEM private key';
    throw materialError(what, err);
  }
  const identityName = t.servername ?? host;
  return {
    secureContext,
    rejectUnauthorized: t.rejectUnauthorized,
    sni: isIP(identityName) ? undefined : identityName,
    identityName,
    clientCert,
    errorContext: {
      endpoint,
      kind: 'tls',
      identityName,
      hasCa: t.ca !== undefined,
      caSubject,
      hasClientCert: t.cert !== undefined,
    },
  };
}

function warnInsecure(endpoint: string): void {
  const proc = process as unknown as Record<symbol, boolean | undefined>;
  if (proc[kWarned]) return;
  proc[kWarned] = true;
  process.emitWarning(
    `TLS verification is off (rejectUnauthorized: false) for ${endpoint}: any server can pose as the Docker daemon and take over this client's access. Give the daemon's CA (tls.ca) instead.`,
    { type: 'SecurityWarning', code: INSECURE_WARNING_CODE },
  );
}

function abortReason(): Error {
  return Object.assign(new Error('connect aborted'), { name: 'AbortError' });
}

// ---- option validation ------------------------------------------------------------

interface NormalizedTls {
  ca: Pem[] | undefined;
  cert: Pem | undefined;
  key: Pem | undefined;
  servername: string | undefined;
  rejectUnauthorized: boolean;
}

function normalizeHost(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidParameterError(`dockline: tcpTransport({ host }) needs a host name or IP address, got ${show(value)}`);
  }
  let host = value.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) {
    throw new InvalidParameterError(`dockline: tcpTransport({ host }) takes a host name or IP, not a URL: got ${show(value)} (give host and port apart)`);
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (isIP(host) === 0 && !/^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?\.?$/.test(host)) {
    throw new InvalidParameterError(`dockline: tcpTransport({ host }) is not a valid host name or IP address: ${show(value)}${/:\d+$/.test(host) ? ' (give the port as the port option)' : ''}`);
  }
  return host;
}

function validatePort(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    throw new InvalidParameterError(`dockline: tcpTransport({ port }) must be an integer from 1 to 65535 (2376 for TLS, 2375 plain), got ${show(value)}`);
  }
  return value;
}

function validateTimeout(value: unknown): number {
  if (value === undefined) return DEFAULT_CONNECT_TIMEOUT_MS;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidParameterError(`dockline: tcpTransport({ connectTimeoutMs }) must be a number of milliseconds >= 0 (0: no limit), got ${show(value)}`);
  }
  return value;
}

function validateTls(value: TlsOptions | undefined): NormalizedTls | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object') {
    throw new InvalidParameterError(`dockline: tcpTransport({ tls }) must be an object ({ ca?, cert?, key?, servername?, rejectUnauthorized? }), got ${show(value)}`);
  }
  const pem = (name: string, v: unknown): Pem | undefined => {
    if (v === undefined) return undefined;
    if ((typeof v === 'string' && v.trim() !== '') || (Buffer.isBuffer(v) && v.length > 0)) return v;
    throw new InvalidParameterError(`dockline: tls.${name} must be PEM text (a non-empty string or Buffer), got ${show(v)}`);
  };
  const caList = value.ca === undefined ? undefined : Array.isArray(value.ca) ? value.ca : [value.ca];
  const ca = caList?.map((c: unknown, i: number) => pem(caList.length > 1 ? `ca[${i}]` : 'ca', c) as Pem);
  if (ca !== undefined && ca.length === 0) throw new InvalidParameterError('dockline: tls.ca is an empty list');
  const cert = pem('cert', value.cert);
  const key = pem('key', value.key);
  if (cert !== undefined && key === undefined) {
    throw new InvalidParameterError('dockline: tls.cert was given without tls.key: a client certificate needs its private key (cert.pem and key.pem go together)');
  }
  if (key !== undefined && cert === undefined) {
    throw new InvalidParameterError('dockline: tls.key was given without tls.cert: a client key needs its certificate (cert.pem and key.pem go together)');
  }
  if (value.servername !== undefined && (typeof value.servername !== 'string' || value.servername.trim() === '')) {
    throw new InvalidParameterError(`dockline: tls.servername must be a non-empty host name, got ${show(value.servername)}`);
  }
  if (value.rejectUnauthorized !== undefined && typeof value.rejectUnauthorized !== 'boolean') {
    throw new InvalidParameterError(`dockline: tls.rejectUnauthorized must be a boolean (false turns verification off), got ${show(value.rejectUnauthorized)}`);
  }
  return {
    ca,
    cert,
    key,
    servername: value.servername?.trim().replace(/^\[(.*)\]$/, '$1'),
    rejectUnauthorized: value.rejectUnauthorized !== false,
  };
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (Buffer.isBuffer(value)) return `a Buffer of ${value.length} bytes`;
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

