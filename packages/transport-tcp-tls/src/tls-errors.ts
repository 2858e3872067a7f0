import { ConnectionError, connectError, type DockerError } from '@dockline/core';

/** What the transport knows when an error arrives; never holds key material. */
export interface TlsErrorContext {
  endpoint: string;
  kind: string;
  /** The name the daemon's certificate is checked against (servername, else host). */
  identityName: string;
  /** A CA was given (tls.ca); otherwise Node's built-in roots were used. */
  hasCa: boolean;
  /** Subject of the first CA given, e.g. "CN=dockline test CA". */
  caSubject?: string | undefined;
  /** A client certificate was given (tls.cert + tls.key). */
  hasClientCert: boolean;
  /** Set when the client certificate given is expired or not yet valid. */
  clientCertProblem?: string | undefined;
}

interface TlsErrorLike {
  code?: string;
  message?: string;
  reason?: string;
  host?: string;
  cert?: { subjectaltname?: string; subject?: Record<string, string | string[]>; valid_to?: string };
}

/** Chain verification failed: the daemon's certificate was not signed by a CA we trust. */
const UNTRUSTED_CHAIN = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'CERT_CHAIN_TOO_LONG',
  'PATH_LENGTH_EXCEEDED',
]);

const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'ERROR_IN_CERT_NOT_AFTER_FIELD']);
const NOT_YET_VALID = new Set(['CERT_NOT_YET_VALID', 'ERROR_IN_CERT_NOT_BEFORE_FIELD']);

/**
 * TLS alerts a server sends when it refuses the client's certificate (or the lack of
 * one). A Go server (dockerd) sends "bad certificate" (42) for both a missing and an
 * untrusted client certificate; newer Go and OpenSSL servers send "certificate required"
 * (116) when none was given. In TLS 1.3 these arrive just after the client's handshake
 * completed, so they can surface on the first read of an established socket.
 */
export const CLIENT_CERT_ALERTS = new Set([
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED',
  'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED',
]);

/** The peer answered the ClientHello with something that is not TLS (an HTTP 400, say). */
const NOT_TLS = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_UNKNOWN_PROTOCOL',
  'ERR_SSL_RECORD_LAYER_FAILURE',
  'ERR_SSL_HTTP_REQUEST',
  'ERR_SSL_HTTPS_PROXY_REQUEST',
]);

/**
 * Map an error raised while opening a TLS connection (TCP connect, handshake, or the
 * server's verdict on the client certificate right after it) to a ConnectionError that
 * names the endpoint, the cause and what to check. `connectFailed` is true: the request
 * never reached the daemon's HTTP server.
 */
export function tlsConnectError(err: unknown, ctx: TlsErrorContext): DockerError {
  const hint = tlsHint(err, ctx);
  if (hint === undefined) return connectError(err, ctx.endpoint, ctx.kind);
  const e = (err ?? {}) as TlsErrorLike;
  return new ConnectionError(`cannot connect to the Docker daemon at ${ctx.endpoint} (${ctx.kind}): ${hint}${e.code ? ` [${e.code}]` : ''}`, {
    endpoint: ctx.endpoint,
    cause: err,
    connectFailed: true,
  });
}

/** The explanation for a TLS-specific failure, or undefined when core's errno hints fit. */
export function tlsHint(err: unknown, ctx: TlsErrorContext): string | undefined {
  const e = (err ?? {}) as TlsErrorLike;
  const code = e.code ?? '';

  if (UNTRUSTED_CHAIN.has(code)) {
    const what = code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ? "the daemon's certificate is self-signed and" : "the daemon's certificate is";
    if (ctx.hasCa) {
      return (
        `${what} not signed by the CA you gave${ctx.caSubject ? ` (${ctx.caSubject})` : ''}: ` +
        `check that tls.ca (ca.pem in DOCKER_CERT_PATH) is the CA that signed the daemon's --tlscert (${e.message ?? code})`
      );
    }
    return (
      `${what} not signed by a CA Node trusts by default: give the daemon's CA as tls.ca ` +
      `(ca.pem in DOCKER_CERT_PATH) (${e.message ?? code})`
    );
  }

  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const names = e.cert?.subjectaltname ? `it lists ${e.cert.subjectaltname}` : 'it has no subjectAltName';
    return (
      `the daemon's certificate is not valid for "${ctx.identityName}" (${names}): connect with a name the ` +
      `certificate lists, set tls.servername to one of them, or reissue the daemon's certificate with this name`
    );
  }

  if (EXPIRED.has(code) || NOT_YET_VALID.has(code)) {
    const when = EXPIRED.has(code) ? 'has expired' : 'is not valid yet';
    return `the daemon's certificate ${when} (${e.message ?? code}): renew the daemon's --tlscert, and check this machine's clock`;
  }

  if (CLIENT_CERT_ALERTS.has(code)) {
    const alert = alertName(e);
    if (!ctx.hasClientCert) {
      return `the daemon requires a client certificate (tlsverify): give cert and key (tls.cert and tls.key), e.g. DOCKER_CERT_PATH with cert.pem and key.pem (the daemon sent the TLS alert "${alert}")`;
    }
    if (ctx.clientCertProblem) {
      return `the daemon rejected the client certificate (TLS alert "${alert}"): ${ctx.clientCertProblem}: renew it (tls.cert, cert.pem in DOCKER_CERT_PATH)`;
    }
    return (
      `the daemon rejected the client certificate (TLS alert "${alert}"): check that it is signed by the CA the daemon trusts ` +
      `(dockerd --tlscacert), is valid now, and is made for client auth (extendedKeyUsage=clientAuth)`
    );
  }

  if (NOT_TLS.has(code)) {
    return 'the server did not speak TLS: is this a plain (2375) port? drop TLS (no tls option, unset DOCKER_TLS_VERIFY, tcp:// on port 2375)';
  }

  if (code === 'ECONNRESET' && /before secure TLS connection was established/.test(e.message ?? '')) {
    return (
      'the server closed the connection during the TLS handshake: is this a TLS port (2376)? ' +
      (ctx.hasClientCert ? '' : 'If the daemon requires a client certificate (tlsverify), give cert and key. ') +
      'Check the daemon log for the reason'
    );
  }

  if (code === 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' || code === 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' || code === 'ERR_SSL_NO_PROTOCOLS_AVAILABLE') {
    return (
      `the TLS handshake failed (TLS alert "${alertName(e)}"): client and daemon share no TLS version or cipher` +
      (ctx.hasClientCert ? '' : ', or the daemon requires a client certificate (give cert and key)')
    );
  }

  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) {
    return `the TLS handshake failed: ${e.reason ?? firstLine(e.message) ?? code}`;
  }
  return undefined;
}

function alertName(e: TlsErrorLike): string {
  // OpenSSL reasons read "sslv3 alert bad certificate", "tlsv13 alert certificate required".
  const m = /alert (.+)$/.exec(e.reason ?? '');
  return m?.[1] ?? e.reason ?? e.code ?? 'unknown';
}

function firstLine(text: string | undefined): string | undefined {
  return text?.split('\n')[0];
}
