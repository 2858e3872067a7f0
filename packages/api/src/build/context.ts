/**
 * Packs a build context directory into a tar stream as the docker CLI does:
 * - `.dockerignore` patterns with moby's semantics (matched by @balena/dockerignore, a port
 *   of moby's fileutils matcher; case-sensitive as on Linux); an excluded directory is
 *   skipped unless an exception pattern (`!dir/file`) starts with it, then it is walked and
 *   only the re-included entries are sent;
 * - the Dockerfile and `.dockerignore` are always sent, even when the patterns exclude them
 *   (the CLI appends `!Dockerfile` and `!.dockerignore`);
 * - a Dockerfile outside the context is added under a random name `.dockerfile.<hex>`, which
 *   is also appended to the sent `.dockerignore` (so `COPY . .` does not pick it up);
 * - owners are uid/gid 0 (the CLI's ChownOpts), modes and mtimes as on disk, symlinks as
 *   symlinks; sockets and devices are left out.
 * File contents are streamed: memory stays at a chunk or two per file, whatever the size.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readFile, readdir, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import dockerignoreModule from '@balena/dockerignore';
import { pack as tarPack, type Header, type Pack } from 'tar-stream';

type Headers = Partial<Header> & Pick<Header, 'name'>;
// A CommonJS module whose typings declare an ES default export: at run time the factory is
// module.exports itself (the default import), under a bundler's interop it may be `.default`.
const dockerignore = ((dockerignoreModule as unknown as { default?: unknown }).default ?? dockerignoreModule) as unknown as typeof dockerignoreModule.default;

export interface PackedContext {
  /** The tar, produced as it is read. */
  tar: AsyncIterable<Uint8Array>;
  /** The Dockerfile's name inside the tar (what goes in the `dockerfile` query parameter). */
  dockerfile: string;
}

export class ContextError extends Error {
  override name = 'ContextError';
  constructor(
    message: string,
    readonly option: 'context' | 'dockerfile',
  ) {
    super(message);
  }
}

