// Test-only: throwaway certificates made with the openssl CLI (tools/engine installs it).
// A test helper: in test/, so it is neither built nor published.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Pair {
  certPath: string;
  keyPath: string;
  cert: Buffer;
  key: Buffer;
}

export interface LeafOptions {
  /** The signing CA. */
  ca: { certPath: string; keyPath: string };
  /** Folder to work in (one per test run). */
  dir: string;
  /** File name stem and CN. */
  name: string;
  /** subjectAltName entries, e.g. ['DNS:other.example'] or ['IP:127.0.0.1']. */
  san?: string[];
  usage: 'serverAuth' | 'clientAuth';
  /** Validity as openssl wants it, YYYYMMDDHHMMSSZ. Default: from an hour ago, for two days. */
  notBefore?: string;
  notAfter?: string;
}

/**
 * A leaf certificate signed by `ca`. Uses `openssl ca`, the one openssl 3.0 command that
 * takes explicit start and end dates (`x509 -req -days` cannot go into the past), so an
 * already expired certificate can be made without faking the clock.
 */
export async function makeLeaf(o: LeafOptions): Promise<Pair> {
  const work = join(o.dir, `${o.name}.ca`);
  await mkdir(work, { recursive: true });
  const keyPath = join(o.dir, `${o.name}-key.pem`);
  const csrPath = join(work, 'req.csr');
  const certPath = join(o.dir, `${o.name}-cert.pem`);
  const config = join(work, 'ca.cnf');
  await writeFile(join(work, 'index.txt'), '');
  await writeFile(join(work, 'serial'), `${randomBytes(8).toString('hex')}\n`);
  const ext = [...(o.san?.length ? [`subjectAltName=${o.san.join(',')}`] : []), `extendedKeyUsage=${o.usage}`, 'keyUsage=critical,digitalSignature'];
  await writeFile(
    config,
    [
      '[ ca ]',
      'default_ca = testca',
      '[ testca ]',
      `database = ${join(work, 'index.txt')}`,
      `new_certs_dir = ${work}`,
      `serial = ${join(work, 'serial')}`,
      'default_md = sha256',
      'policy = anything',
      'unique_subject = no',
      'copy_extensions = none',
      '[ anything ]',
      'commonName = supplied',
      '[ leaf ]',
      ...ext,
      '',
    ].join('\n'),
  );
  const hourAgo = stamp(new Date(Date.now() - 3600_000));
  const inTwoDays = stamp(new Date(Date.now() + 2 * 86400_000));
  await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyPath]);
  await run('openssl', ['req', '-new', '-key', keyPath, '-subj', `/CN=${o.name}`, '-out', csrPath]);
  await run('openssl', [
    'ca', '-batch', '-config', config, '-cert', o.ca.certPath, '-keyfile', o.ca.keyPath, '-in', csrPath, '-out', certPath,
    '-startdate', o.notBefore ?? hourAgo, '-enddate', o.notAfter ?? inTwoDays, '-extensions', 'leaf', '-notext',
  ]);
  return { certPath, keyPath, cert: await readFile(certPath), key: await readFile(keyPath) };
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}
