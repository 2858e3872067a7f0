// Integration tests against real sshd processes: the engine's (tools/engine), and private
// ones of our own (test/sshd.ts) where a test counts connections, kills
// sessions or needs another sshd configuration, so other suites sharing the engine's sshd
// are never disturbed.
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Duplex } from 'node:stream';
import { AbortError, ConnectionError, createPipeline, type Pipeline } from '@dockline/core';
import { describeWithEngine } from '@dockline/tool-testkit';
import type { EngineInfo } from '@dockline/tool-engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshConnectionError, sshTransport, type SshTransport, type SshTransportOptions } from './index.js';
import { ping } from '../test/http.js';
import {
  freePort,
  makeKey,
  silentServer,
  sleep,
  sshKeygenFingerprint,
  startAgent,
  startSshd,
  tempDir,
  waitFor,
  type PrivateSshd,
} from '../test/sshd.js';

const run = promisify(execFile);

/** The rejection of a promise (fails the test if it resolves). */
async function rejection(p: Promise<unknown>): Promise<SshConnectionError> {
  try {
    await p;
  } catch (err) {
    return err as SshConnectionError;
  }
  throw new Error('expected a rejection');
}

/** One raw HTTP/1.1 ping over a stream from transport.connect(). */
async function rawPing(stream: Duplex): Promise<string> {
  stream.write('GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n');
  let text = '';
  for await (const chunk of stream) {
    text += (chunk as Buffer).toString('latin1');
    if (/\r\n\r\nOK$/.test(text)) break;
  }
  stream.destroy();
  return text;
}

