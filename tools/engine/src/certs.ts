// Throwaway PKI for the daemon's mutual-TLS port (openssl CLI, EC P-256: fast to make).
import { access, copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Layout } from './state.ts';
import { run } from './proc.ts';

const DAYS = '3650';

async function exists(...paths: string[]): Promise<boolean> {
  try {
    await Promise.all(paths.map((p) => access(p)));
    return true;
  } catch {
    return false;
  }
}

async function ecKey(openssl: string, out: string): Promise<void> {
  await run(openssl, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', out]);
}

async function makeCa(openssl: string, key: string, cert: string, cn: string): Promise<void> {
  await ecKey(openssl, key);
  await run(openssl, [
    'req', '-x509', '-new', '-key', key, '-sha256', '-days', DAYS, '-subj', `/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-out', cert,
  ]);
}

/** A leaf cert signed by the CA; `ext` are x509v3 extension lines. */
async function makeLeaf(
  openssl: string,
  ca: { cert: string; key: string },
  out: { key: string; cert: string },
  cn: string,
  ext: string[],
  tmpDir: string,
): Promise<void> {
  await ecKey(openssl, out.key);
  const csr = join(tmpDir, `${cn}.csr`);
  const extFile = join(tmpDir, `${cn}.ext`);
  await run(openssl, ['req', '-new', '-key', out.key, '-subj', `/CN=${cn}`, '-out', csr]);
  await writeFile(extFile, ext.join('\n') + '\n');
  await run(openssl, [
    'x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key,
    // A random serial instead of -CAcreateserial: no .srl file to keep around.
    '-set_serial', `0x${randomBytes(8).toString('hex')}`,
    '-days', DAYS, '-sha256', '-extfile', extFile, '-out', out.cert,
  ]);
  await rm(csr, { force: true });
  await rm(extFile, { force: true });
}

const SERVER_EXT = [
  'subjectAltName=DNS:localhost,IP:127.0.0.1',
  'extendedKeyUsage=serverAuth',
  'keyUsage=critical,digitalSignature',
];
const CLIENT_EXT = ['extendedKeyUsage=clientAuth', 'keyUsage=critical,digitalSignature'];

/**
 * CA + server cert + client dir (ca.pem cert.pem key.pem), and an unrelated second CA with
 * its own client cert in other-ca/ for negative tests. Reuses whatever already exists, so
 * clients configured earlier keep working across restarts.
 */
export async function ensureCerts(openssl: string, l: Layout, log: (line: string) => void): Promise<void> {
  const c = l.certs;
  const client = { ca: join(c.clientDir, 'ca.pem'), cert: join(c.clientDir, 'cert.pem'), key: join(c.clientDir, 'key.pem') };
  const other = { ca: join(c.otherDir, 'ca.pem'), cert: join(c.otherDir, 'cert.pem'), key: join(c.otherDir, 'key.pem') };
  const otherCaKey = join(c.otherDir, 'ca-key.pem');
  const all = [c.ca, c.caKey, c.serverCert, c.serverKey, client.ca, client.cert, client.key, other.ca, other.cert, other.key];
  if (await exists(...all)) return;

  log('generating TLS certificates');
  await mkdir(c.clientDir, { recursive: true, mode: 0o700 });
  await mkdir(c.otherDir, { recursive: true, mode: 0o700 });
  // If the main CA is new, everything signed by an older one is void: remake all of it.
  const freshCa = !(await exists(c.ca, c.caKey));
  if (freshCa) await makeCa(openssl, c.caKey, c.ca, 'dockline test CA');
  const ca = { cert: c.ca, key: c.caKey };
  if (freshCa || !(await exists(c.serverCert, c.serverKey)))
    await makeLeaf(openssl, ca, { key: c.serverKey, cert: c.serverCert }, 'localhost', SERVER_EXT, c.dir);
  if (freshCa || !(await exists(client.cert, client.key)))
    await makeLeaf(openssl, ca, { key: client.key, cert: client.cert }, 'dockline-client', CLIENT_EXT, c.dir);
  await copyFile(c.ca, client.ca);

  const freshOther = !(await exists(other.ca, otherCaKey));
  if (freshOther) await makeCa(openssl, otherCaKey, other.ca, 'dockline other CA');
  if (freshOther || !(await exists(other.cert, other.key)))
    await makeLeaf(openssl, { cert: other.ca, key: otherCaKey }, other, 'dockline-other-client', CLIENT_EXT, c.otherDir);
}
