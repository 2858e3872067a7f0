import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContextError, packContext, parseDockerignore } from './context.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'dockline-ctx-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(rel: string, content = rel): void {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  writeFileSync(path.join(dir, rel), content);
}

interface Entry {
  name: string;
  type: string;
  uid: number;
  body: string;
  linkname?: string | undefined;
}
async function entries(tar: AsyncIterable<Uint8Array>): Promise<Map<string, Entry>> {
  const out = new Map<string, Entry>();
  const ex = extract();
  Readable.from(tar).pipe(ex as unknown as NodeJS.WritableStream);
  for await (const e of ex) {
    const chunks: Buffer[] = [];
    for await (const c of e as AsyncIterable<Buffer>) chunks.push(c);
    out.set(e.header.name, { name: e.header.name, type: e.header.type, uid: e.header.uid, body: Buffer.concat(chunks).toString(), linkname: e.header.linkname ?? undefined });
  }
  return out;
}

describe('parseDockerignore', () => {
  it('skips comments and blank lines, trims, drops a BOM', () => {
    expect(parseDockerignore('\uFEFF# c\n\n  a \r\n!b\n')).toEqual(['a', '!b']);
  });
});

describe('packContext', () => {
  it('honours .dockerignore like the docker CLI (exceptions, **, parent dirs, anchoring)', async () => {
    write('Dockerfile', 'FROM x');
    write('app/main.js');
    write('app/main.test.js');
    write('logs/a.log');
    write('logs/keep/important.log');
    write('node_modules/dep/index.js');
    write('docs/readme.md');
    write('sub/node_modules/x.js');
    write('Secret.txt');
    write('secret.txt');
    write('.dockerignore', 'node_modules\n**/*.test.js\nlogs\n!logs/keep\n# comment\n/secret.txt\ndocs/\n');
    const { tar, dockerfile } = await packContext(dir, undefined);
    expect(dockerfile).toBe('Dockerfile');
    const names = [...(await entries(tar)).keys()].sort();
    expect(names).toEqual([
      '.dockerignore',
      'Dockerfile',
      'Secret.txt', // matching is case-sensitive, as on Linux
      'app/',
      'app/main.js',
      'logs/keep/',
      'logs/keep/important.log',
      'sub/',
      'sub/node_modules/', // "node_modules" is anchored at the root
      'sub/node_modules/x.js',
    ]);
  });

  it('always sends the Dockerfile and .dockerignore even when excluded', async () => {
    write('build/Dockerfile.prod', 'FROM x');
    write('build/other');
    write('a.txt');
    write('.dockerignore', '*\n');
    const { tar, dockerfile } = await packContext(dir, 'build/Dockerfile.prod');
    expect(dockerfile).toBe('build/Dockerfile.prod');
    expect([...(await entries(tar)).keys()].sort()).toEqual(['.dockerignore', 'build/Dockerfile.prod']);
  });

  it('adds a Dockerfile outside the context under a random name, listed in the sent .dockerignore', async () => {
    const outside = mkdtempSync(path.join(tmpdir(), 'dockline-df-'));
    try {
      writeFileSync(path.join(outside, 'Dockerfile'), 'FROM outside');
      write('a.txt', 'a');
      write('.dockerignore', 'b.txt');
      const { tar, dockerfile } = await packContext(dir, path.join(outside, 'Dockerfile'));
      expect(dockerfile).toMatch(/^\.dockerfile\.[0-9a-f]{20}$/);
      const got = await entries(tar);
      expect(got.get(dockerfile)?.body).toBe('FROM outside');
      expect(got.get('.dockerignore')?.body).toBe(`b.txt\n${dockerfile}\n`);
      expect(got.has('a.txt')).toBe(true);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('sends symlinks as symlinks, owners as root, contents byte for byte', async () => {
    write('Dockerfile', 'FROM x');
    write('data.bin', 'x'.repeat(300_000));
    symlinkSync('data.bin', path.join(dir, 'link'));
    const got = await entries((await packContext(dir, undefined)).tar);
    expect(got.get('link')).toMatchObject({ type: 'symlink', linkname: 'data.bin' });
    expect(got.get('data.bin')?.body.length).toBe(300_000);
    expect(got.get('data.bin')?.uid).toBe(0);
  });

  it('fails clearly on a missing directory or Dockerfile', async () => {
    await expect(packContext(path.join(dir, 'nope'), undefined)).rejects.toMatchObject({ name: 'ContextError', option: 'context' });
    await expect(packContext(dir, 'Dockerfile.missing')).rejects.toBeInstanceOf(ContextError);
    await expect(packContext(dir, 'Dockerfile.missing')).rejects.toMatchObject({ option: 'dockerfile' });
  });
});
