// The authentication attempts for one hop, in order: the key the caller passed, the agent,
// then IdentityFile keys of the config (or OpenSSH's default key files).
import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, BaseAgent, ParsedKey } from 'ssh2';
import { sshError } from './errors.js';
import { fingerprint } from './known-hosts.js';
import { defaultIdentityFiles, type ResolvedHop } from './resolve.js';
import { expandHome } from './ssh-config.js';

export interface AuthInputs {
  privateKey?: string | Buffer | undefined;
  passphrase?: string | Buffer | undefined;
  agent?: string | false | BaseAgent | undefined;
}

export interface AuthAttempt {
  /** For the error message: "publickey /path (ssh-ed25519 SHA256:...)". */
  label: string;
  method: AnyAuthMethod;
}

export interface AuthPlan {
  attempts: AuthAttempt[];
  /** Keys that could not be used (missing, encrypted without passphrase): named in errors. */
  skipped: string[];
}

/** Key material (a Buffer, or a string holding a PEM / OpenSSH key) or else a path to a key file. */
function isKeyMaterial(value: string | Buffer): boolean {
  return Buffer.isBuffer(value) || /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----|PuTTY-User-Key-File/.test(value);
}

function parse(material: Buffer | string, passphrase: string | Buffer | undefined): ParsedKey | Error {
  const k = ssh2.utils.parseKey(material, passphrase) as ParsedKey | ParsedKey[] | Error;
  if (k instanceof Error) return k;
  const key = Array.isArray(k) ? k[0] : k;
  if (!key) return new Error('no key found');
  if (!key.isPrivateKey()) return new Error('this is a public key, not a private key');
  return key;
}

function describe(key: ParsedKey): string {
  return `${key.type} ${fingerprint(key.getPublicSSH())}`;
}

export async function planAuth(hop: ResolvedHop, inputs: AuthInputs, endpoint: string): Promise<AuthPlan> {
  const attempts: AuthAttempt[] = [];
  const skipped: string[] = [];
  const username = hop.username;

  if (inputs.privateKey !== undefined && inputs.privateKey !== '') {
    const given = inputs.privateKey;
    let material: string | Buffer;
    let where: string;
    if (isKeyMaterial(given)) {
      material = given;
      where = 'privateKey';
    } else {
      where = expandHome(given as string);
      try {
        material = await readFile(where);
      } catch (err) {
        throw sshError(endpoint, 'key-unusable', `cannot read the private key file ${where}: ${(err as Error).message}`, { cause: err });
      }
    }
    const key = parse(material, inputs.passphrase);
    if (key instanceof Error) {
      const msg = key.message;
      let detail: string;
      if (/no passphrase given/i.test(msg)) detail = `the private key (${where}) is encrypted: pass its passphrase (option passphrase)`;
      else if (/bad passphrase|decrypt|integrity/i.test(msg) && inputs.passphrase !== undefined)
        detail = `cannot decrypt the private key (${where}): wrong passphrase? (${msg})`;
      else detail = `cannot use the private key (${where}): ${msg}`;
      throw sshError(endpoint, 'key-unusable', detail, { cause: key });
    }
    attempts.push({ label: `publickey ${where} (${describe(key)})`, method: { type: 'publickey', username, key } });
  }

  let agent: string | BaseAgent | undefined;
  let agentLabel = '';
  if (inputs.agent === false) {
    agent = undefined;
  } else if (inputs.agent !== undefined && inputs.agent !== '') {
    agent = inputs.agent;
    agentLabel = typeof inputs.agent === 'string' ? inputs.agent : 'custom agent';
  } else if (hop.identityAgent === 'none') {
    agent = undefined;
  } else if (hop.identityAgent !== undefined) {
    agent = hop.identityAgent;
    agentLabel = `${hop.identityAgent} (IdentityAgent)`;
  } else if (!hop.identitiesOnly && process.env.SSH_AUTH_SOCK) {
    agent = process.env.SSH_AUTH_SOCK;
    agentLabel = `${agent} (SSH_AUTH_SOCK)`;
  }
  if (agent !== undefined) attempts.push({ label: `agent ${agentLabel}`, method: { type: 'agent', username, agent } });

  // Key files: the config's IdentityFile entries, else OpenSSH's defaults (only when the
  // caller gave no key either).
  const fromConfig = hop.identityFiles.length > 0;
  const files = fromConfig ? hop.identityFiles : inputs.privateKey ? [] : defaultIdentityFiles();
  for (const file of files) {
    let material: Buffer;
    try {
      material = await readFile(file);
    } catch {
      if (fromConfig) skipped.push(`${file} (cannot read it)`);
      continue;
    }
    const key = parse(material, inputs.passphrase);
    if (key instanceof Error) {
      skipped.push(
        /no passphrase given/i.test(key.message)
          ? `${file} (encrypted; pass passphrase)`
          : /bad passphrase|integrity/i.test(key.message)
            ? `${file} (wrong passphrase)`
            : `${file} (${key.message})`,
      );
      continue;
    }
    if (attempts.some((a) => a.method.type === 'publickey' && (a.method.key as ParsedKey).equals(key))) continue;
    attempts.push({ label: `publickey ${file} (${describe(key)})`, method: { type: 'publickey', username, key } });
  }
  return { attempts, skipped };
}