/** Parses .dockerignore text as moby does: one pattern a line, `#` comments, blank lines skipped. */
export function parseDockerignore(text: string): string[] {
  return text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** moby's cleaning of a pattern: path.Clean, then no leading "/" (exceptions keep their "!"). */
function cleanPattern(p: string): string {
  const neg = p.startsWith('!');
  let body = (neg ? p.slice(1) : p).trim();
  body = path.posix.normalize(body);
  if (body.length > 1 && body.startsWith('/')) body = body.slice(1);
  if (body.endsWith('/') && body.length > 1) body = body.slice(0, -1);
  return neg ? `!${body}` : body;
}

/** The filter the context is packed with. */
export class ContextFilter {
  readonly #matcher: ReturnType<typeof dockerignore>;
  readonly #exceptions: string[];

  constructor(patterns: string[]) {
    const cleaned = patterns.map(cleanPattern);
    this.#matcher = dockerignore({ ignorecase: false }).add(cleaned);
    this.#exceptions = cleaned.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  }

  /** `rel` (slash-separated, relative to the context) is excluded. */
  excludes(rel: string): boolean {
    return this.#matcher.ignores(rel);
  }

  /** An excluded directory must still be walked: an exception pattern starts with it. */
  mustWalk(relDir: string): boolean {
    const prefix = `${relDir}/`;
    return this.#exceptions.some((e) => `${e}/`.startsWith(prefix));
  }
}

/** The CLI's rule for which patterns apply, with the Dockerfile and .dockerignore kept. */
export function contextFilter(patterns: string[], relDockerfile: string | undefined): ContextFilter {
  const base = new ContextFilter(patterns);
  const keep = [...patterns];
  if (base.excludes('.dockerignore')) keep.push('!.dockerignore');
  if (relDockerfile !== undefined && base.excludes(relDockerfile)) keep.push(`!${relDockerfile}`);
  return keep.length === patterns.length ? base : new ContextFilter(keep);
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Prepares a context directory: checks it and the Dockerfile, reads .dockerignore. The tar is
 * produced lazily when `tar` is iterated (a failure while packing ends that iteration with
 * the error).
 */
export async function packContext(contextDir: string, dockerfile: string | undefined): Promise<PackedContext> {
  const root = path.resolve(contextDir);
  if (!(await isDirectory(root))) throw new ContextError(`the context directory ${JSON.stringify(contextDir)} does not exist or is not a directory`, 'context');

  const dfPath = path.resolve(root, dockerfile ?? 'Dockerfile');
  let dfStat;
  try {
    dfStat = await stat(dfPath);
  } catch {
    throw new ContextError(`the Dockerfile ${JSON.stringify(dockerfile ?? 'Dockerfile')} does not exist (looked for ${dfPath})`, 'dockerfile');
  }
  if (!dfStat.isFile()) throw new ContextError(`the Dockerfile ${JSON.stringify(dfPath)} is not a file`, 'dockerfile');
  const relToRoot = path.relative(root, dfPath);
  const inside = relToRoot !== '' && !relToRoot.startsWith('..') && !path.isAbsolute(relToRoot);
  const relDockerfile = inside ? relToRoot.split(path.sep).join('/') : undefined;

  let ignoreText: string | undefined;
  try {
    ignoreText = await readFile(path.join(root, '.dockerignore'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const patterns = ignoreText === undefined ? [] : parseDockerignore(ignoreText);
  const filter = contextFilter(patterns, relDockerfile);

  // Outside the context: the CLI's random name, also listed in the sent .dockerignore.
  const extraName = inside ? undefined : `.dockerfile.${randomBytes(10).toString('hex')}`;
  const extra = extraName === undefined ? undefined : { name: extraName, path: dfPath, ignore: `${ignoreText ?? ''}${ignoreText && !ignoreText.endsWith('\n') ? '\n' : ''}${extraName}\n` };

  const tar = tarPack();
  void produce(tar, root, filter, extra).then(
    () => tar.finalize(),
    (err: unknown) => tar.destroy(err as Error),
  );
  return { tar: tar as unknown as AsyncIterable<Uint8Array>, dockerfile: relDockerfile ?? extraName! };
}

async function produce(tar: Pack, root: string, filter: ContextFilter, extra: { name: string; path: string; ignore: string } | undefined): Promise<void> {
  await walk(tar, root, '', filter, extra !== undefined);
  if (extra) {
    await addBuffer(tar, { name: '.dockerignore', mode: 0o644 }, Buffer.from(extra.ignore));
    const s = await stat(extra.path);
    await addFile(tar, { name: extra.name, mode: s.mode & 0o7777, mtime: s.mtime, size: s.size }, extra.path);
  }
}

/** Depth-first in name order (what Go's filepath.Walk does), so the tar is reproducible. */
async function walk(tar: Pack, root: string, relDir: string, filter: ContextFilter, skipIgnoreFile: boolean): Promise<void> {
  const names = (await readdir(relDir === '' ? root : path.join(root, relDir))).sort();
  for (const name of names) {
    const rel = relDir === '' ? name : `${relDir}/${name}`;
    if (skipIgnoreFile && rel === '.dockerignore') continue;
    const abs = path.join(root, rel);
    const st = await lstat(abs);
    const excluded = filter.excludes(rel);
    if (excluded && !(st.isDirectory() && filter.mustWalk(rel))) continue;
    const common = { mode: st.mode & 0o7777, mtime: st.mtime, uid: 0, gid: 0, uname: '', gname: '' };
    if (st.isDirectory()) {
      if (!excluded) await addBuffer(tar, { ...common, name: `${rel}/`, type: 'directory' }, undefined);
      await walk(tar, root, rel, filter, skipIgnoreFile);
    } else if (st.isSymbolicLink()) {
      await addBuffer(tar, { ...common, name: rel, type: 'symlink', linkname: await readlink(abs) }, undefined);
    } else if (st.isFile()) {
      await addFile(tar, { ...common, name: rel, size: st.size }, abs);
    } else if (st.isFIFO()) {
      await addBuffer(tar, { ...common, name: rel, type: 'fifo' }, undefined);
    }
    // sockets and devices: not sent (as moby's archive package does for sockets)
  }
}

/** The request ended early (aborted, daemon error): stop walking rather than wait on a closed tar. */
function checkOpen(tar: Pack): void {
  if (tar.destroyed) throw new Error('the build context tar was closed before it was complete');
}

function addBuffer(tar: Pack, header: Headers, data: Buffer | undefined): Promise<void> {
  checkOpen(tar);
  return new Promise((resolve, reject) => {
    const h: Headers = { uid: 0, gid: 0, uname: '', gname: '', ...header };
    const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
    if (data === undefined) tar.entry(h, cb);
    else tar.entry(h, data, cb);
  });
}

/** Streams a file into an entry, waiting for the tar's reader when it falls behind. */
async function addFile(tar: Pack, header: Headers, abs: string): Promise<void> {
  checkOpen(tar);
  const done = new Promise<void>((resolve, reject) => {
    const entry = tar.entry({ uid: 0, gid: 0, uname: '', gname: '', type: 'file', ...header }, (err) => (err ? reject(err) : resolve()));
    const src = createReadStream(abs, { highWaterMark: 256 * 1024 });
    const fail = (err: Error): void => {
      src.destroy();
      entry.destroy(err);
      reject(err);
    };
    src.on('error', fail);
    // The tar closed under us (request aborted): release the file rather than wait for a drain.
    entry.once('close', () => {
      if (!src.readableEnded) {
        src.destroy();
        reject(new Error('the build context tar was closed before it was complete'));
      }
    });
    src.on('data', (chunk) => {
      if (!entry.write(chunk)) {
        src.pause();
        entry.once('drain', () => src.resume());
      }
    });
    src.on('end', () => entry.end(undefined));
  });
  await done;
}
