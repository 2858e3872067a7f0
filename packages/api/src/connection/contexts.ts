import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidParameterError } from '@dockline/core';

/** The context the docker CLI derives from the environment; it has no files in the store. */
export const DEFAULT_CONTEXT_NAME = 'default';

const TLS_FILES = ['ca.pem', 'cert.pem', 'key.pem'] as const;
type TlsFile = (typeof TLS_FILES)[number];

/** A context of the docker CLI's store, as `docker context inspect` shows it. */
export interface DockerContext {
  name: string;
  /** `Endpoints.docker.Host`: unix://, tcp://, ssh://... Empty when the context has none (the CLI then uses its default socket). */
  host: string;
  /** `Endpoints.docker.SkipTLSVerify`: TLS without checking the daemon's certificate. */
  skipTLSVerify: boolean;
  /** TLS files present under `tlsPath/docker/`, in the CLI's order: ca.pem, cert.pem, key.pem. */
  tlsMaterial: TlsFile[];
  /** `Storage.MetadataPath`: contexts/meta/<sha256 of name>. */
  metadataPath: string;
  /** `Storage.TLSPath`: contexts/tls/<sha256 of name>. */
  tlsPath: string;
}

/** The docker CLI's config folder: $DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker'));
}

/** The folder name of a context in the store: sha256 of its name (the CLI's digest.FromString). */
export function contextStoreId(name: string): string {
  return createHash('sha256').update(name, 'utf8').digest('hex');
}

/**
 * `currentContext` of `<configDir>/config.json`, or undefined when the file or the field is
 * absent. The file also holds registry credentials: nothing of its content is ever echoed.
 */
export async function readCurrentContext(configDir: string): Promise<string | undefined> {
  const file = join(configDir, 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new InvalidParameterError(`cannot read the docker CLI config ${file} (${code ?? 'error'}); fix its permissions or set DOCKER_CONFIG`, { cause: err });
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch {
    // No parser message: V8 quotes the text around the error, which may be a credential.
    throw new InvalidParameterError(`the docker CLI config ${file} is not valid JSON, so its currentContext cannot be read; fix the file or set DOCKER_CONFIG`);
  }
  if (typeof config !== 'object' || config === null) {
    throw new InvalidParameterError(`the docker CLI config ${file} is not a JSON object`);
  }
  const current = (config as { currentContext?: unknown }).currentContext;
  if (current === undefined || current === null || current === '') return undefined;
  if (typeof current !== 'string') throw new InvalidParameterError(`currentContext in ${file} is not a string`);
  return current;
}

interface MetaFile {
  Name?: unknown;
  Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } | null } | null;
}

/**
 * Reads one context of the store in `<configDir>/contexts`. A context that does not exist is
 * an InvalidParameterError naming it and listing the ones that do; `source` says who asked
 * for it (DOCKER_CONTEXT, config.json...).
 */
export async function loadContext(name: string, options: { configDir: string; source?: string }): Promise<DockerContext> {
  const id = contextStoreId(name);
  const metadataPath = join(options.configDir, 'contexts', 'meta', id);
  const tlsPath = join(options.configDir, 'contexts', 'tls', id);
  const metaFile = join(metadataPath, 'meta.json');
  let text: string;
  try {
    text = await readFile(metaFile, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') {
      throw new InvalidParameterError(`cannot read Docker context ${JSON.stringify(name)} at ${metaFile} (${code ?? 'error'})`, { cause: err });
    }
    const names = [DEFAULT_CONTEXT_NAME, ...(await listContexts(options.configDir)).map((c) => c.name)];
    throw new InvalidParameterError(
      `Docker context ${JSON.stringify(name)}${options.source ? ` (from ${options.source})` : ''} does not exist in ${join(options.configDir, 'contexts')}; ` +
        `the contexts there are: ${names.join(', ')}. Create it with \`docker context create ${name} --docker host=...\`, or pick one of those.`,
    );
  }
  const meta = parseMeta(text, metaFile);
  const endpoint = meta.Endpoints?.docker;
  if (!endpoint) {
    throw new InvalidParameterError(`Docker context ${JSON.stringify(name)} has no docker endpoint (${metaFile}); recreate it with \`docker context create ${name} --docker host=...\``);
  }
  if (endpoint.Host !== undefined && typeof endpoint.Host !== 'string') {
    throw new InvalidParameterError(`Endpoints.docker.Host in ${metaFile} is not a string`);
  }
  const dockerTls = join(tlsPath, 'docker');
  const present = new Set(await readdir(dockerTls).catch(() => [] as string[]));
  return {
    name: typeof meta.Name === 'string' ? meta.Name : name,
    host: endpoint.Host ?? '',
    skipTLSVerify: endpoint.SkipTLSVerify === true,
    tlsMaterial: TLS_FILES.filter((f) => present.has(f)),
    metadataPath,
    tlsPath,
  };
}

function parseMeta(text: string, file: string): MetaFile {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) return parsed as MetaFile;
  } catch {
    // fall through: the message below says which file
  }
  throw new InvalidParameterError(`the Docker context file ${file} is not valid JSON; remove the context (docker context rm) and create it again`);
}

/** The contexts of the store (not "default", which lives nowhere), sorted by name. Unreadable entries are left out. */
export async function listContexts(configDir: string): Promise<DockerContext[]> {
  const metaRoot = join(configDir, 'contexts', 'meta');
  const ids = await readdir(metaRoot).catch(() => [] as string[]);
  const out: DockerContext[] = [];
  for (const id of ids) {
    let name: unknown;
    try {
      name = (JSON.parse(await readFile(join(metaRoot, id, 'meta.json'), 'utf8')) as MetaFile).Name;
    } catch {
      continue;
    }
    // A folder whose name is not the hash of its Name is not where the CLI would look for it.
    if (typeof name !== 'string' || contextStoreId(name) !== id) continue;
    try {
      out.push(await loadContext(name, { configDir }));
    } catch {
      // A context without a docker endpoint (e.g. an old kubernetes-only one) is not usable here.
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The TLS files of a context, read, for tcpTransport's `tls` option. */
export async function readContextTls(ctx: DockerContext): Promise<{ ca?: Buffer; cert?: Buffer; key?: Buffer }> {
  const dir = join(ctx.tlsPath, 'docker');
  const out: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  for (const file of ctx.tlsMaterial) {
    const data = await readFile(join(dir, file)).catch((err: unknown) => {
      throw new InvalidParameterError(`cannot read ${join(dir, file)} of Docker context ${JSON.stringify(ctx.name)}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { cause: err });
    });
    if (file === 'ca.pem') out.ca = data;
    else if (file === 'cert.pem') out.cert = data;
    else out.key = data;
  }
  if ((out.cert === undefined) !== (out.key === undefined)) {
    throw new InvalidParameterError(
      `Docker context ${JSON.stringify(ctx.name)} has ${out.cert ? 'cert.pem without key.pem' : 'key.pem without cert.pem'} in ${dir}: a client certificate needs both`,
    );
  }
  return out;
}