describeWithEngine('ssh transport against real sshd', (engine: EngineInfo) => {
  let tmp: string;
  const transports: SshTransport[] = [];
  const pipelines: Pipeline[] = [];

  /** The engine's sshd, streamlocal to the private daemon, no agent, no ~/.ssh. */
  function engineOptions(over: Partial<SshTransportOptions> = {}): SshTransportOptions {
    return {
      host: engine.ssh.host,
      port: engine.ssh.port,
      username: engine.ssh.username,
      privateKey: engine.ssh.privateKeyPath,
      knownHosts: engine.ssh.knownHostsPath,
      agent: false,
      configFile: false,
      mode: 'streamlocal',
      socketPath: engine.socketPath,
      ...over,
    };
  }
  function own(sshd: PrivateSshd, over: Partial<SshTransportOptions> = {}): SshTransportOptions {
    return engineOptions({ port: sshd.port, knownHosts: sshd.knownHostsPath, ...over });
  }
  function transport(opts: SshTransportOptions): SshTransport {
    const t = sshTransport(opts);
    transports.push(t);
    return t;
  }
  function pipelineFor(t: SshTransport): Pipeline {
    const p = createPipeline({ transport: t });
    pipelines.push(p);
    return p;
  }

  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(async () => {
    for (const p of pipelines) await p.close().catch(() => undefined);
    for (const t of transports) await t.close().catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
  });

  describe('one SSH connection per transport', { timeout: 60_000 }, () => {
    let sshd: PrivateSshd;
    beforeAll(async () => {
      sshd = await startSshd(engine);
    });
    afterAll(async () => {
      await sshd?.stop();
    });

    for (const mode of ['streamlocal', 'dial-stdio'] as const) {
      it(`200 sequential pings use one SSH connection (${mode}; counted in sshd's log)`, async () => {
        const before = await sshd.acceptedCount();
        const t = transport(own(sshd, { mode }));
        const p = pipelineFor(t);
        for (let i = 0; i < 200; i++) expect(await ping(p)).toBe(200);
        expect((await sshd.acceptedCount()) - before).toBe(1);
        expect(t.stats()).toMatchObject({ handshakes: 1, reconnects: 0, connected: true, mode });
        await p.close();
        expect(t.stats().connected).toBe(false);
      });
    }

    it('16 concurrent connect() calls share one SSH handshake (single flight)', async () => {
      const before = await sshd.acceptedCount();
      const t = transport(own(sshd));
      const streams = await Promise.all(Array.from({ length: 16 }, () => t.connect({})));
      expect(t.stats()).toMatchObject({ handshakes: 1, channelsOpened: 16, openChannels: 16 });
      expect((await sshd.acceptedCount()) - before).toBe(1);
      const answers = await Promise.all(streams.map(rawPing));
      for (const a of answers) expect(a).toMatch(/^HTTP\/1\.1 200 OK/);
      await t.close();
    });

    it('reconnects after the SSH connection is killed: the next call succeeds', async () => {
      const t = transport(own(sshd));
      const p = pipelineFor(t);
      expect(await ping(p)).toBe(200);
      const pids = await sshd.sessionPids();
      expect(pids.length).toBeGreaterThan(0);
      for (const pid of pids) process.kill(pid, 'SIGKILL');
      await waitFor('the transport to see the drop', () => !t.stats().connected);
      expect(await ping(p)).toBe(200);
      expect(t.stats()).toMatchObject({ handshakes: 2, reconnects: 1, sessionsLost: 1, connected: true });
    });

    it('a connect() racing the drop still gets a channel (one reconnect, nothing lost)', async () => {
      const t = transport(own(sshd));
      (await t.connect({})).destroy();
      await sleep(50);
      for (const pid of await sshd.sessionPids()) process.kill(pid, 'SIGKILL');
      // no waiting: the channel open may go out on the dying session
      const stream = await t.connect({});
      expect(await rawPing(stream)).toMatch(/^HTTP\/1\.1 200 OK/);
      expect(t.stats().handshakes).toBe(2);
    });

    it('a session that stops answering is replaced (channel open deadline, then one reconnect)', async () => {
      const t = transport(own(sshd, { connectTimeoutMs: 1000 }));
      (await t.connect({})).destroy();
      const stopped = await sshd.sessionPids();
      for (const pid of stopped) process.kill(pid, 'SIGSTOP');
      try {
        const started = Date.now();
        const stream = await t.connect({});
        expect(Date.now() - started).toBeGreaterThanOrEqual(900);
        expect(await rawPing(stream)).toMatch(/^HTTP\/1\.1 200 OK/);
        expect(t.stats()).toMatchObject({ handshakes: 2, reconnects: 1 });
      } finally {
        for (const pid of stopped) process.kill(pid, 'SIGKILL');
      }
    });

    it('a stream destroyed without being read gives its channel back; destroy(err) behaves as on a socket', async () => {
      const t = transport(own(sshd));
      const idle = await t.connect({});
      idle.write('GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n'); // an answer nobody reads
      await sleep(100);
      idle.destroy();
      await waitFor('the channel to close', () => t.stats().openChannels === 0);
      expect(idle.destroyed).toBe(true);

      const failing = await t.connect({});
      const events: string[] = [];
      failing.on('error', (e) => events.push(`error:${e.message}`));
      failing.on('close', () => events.push('close'));
      failing.destroy(new Error('boom'));
      await waitFor('close', () => events.includes('close'));
      expect(events).toEqual(['error:boom', 'close']);
      await waitFor('the channel to close', () => t.stats().openChannels === 0);
      expect(t.stats().handshakes).toBe(1);
    });

    it('close() ends the SSH connection politely, and a closed transport refuses to connect', async () => {
      const others = new Set(await sshd.sessionPids());
      const t = transport(own(sshd));
      const p = createPipeline({ transport: t });
      expect(await ping(p)).toBe(200);
      const ours = (await sshd.sessionPids()).filter((pid) => !others.has(pid));
      expect(ours.length).toBeGreaterThan(0);
      await p.close(); // closes the transport too
      await waitFor('sshd to end the session', async () => {
        const now = new Set(await sshd.sessionPids());
        return ours.every((pid) => !now.has(pid));
      });
      expect(await readFile(sshd.logPath, 'utf8')).toMatch(/Received disconnect from 127\.0\.0\.1 port \d+:11:/);
      const err = await rejection(t.connect({}));
      expect(err).toBeInstanceOf(ConnectionError);
      expect(err.reason).toBe('closed');
    });
  });

  describe('host keys', () => {
    let hostFp: string;
    const name = () => `[127.0.0.1]:${engine.ssh.port}`;
    beforeAll(async () => {
      const pub = join(tmp, 'engine-host.pub');
      await writeFile(pub, `${engine.ssh.hostPublicKey}\n`);
      hostFp = await sshKeygenFingerprint(pub);
    });

    it('refuses an unknown host key by default (empty known_hosts), naming host, key type and fingerprint', async () => {
      const kh = join(tmp, 'empty_known_hosts');
      await writeFile(kh, '');
      const t = transport(engineOptions({ knownHosts: kh }));
      const err = await rejection(ping(pipelineFor(t)));
      expect(err).toBeInstanceOf(ConnectionError);
      expect(err.connectFailed).toBe(true);
      expect(err.reason).toBe('host-key-unknown');
      expect(err.message).toContain(name());
      expect(err.message).toContain('ssh-ed25519');
      expect(err.message).toContain(hostFp);
      expect(err.message).toContain(t.endpoint);
      expect(await readFile(kh, 'utf8')).toBe(''); // strict never writes
    });

    it('refuses a changed host key (another key for [127.0.0.1]:port), even with accept-new', async () => {
      const other = await makeKey(tmp, 'impostor');
      const kh = join(tmp, 'changed_known_hosts');
      await writeFile(kh, `${name()} ${other.publicKey}\n`);
      for (const hostKeyPolicy of ['strict', 'accept-new'] as const) {
        const err = await rejection(transport(engineOptions({ knownHosts: kh, hostKeyPolicy })).connect({}));
        expect(err.reason).toBe('host-key-changed');
        expect(err.message).toContain('CHANGED');
        expect(err.message).toContain(hostFp);
        expect(err.message).toContain(await sshKeygenFingerprint(`${other.path}.pub`));
        expect(err.message).toContain(`${kh}:1`);
      }
      expect(await readFile(kh, 'utf8')).toBe(`${name()} ${other.publicKey}\n`);
    });

    it('accepts hashed known_hosts entries (ssh-keygen -H)', async () => {
      const kh = join(tmp, 'hashed_known_hosts');
      await copyFile(engine.ssh.knownHostsPath, kh);
      await run('ssh-keygen', ['-H', '-f', kh]);
      const text = await readFile(kh, 'utf8');
      expect(text).toMatch(/^\|1\|/);
      expect(text).not.toContain('127.0.0.1');
      expect(await ping(pipelineFor(transport(engineOptions({ knownHosts: kh }))))).toBe(200);
    });

    it('accept-new trusts on first use and writes the entry; then strict works with it', async () => {
      const kh = join(tmp, 'tofu', 'known_hosts'); // the folder does not exist yet
      expect(await ping(pipelineFor(transport(engineOptions({ knownHosts: kh, hostKeyPolicy: 'accept-new' }))))).toBe(200);
      expect(await readFile(kh, 'utf8')).toBe(`${name()} ${engine.ssh.hostPublicKey}\n`);
      expect(await ping(pipelineFor(transport(engineOptions({ knownHosts: kh }))))).toBe(200);
    });

    it('refuses a @revoked key, and does not take a @cert-authority line for the host key', async () => {
      const revoked = join(tmp, 'revoked_known_hosts');
      await writeFile(revoked, `@revoked ${name()} ${engine.ssh.hostPublicKey}\n${name()} ${engine.ssh.hostPublicKey}\n`);
      const err = await rejection(transport(engineOptions({ knownHosts: revoked })).connect({}));
      expect(err.reason).toBe('host-key-revoked');
      expect(err.message).toContain(`${revoked}:1`);

      const ca = join(tmp, 'ca_known_hosts');
      await writeFile(ca, `@cert-authority ${name()} ${engine.ssh.hostPublicKey}\n`);
      expect((await rejection(transport(engineOptions({ knownHosts: ca })).connect({}))).reason).toBe('host-key-unknown');
      await writeFile(ca, `@cert-authority ${name()} ${engine.ssh.hostPublicKey}\n# comment\n${name()} ${engine.ssh.hostPublicKey}\n`);
      expect(await ping(pipelineFor(transport(engineOptions({ knownHosts: ca }))))).toBe(200);
    });

    it("'insecure' connects whatever the key (only when asked)", async () => {
      const kh = join(tmp, 'insecure_known_hosts');
      await writeFile(kh, '');
      expect(await ping(pipelineFor(transport(engineOptions({ knownHosts: kh, hostKeyPolicy: 'insecure' }))))).toBe(200);
      expect(await readFile(kh, 'utf8')).toBe('');
    });

    it('negotiates the host key type known_hosts holds (server with ed25519 and ecdsa keys, known: ecdsa only)', async () => {
      const ecdsa = await makeKey(tmp, 'host_ecdsa', 'ecdsa');
      const sshd = await startSshd(engine, { extraConfig: [`HostKey ${ecdsa.path}`] });
      try {
        const kh = join(tmp, 'ecdsa_known_hosts');
        await writeFile(kh, `[127.0.0.1]:${sshd.port} ${ecdsa.publicKey}\n`);
        expect(await ping(pipelineFor(transport(own(sshd, { knownHosts: kh }))))).toBe(200);
      } finally {
        await sshd.stop();
      }
    });
  });

  describe('authentication', () => {
    it('authenticates with ssh-agent (agent: socket path, no privateKey), and kills the agent after', async () => {
      const agent = await startAgent([engine.ssh.privateKeyPath]);
      try {
        const t = transport(engineOptions({ privateKey: undefined, agent: agent.socketPath }));
        expect(await ping(pipelineFor(t))).toBe(200);
        await t.close();
        // SSH_AUTH_SOCK, as ssh does, when no agent option is given
        const saved = process.env.SSH_AUTH_SOCK;
        process.env.SSH_AUTH_SOCK = agent.socketPath;
        try {
          expect(await ping(pipelineFor(transport(engineOptions({ privateKey: undefined, agent: undefined }))))).toBe(200);
        } finally {
          if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
          else process.env.SSH_AUTH_SOCK = saved;
        }
      } finally {
        await agent.stop();
      }
    });

    it('decrypts a passphrase-protected key', async () => {
      const t = transport(engineOptions({ privateKey: engine.ssh.passphraseKeyPath, passphrase: engine.ssh.passphrase }));
      expect(await ping(pipelineFor(t))).toBe(200);
    });

    it('a wrong or missing passphrase is a clear error, before any connection', async () => {
      const wrong = transport(engineOptions({ privateKey: engine.ssh.passphraseKeyPath, passphrase: 'not-it' }));
      const err = await rejection(ping(pipelineFor(wrong)));
      expect(err).toBeInstanceOf(ConnectionError);
      expect(err.reason).toBe('key-unusable');
      expect(err.message).toMatch(/cannot decrypt the private key .*id_ed25519_pass.*wrong passphrase/);
      expect(err.message).not.toContain('not-it');
      expect(wrong.stats().handshakes).toBe(0);
      const missing = await rejection(transport(engineOptions({ privateKey: engine.ssh.passphraseKeyPath })).connect({}));
      expect(missing.message).toMatch(/is encrypted: pass its passphrase/);
      const nofile = await rejection(transport(engineOptions({ privateKey: join(tmp, 'no-such-key') })).connect({}));
      expect(nofile.message).toMatch(/cannot read the private key file/);
    });

    it('a key the server does not know: auth failed, naming what was tried and what the server accepts', async () => {
      const stranger = await makeKey(tmp, 'stranger');
      const fp = await sshKeygenFingerprint(`${stranger.path}.pub`);
      // key material (not a path) works too
      const t = transport(engineOptions({ privateKey: await readFile(stranger.path) }));
      const err = await rejection(ping(pipelineFor(t)));
      expect(err).toBeInstanceOf(ConnectionError);
      expect(err.connectFailed).toBe(true);
      expect(err.reason).toBe('auth-failed');
      expect(err.message).toContain(`"root" to 127.0.0.1:${engine.ssh.port}`);
      expect(err.message).toContain(`publickey privateKey (ssh-ed25519 ${fp})`);
      expect(err.message).toContain('the server accepts: publickey');
    });

    it('no key, no agent: auth failed, saying there was nothing to try', async () => {
      const saved = process.env.HOME;
      process.env.HOME = tmp; // no ~/.ssh/id_* there
      try {
        const err = await rejection(transport(engineOptions({ privateKey: undefined })).connect({}));
        expect(err.reason).toBe('auth-failed');
        expect(err.message).toMatch(/no method to try/);
      } finally {
        process.env.HOME = saved;
      }
    });
  });

  describe('~/.ssh/config', { timeout: 60_000 }, () => {
    it('resolves a Host alias: HostName, Port, User, IdentityFile', async () => {
      const configFile = join(tmp, 'ssh_config');
      await writeFile(
        configFile,
        [
          'Host dockline-engine',
          '  HostName 127.0.0.1',
          `  Port ${engine.ssh.port}`,
          '  User root',
          `  IdentityFile ${engine.ssh.privateKeyPath}`,
          '  IdentitiesOnly yes',
          '',
          'Host *',
          '  User nobody-here',
          '',
        ].join('\n'),
      );
      const t = transport({ host: 'dockline-engine', configFile, knownHosts: engine.ssh.knownHostsPath, socketPath: engine.socketPath, agent: false });
      expect(t.endpoint).toBe(`ssh://dockline-engine${engine.socketPath}`);
      expect(await ping(pipelineFor(t))).toBe(200);
      expect(t.stats().mode).toBe('streamlocal'); // auto, with the socket there
    });

    it('follows ProxyJump through a jump host (both hops authenticated and host-key checked)', async () => {
      const jump = await startSshd(engine);
      try {
        const kh = join(tmp, 'jump_known_hosts');
        await writeFile(kh, (await readFile(jump.knownHostsPath, 'utf8')) + (await readFile(engine.ssh.knownHostsPath, 'utf8')));
        const configFile = join(tmp, 'jump_config');
        await writeFile(
          configFile,
          [
            'Host jumpbox',
            '  HostName 127.0.0.1',
            `  Port ${jump.port}`,
            'Host behind',
            '  HostName 127.0.0.1',
            `  Port ${engine.ssh.port}`,
            '  ProxyJump root@jumpbox',
            'Host *',
            '  User root',
            `  IdentityFile ${engine.ssh.privateKeyPath}`,
            '',
          ].join('\n'),
        );
        const before = await jump.acceptedCount();
        const t = transport({ host: 'behind', configFile, knownHosts: kh, socketPath: engine.socketPath, agent: false, mode: 'streamlocal' });
        const p = pipelineFor(t);
        for (let i = 0; i < 20; i++) expect(await ping(p)).toBe(200);
        expect((await jump.acceptedCount()) - before).toBe(1);
        expect(t.stats().handshakes).toBe(1);
        // the jump host's key is checked too
        await writeFile(kh, await readFile(engine.ssh.knownHostsPath, 'utf8'));
        const err = await rejection(transport({ host: 'behind', configFile, knownHosts: kh, socketPath: engine.socketPath, agent: false }).connect({}));
        expect(err.reason).toBe('host-key-unknown');
        expect(err.message).toContain(`[127.0.0.1]:${jump.port}`);
        await t.close();
      } finally {
        await jump.stop();
      }
    });
  });

  describe('errors', { timeout: 60_000 }, () => {
    it('streamlocal: a wrong socket path names the path', async () => {
      const t = transport(engineOptions({ socketPath: '/run/dockline-no-such.sock' }));
      const err = await rejection(ping(pipelineFor(t)));
      expect(err).toBeInstanceOf(ConnectionError);
      expect(err.connectFailed).toBe(true);
      expect(err.reason).toBe('socket-not-found');
      expect(err.message).toContain('there is no socket at /run/dockline-no-such.sock on the remote');
      expect(err.message).toContain(t.endpoint);
    });

    it('dial-stdio: a remote without the docker CLI (PATH=/nonexistent) is named as such', async () => {
      const sshd = await startSshd(engine, { setEnv: 'PATH=/nonexistent' });
      try {
        const t = transport(own(sshd, { mode: 'dial-stdio', socketPath: undefined }));
        const err = await rejection(ping(pipelineFor(t)));
        expect(err).toBeInstanceOf(ConnectionError);
        expect(err.reason).toBe('no-docker-cli');
        expect(err.connectFailed).toBe(true);
        expect(err.message).toMatch(/no docker CLI .*exited with 127.*command not found/s);

        // auto: no /var/run/docker.sock there either: the message says what both attempts met
        const auto = transport(own(sshd, { mode: 'auto', socketPath: undefined }));
        const both = await rejection(ping(pipelineFor(auto)));
        expect(both.reason).toBe('no-docker-cli');
        expect(both.message).toMatch(/tried streamlocal first: .*\/var\/run\/docker\.sock/);
      } finally {
        await sshd.stop();
      }
    });

    it('dial-stdio: dialStdioCommand runs what it is told (a missing command here)', async () => {
      const t = transport(engineOptions({ mode: 'dial-stdio', socketPath: undefined, dialStdioCommand: 'dockline-no-such-docker system dial-stdio' }));
      const err = await rejection(ping(pipelineFor(t)));
      expect(err.reason).toBe('no-docker-cli');
      expect(err.message).toContain('dockline-no-such-docker');
    });

    it('dial-stdio: a daemon that is not there is the remote docker CLI error', async () => {
      const t = transport(engineOptions({ mode: 'dial-stdio', socketPath: '/run/dockline-no-such.sock' }));
      const err = await rejection(ping(pipelineFor(t)));
      expect(err.reason).toBe('dial-stdio-failed');
      expect(err.message).toContain('/run/dockline-no-such.sock');
    });

    it('sshd refusing streamlocal forwarding: streamlocal says why, auto falls back to dial-stdio', async () => {
      const sshd = await startSshd(engine, { extraConfig: ['AllowStreamLocalForwarding no'] });
      try {
        const err = await rejection(ping(pipelineFor(transport(own(sshd, { mode: 'streamlocal' })))));
        expect(err.reason).toBe('channel-refused');
        expect(err.message).toMatch(/AllowStreamLocalForwarding/);
        const auto = transport(own(sshd, { mode: 'auto' }));
        const p = pipelineFor(auto);
        expect(await ping(p)).toBe(200);
        expect(auto.stats().mode).toBe('dial-stdio'); // remembered
        expect(await ping(p)).toBe(200);
      } finally {
        await sshd.stop();
      }
    });

    it("dial-stdio: sshd's MaxSessions reached is a clear error", async () => {
      const sshd = await startSshd(engine, { extraConfig: ['MaxSessions 1'] });
      try {
        const t = transport(own(sshd, { mode: 'dial-stdio', socketPath: undefined }));
        const first = await t.connect({});
        const err = await rejection(t.connect({}));
        expect(err.reason).toBe('channel-refused');
        expect(err.message).toMatch(/MaxSessions/);
        expect(t.stats().handshakes).toBe(1); // a refusal is not a dead session
        expect(await rawPing(first)).toMatch(/^HTTP\/1\.1 200 OK/);
      } finally {
        await sshd.stop();
      }
    });

    it('a closed port fails fast', async () => {
      const port = await freePort();
      const t = transport(engineOptions({ port }));
      // Refused at once (ECONNREFUSED, reason 'unreachable'), not left to the connect timeout.
      const err = await rejection(ping(pipelineFor(t)));
      expect(err).toBeInstanceOf(ConnectionError);
      expect(err.connectFailed).toBe(true);
      expect(err.reason).toBe('unreachable');
      expect(err.message).toContain(`127.0.0.1:${port}`);
      expect(err.message).toContain('ECONNREFUSED');
    });

    it('a server that accepts and never speaks SSH: connect timeout naming the limit', async () => {
      const silent = await silentServer();
      try {
        const t = transport(engineOptions({ port: silent.port, connectTimeoutMs: 500 }));
        const started = Date.now();
        const err = await rejection(ping(pipelineFor(t)));
        const elapsed = Date.now() - started;
        expect(elapsed).toBeGreaterThanOrEqual(450); // the limit is honoured, not cut short
        expect(err).toBeInstanceOf(ConnectionError);
        expect(err.connectFailed).toBe(true);
        expect(err.reason).toBe('timeout');
        expect(err.timeoutMs).toBe(500);
        expect(err.message).toMatch(/within 500 ms \(connectTimeoutMs\), stuck at: SSH handshake/);
      } finally {
        await silent.close();
      }
    });

    it('an abort while the session is being established rejects at once with AbortError; others are not affected', async () => {
      const silent = await silentServer();
      try {
        const t = transport(engineOptions({ port: silent.port, connectTimeoutMs: 1500 }));
        const ac = new AbortController();
        const aborted = t.connect({ signal: ac.signal });
        const other = t.connect({});
        setTimeout(() => ac.abort(), 100);
        // Ordering, not milliseconds: the aborted caller settles before the shared handshake times out.
        const order: string[] = [];
        const abortedErr = rejection(aborted).then((e) => (order.push('aborted'), e));
        const otherErr = rejection(other).then((e) => (order.push('other'), e));
        const err = await abortedErr;
        expect(err).toBeInstanceOf(AbortError);
        expect((await otherErr).reason).toBe('timeout'); // the shared handshake went on
        expect(order).toEqual(['aborted', 'other']);
        expect(t.stats()).toMatchObject({ handshakes: 0, handshakeFailures: 1 });
      } finally {
        await silent.close();
      }
    });
  });
});
