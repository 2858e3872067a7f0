import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConnectionError, InvalidParameterError } from '@dockline/core';

/** PEM text, as a string or a Buffer. */
export type Pem = string | Buffer;

/**
 * TLS settings for `tcpTransport`. Giving `tls` at all turns TLS on; verification of the
 * daemon's certificate (chain and host name) is on unless `rejectUnauthorized: false`.
 */
export interface TlsOptions {
  /**
   * CA certificate(s) that signed the daemon's certificate (ca.pem). When given, only
   * these are trusted (Node's built-in roots are not). When left out, Node's built-in
   * roots are used.
   */
  ca?: Pem | readonly Pem[] | undefined;
  /** Client certificate (cert.pem), for a daemon run with --tlsverify. Needs `key`. */
  cert?: Pem | undefined;
  /** Private key of the client certificate (key.pem), unencrypted PEM. Needs `cert`. */
  key?: Pem | undefined;
  /**
   * Name the daemon's certificate must be valid for. Default: the host. Sent as SNI when
   * it is a DNS name (never when it is an IP address, as RFC 6066 requires).
   */
  servername?: string | undefined;
  /**
   * Default true. `false` accepts any certificate for any name (like `docker --tls`
   * without `--tlsverify`, or Go's InsecureSkipVerify) and emits a process warning
   * (code DOCKLINE_TLS_INSECURE) once per process.
   */
  rejectUnauthorized?: boolean | undefined;
}

export const CA_FILE = 'ca.pem';
export const CERT_FILE = 'cert.pem';
export const KEY_FILE = 'key.pem';

/**
 * TLS material from a folder laid out as the docker CLI expects for DOCKER_CERT_PATH:
 * `ca.pem` (required), `cert.pem` and `key.pem` (both or neither). Synchronous, so a
 * client can be created without awaiting. Throws a ConnectionError naming the folder
 * and the file that is missing or unreadable.
 */
export function tlsFromCertPath(dir: string): TlsOptions {
  if (typeof dir !== 'string' || dir.trim() === '') {
    throw new InvalidParameterError('dockline: tlsFromCertPath(dir) needs a folder path (DOCKER_CERT_PATH), got ' + describe(dir));
  }
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    throw certPathError(
      `the folder ${dir} ${errnoText(err, 'cannot be read')}: it should hold ${CA_FILE}, ${CERT_FILE} and ${KEY_FILE} (DOCKER_CERT_PATH, default ~/.docker)`,
      dir,
      err,
    );
  }
  if (!isDir) {
    throw certPathError(`${dir} is not a folder: DOCKER_CERT_PATH names a folder holding ${CA_FILE}, ${CERT_FILE} and ${KEY_FILE}`, dir);
  }

  const ca = readPem(dir, CA_FILE, true);
  const cert = readPem(dir, CERT_FILE, false);
  const key = readPem(dir, KEY_FILE, false);
  if (cert !== undefined && key === undefined) {
    throw certPathError(
      `${join(dir, KEY_FILE)} is missing but ${CERT_FILE} is there: a client certificate needs its key (give both ${CERT_FILE} and ${KEY_FILE}, or neither)`,
      dir,
    );
  }
  if (key !== undefined && cert === undefined) {
    throw certPathError(
      `${join(dir, CERT_FILE)} is missing but ${KEY_FILE} is there: a client key needs its certificate (give both ${CERT_FILE} and ${KEY_FILE}, or neither)`,
      dir,
    );
  }
  return { ca, ...(cert !== undefined && key !== undefined ? { cert, key } : {}) };
}

function readPem(dir: string, file: string, required: true): Buffer;
function readPem(dir: string, file: string, required: false): Buffer | undefined;
function readPem(dir: string, file: string, required: boolean): Buffer | undefined {
  const path = join(dir, file);
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    const why =
      (err as NodeJS.ErrnoException).code === 'ENOENT'
        ? `is missing: the daemon's CA certificate is needed to verify it (put the CA that signed the daemon's certificate there)`
        : errnoText(err, 'cannot be read');
    throw certPathError(`${path} ${why}`, dir, err);
  }
  if (!data.includes('-----BEGIN ')) {
    throw certPathError(`${path} is not PEM (no "-----BEGIN" line)`, dir);
  }
  return data;
}

function certPathError(what: string, dir: string, cause?: unknown): ConnectionError {
  return new ConnectionError(`dockline: cannot load TLS material from ${dir}: ${what}`, {
    connectFailed: true,
    ...(cause === undefined ? {} : { cause }),
  });
}

function errnoText(err: unknown, fallback: string): string {
  switch ((err as NodeJS.ErrnoException | undefined)?.code) {
    case 'ENOENT':
      return 'does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'cannot be read: permission denied';
    case 'ENOTDIR':
      return 'does not exist (a part of the path is not a folder)';
    case 'EISDIR':
      return 'is a folder, not a file';
    default:
      return `${fallback} (${(err as Error | undefined)?.message ?? String(err)})`;
  }
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
