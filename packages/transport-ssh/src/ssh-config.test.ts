import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProxyJump, resolveChain, resolveHop } from './resolve.js';
import { expandTokens, loadSshConfig } from './ssh-config.js';
import type SSHConfig from 'ssh-config';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dockline-sshcfg-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function config(text: string, name = 'config'): Promise<SSHConfig> {
  const file = join(dir, name);
  await writeFile(file, text);
  return (await loadSshConfig(file))!;
}

describe('ssh config resolution', () => {
  it('applies Host blocks: HostName, User, Port, IdentityFile, first value wins', async () => {
    const c = await config(`
Host build
  HostName 10.1.2.3
  User builder
  Port 2222
  IdentityFile ~/.ssh/build_key
  IdentitiesOnly yes
  UserKnownHostsFile ${dir}/kh1 ${dir}/kh2
  StrictHostKeyChecking accept-new
  HashKnownHosts yes
  ConnectTimeout 7
  ServerAliveInterval 15
  ServerAliveCountMax 2
  HostKeyAlias build-alias

Host *
  User fallback
  Port 22
  IdentityFile %d/.ssh/id_%r
`);
    const hop = resolveHop([c], { host: 'build' });
    expect(hop).toMatchObject({
      originalHost: 'build',
      hostName: '10.1.2.3',
      username: 'builder',
      port: 2222,
      identitiesOnly: true,
      userKnownHostsFiles: [`${dir}/kh1`, `${dir}/kh2`],
      strictHostKeyChecking: 'accept-new',
      hashKnownHosts: true,
      connectTimeoutMs: 7000,
      serverAliveIntervalMs: 15_000,
      serverAliveCountMax: 2,
      hostKeyAlias: 'build-alias',
      proxyJump: [],
    });
    const home = process.env.HOME!;
    expect(hop.identityFiles).toEqual([`${home}/.ssh/build_key`, `${home}/.ssh/id_builder`]);
    // explicit values beat the config
    const explicit = resolveHop([c], { host: 'build', port: 2022, user: 'me' });
    expect(explicit).toMatchObject({ port: 2022, username: 'me', hostName: '10.1.2.3' });
    // another host only gets the * block
    expect(resolveHop([c], { host: 'elsewhere' })).toMatchObject({ hostName: 'elsewhere', username: 'fallback', port: 22 });
  });

  it('expands %h in HostName and tokens in paths', async () => {
    const c = await config(`
Host *.corp
  HostName %h.example.net
  IdentityFile ~/keys/%h-%p-%r-%n
`);
    const hop = resolveHop([c], { host: 'db.corp', user: 'u' });
    expect(hop.hostName).toBe('db.corp.example.net');
    expect(hop.identityFiles).toEqual([`${process.env.HOME}/keys/db.corp.example.net-22-u-db.corp`]);
    expect(expandTokens('100%%', { host: 'h', originalHost: 'h', port: 22, user: 'u' })).toBe('100%');
  });

  it('follows Include (relative, absolute and globs)', async () => {
    await mkdir(join(dir, 'conf.d'), { recursive: true });
    await writeFile(join(dir, 'conf.d', '10-a.conf'), 'Host inc-a\n  HostName a.example\n');
    await writeFile(join(dir, 'conf.d', '20-b.conf'), 'Host inc-b\n  HostName b.example\n  Port 2200\n');
    await writeFile(join(dir, 'conf.d', 'skip.txt'), 'Host inc-a\n  HostName wrong.example\n');
    const c = await config(`Include ${dir}/conf.d/*.conf\nHost *\n  User x\n`, 'with-include');
    expect(resolveHop([c], { host: 'inc-a' })).toMatchObject({ hostName: 'a.example', username: 'x' });
    expect(resolveHop([c], { host: 'inc-b' })).toMatchObject({ hostName: 'b.example', port: 2200 });
  });

  it('gives nothing for a missing file, and merges several files (first wins)', async () => {
    expect(await loadSshConfig(join(dir, 'does-not-exist'))).toBeUndefined();
    const user = await config('Host two\n  User first\n', 'u');
    const system = await config('Host *\n  User second\n  Port 2022\n', 's');
    expect(resolveHop([user, system], { host: 'two' })).toMatchObject({ username: 'first', port: 2022 });
  });

  it('does not run Match exec', async () => {
    const marker = join(dir, 'exec-ran');
    const c = await config(`Match exec "touch ${marker}"\n  User matched\n`, 'exec');
    expect(resolveHop([c], { host: 'x', user: 'me' }).username).toBe('me');
    await expect(import('node:fs/promises').then((fs) => fs.access(marker))).rejects.toThrow();
  });

  it('parses ProxyJump lists and chains hops as OpenSSH does', async () => {
    expect(parseProxyJump('a, me@b:2200,ssh://c@[::1]:22')).toEqual([
      { host: 'a', port: undefined, user: undefined },
      { host: 'b', port: 2200, user: 'me' },
      { host: '::1', port: 22, user: 'c' },
    ]);
    expect(parseProxyJump('none')).toEqual([]);
    const c = await config(`
Host target
  HostName 10.0.0.9
  ProxyJump j1,j2
Host j1
  HostName 1.1.1.1
  ProxyJump j0
Host j2
  HostName 2.2.2.2
  ProxyJump ignored-for-a-later-hop
Host j0
  HostName 0.0.0.0
`);
    expect(resolveChain([c], { host: 'target' }).map((h) => h.hostName)).toEqual(['0.0.0.0', '1.1.1.1', '2.2.2.2', '10.0.0.9']);
  });

  it('refuses ProxyCommand (not run) and ProxyJump loops with clear errors', async () => {
    const c = await config('Host pc\n  ProxyCommand nc %h %p\nHost loop\n  ProxyJump loop\n', 'bad');
    expect(() => resolveHop([c], { host: 'pc' })).toThrow(/ProxyCommand .* use ProxyJump/);
    expect(() => resolveChain([c], { host: 'loop' })).toThrow(/ProxyJump nests/);
  });

  it('maps StrictHostKeyChecking to a policy', async () => {
    const c = await config('Host y\n  StrictHostKeyChecking yes\nHost n\n  StrictHostKeyChecking no\nHost a\n  StrictHostKeyChecking ask\n', 'strict');
    expect(resolveHop([c], { host: 'y' }).strictHostKeyChecking).toBe('strict');
    expect(resolveHop([c], { host: 'n' }).strictHostKeyChecking).toBe('accept-new');
    expect(resolveHop([c], { host: 'a' }).strictHostKeyChecking).toBe('strict');
    expect(resolveHop([c], { host: 'other' }).strictHostKeyChecking).toBeUndefined();
  });
});
