import { InvalidParameterError } from '@dockline/core';
import { describe, expect, it } from 'vitest';
import { sshTransport } from './ssh-transport.js';
import { formatSshEndpoint, parseSshUrl } from './url.js';

describe('parseSshUrl', () => {
  it('parses user, host, port and the socket path', () => {
    expect(parseSshUrl('ssh://me@build-box')).toEqual({ host: 'build-box', port: undefined, username: 'me', socketPath: undefined });
    expect(parseSshUrl('ssh://build-box:2222')).toEqual({ host: 'build-box', port: 2222, username: undefined, socketPath: undefined });
    expect(parseSshUrl('ssh://me@10.0.0.5:22/run/user/1000/docker.sock')).toEqual({
      host: '10.0.0.5',
      port: 22,
      username: 'me',
      socketPath: '/run/user/1000/docker.sock',
    });
    expect(parseSshUrl('ssh://host/')).toMatchObject({ socketPath: undefined });
    expect(parseSshUrl('SSH://a.example')).toMatchObject({ host: 'a.example' });
  });
  it('takes IPv6 hosts in brackets', () => {
    expect(parseSshUrl('ssh://root@[::1]:2222/var/run/docker.sock')).toEqual({
      host: '::1',
      port: 2222,
      username: 'root',
      socketPath: '/var/run/docker.sock',
    });
    expect(() => parseSshUrl('ssh://::1:22')).toThrow(/brackets/);
  });
  it('decodes percent-encoded user names', () => {
    expect(parseSshUrl('ssh://first.last%40corp@host').username).toBe('first.last@corp');
  });
  it('refuses a password, as the docker CLI does, without echoing it', () => {
    const err = (() => {
      try {
        parseSshUrl('ssh://me:hunter2@host');
      } catch (e) {
        return e;
      }
    })() as Error;
    expect(err).toBeInstanceOf(InvalidParameterError);
    expect(err.message).toMatch(/password is not supported/);
    expect(err.message).not.toContain('hunter2');
    expect(err.message).toContain('REDACTED');
  });
  it('refuses what the docker CLI refuses', () => {
    expect(() => parseSshUrl('ssh://host?x=1')).toThrow(/extra query/);
    expect(() => parseSshUrl('ssh://host#frag')).toThrow(/fragment/);
    expect(() => parseSshUrl('ssh://')).toThrow(/no host/);
    expect(() => parseSshUrl('ssh://@host')).toThrow(/user name is empty/);
    expect(() => parseSshUrl('ssh://host:0')).toThrow(/invalid port/);
    expect(() => parseSshUrl('ssh://host:99999')).toThrow(/invalid port/);
    expect(() => parseSshUrl('ssh://host:x')).toThrow(/invalid port/);
    expect(() => parseSshUrl('tcp://host:2375')).toThrow(/not an ssh:\/\/ URL/);
  });
  it('formats the endpoint back', () => {
    expect(formatSshEndpoint({ host: 'h', port: 22, username: 'me', socketPath: '/x.sock' })).toBe('ssh://me@h:22/x.sock');
    expect(formatSshEndpoint({ host: '::1' })).toBe('ssh://[::1]');
  });
});

describe('sshTransport options', () => {
  it('takes a whole ssh:// URL as host; explicit options win', () => {
    const t = sshTransport({ host: 'ssh://me@box:2200/run/docker.sock', configFile: false });
    expect(t.endpoint).toBe('ssh://me@box:2200/run/docker.sock');
    expect(t.kind).toBe('ssh');
    expect(t.host).toBe('box');
    expect(t.networkTransport).toBe('tcp');
    expect(t.mode).toBe('auto');
    const u = sshTransport({ host: 'ssh://me@box:2200', port: 2201, username: 'you' });
    expect(u.endpoint).toBe('ssh://you@box:2201');
  });
  it('refuses bad options at once, with InvalidParameterError', () => {
    expect(() => sshTransport({ host: '' })).toThrow(InvalidParameterError);
    expect(() => sshTransport({ host: 'h', port: 0 })).toThrow(/port/);
    expect(() => sshTransport({ host: 'h', mode: 'tunnel' as never })).toThrow(/mode/);
    expect(() => sshTransport({ host: 'h', hostKeyPolicy: 'yolo' as never })).toThrow(/hostKeyPolicy/);
    expect(() => sshTransport({ host: 'h', connectTimeoutMs: -1 })).toThrow(/connectTimeoutMs/);
    expect(() => sshTransport({ host: 'h', socketPath: 'relative.sock' })).toThrow(/absolute/);
    expect(() => sshTransport({ host: 'tcp://h:2375' })).toThrow(/ssh:\/\//);
    expect(() => sshTransport({ host: 'ssh://me:pw@h' })).toThrow(/password/);
  });
  it('does no I/O until the first connect', async () => {
    const t = sshTransport({ host: 'no-such-host.invalid', configFile: false });
    expect(t.stats()).toMatchObject({ handshakes: 0, connected: false, mode: 'undecided' });
    await t.close();
    await expect(t.connect({})).rejects.toMatchObject({ reason: 'closed' });
  });
});
