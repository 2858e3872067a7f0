// Test support (not published): a private sshd of our own, next to the engine's, for tests
// that count connections, kill sessions or need another sshd configuration; an ssh-agent;
// throwaway keys. Everything runs from a temp folder and is stopped by pid.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { access, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** What these helpers need of tools/engine's EngineInfo (structural: no import of a tool from package code). */
export interface EngineSsh {
  socketPath: string;
  ssh: { publicKeyPath: string; passphraseKeyPath: string };
}

const run = promisify(execFile);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exists = (p: string) => access(p).then(() => true, () => false);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function tempDir(prefix = 'dockline-ssh-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A throwaway ed25519 (or other) key pair: { path, publicKey "type base64" }. */
export async function makeKey(dir: string, name: string, type: 'ed25519' | 'ecdsa' | 'rsa' = 'ed25519', passphrase = ''): Promise<{ path: string; publicKey: string }> {
  const path = join(dir, name);
  await run('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', passphrase, '-C', name, '-f', path]);
  const pub = (await readFile(`${path}.pub`, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
  return { path, publicKey: pub };
}

/** `ssh-keygen -lf file.pub` -> "SHA256:..." */
export async function sshKeygenFingerprint(pubPath: string): Promise<string> {
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubPath]);
  return stdout.split(/\s+/)[1]!;
}

export interface PrivateSshd {
  port: number;
  pid: number;
  dir: string;
  logPath: string;
  hostKeyPath: string;
  /** "ssh-ed25519 AAAA..." */
  hostPublicKey: string;
  /** known_hosts with this sshd's key as [127.0.0.1]:PORT */
  knownHostsPath: string;
  /** "Accepted publickey" lines in the log so far: one per authenticated connection. */
  acceptedCount(): Promise<number>;
  /** Processes serving connections (every descendant of the listener). */
  sessionPids(): Promise<number[]>;
  stop(): Promise<void>;
}

function banner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    const t = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, 1000);
    s.once('data', (b: Buffer) => {
      clearTimeout(t);
      s.destroy();
      resolve(b.toString('latin1').startsWith('SSH-2.0-'));
    });
    s.once('error', () => {
      clearTimeout(t);
      resolve(false);
    });
  });
}

/** Every descendant of `pid`, from /proc. */
export async function descendants(pid: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = parents.get(ppid) ?? [];
      list.push(Number(name));
      parents.set(ppid, list);
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of parents.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface SshdOptions {
  /** Extra sshd_config lines (MaxSessions 1, AllowStreamLocalForwarding no...). */
  extraConfig?: string[];
  /** SetEnv value; default DOCKER_HOST=unix://<engine socket>. */
  setEnv?: string;
  /** Public keys allowed in, besides the engine's two client keys. */
  extraAuthorizedKeys?: string[];
}

/** An sshd of our own on loopback, configured as ENGINE.md describes (-D, so its pid is the listener). */
export async function startSshd(engine: EngineSsh, opts: SshdOptions = {}): Promise<PrivateSshd> {
  const dir = await tempDir('dockline-sshd-');
  const hostKey = await makeKey(dir, 'host_ed25519');
  const authorized = [
    (await readFile(engine.ssh.publicKeyPath, 'utf8')).trim(),
    (await readFile(`${engine.ssh.passphraseKeyPath}.pub`, 'utf8')).trim(),
    ...(opts.extraAuthorizedKeys ?? []),
  ];
  await writeFile(join(dir, 'authorized_keys'), `${authorized.join('\n')}\n`, { mode: 0o600 });
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const logPath = join(dir, 'sshd.log');
  for (let tries = 0; ; tries++) {
    const port = await freePort();
    const config = join(dir, 'sshd_config');
    await writeFile(
      config,
      [
        'ListenAddress 127.0.0.1',
        `Port ${port}`,
        `HostKey ${hostKey.path}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        'UsePAM no',
        'StrictModes no',
        'AllowTcpForwarding yes',
        'LogLevel VERBOSE',
        'MaxStartups 200',
        'PrintMotd no',
        'UseDNS no',
        `SetEnv ${opts.setEnv ?? `DOCKER_HOST=unix://${engine.socketPath}`}`,
        ...(opts.extraConfig ?? []),
        // first value wins in sshd_config: these defaults come after the extras
        'AllowStreamLocalForwarding yes',
        'MaxSessions 200',
        '',
      ].join('\n'),
    );
    await run('/usr/sbin/sshd', ['-t', '-f', config]);
    const child: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-f', config, '-E', logPath], { stdio: 'ignore', detached: true });
    child.unref();
    const pid = child.pid!;
    const deadline = Date.now() + 5000;
    let up = false;
    while (Date.now() < deadline && isAlive(pid)) {
      if (await banner(port)) {
        up = true;
        break;
      }
      await sleep(50);
    }
    if (!up) {
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      if (tries < 3) continue; // the port was taken in between: another one
      throw new Error(`private sshd did not start: ${await readFile(logPath, 'utf8').catch(() => '')}`);
    }
    const knownHostsPath = join(dir, 'known_hosts');
    await writeFile(knownHostsPath, `[127.0.0.1]:${port} ${hostKey.publicKey}\n`);
    return {
      port,
      pid,
      dir,
      logPath,
      hostKeyPath: hostKey.path,
      hostPublicKey: hostKey.publicKey,
      knownHostsPath,
      async acceptedCount() {
        const log = await readFile(logPath, 'utf8').catch(() => '');
        return log.split('\n').filter((l) => l.includes('Accepted publickey')).length;
      },
      sessionPids: () => descendants(pid),
      async stop() {
        for (const p of [...(await descendants(pid)), pid]) {
          try {
            process.kill(p, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}

/** Wait until a condition holds (polling), or throw after `ms`. */
export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export interface Agent {
  socketPath: string;
  pid: number;
  stop(): Promise<void>;
}

/** `ssh-agent -D -a <sock>` in the foreground (so we own its pid), with the given keys added. */
export async function startAgent(keys: string[]): Promise<Agent> {
  const dir = await tempDir('dockline-agent-');
  const socketPath = join(dir, 'agent.sock');
  const child = spawn('ssh-agent', ['-D', '-a', socketPath], { stdio: 'ignore' });
  const pid = child.pid!;
  await waitFor('ssh-agent socket', () => exists(socketPath));
  for (const key of keys) await run('ssh-add', ['-q', key], { env: { ...process.env, SSH_AUTH_SOCK: socketPath } });
  return {
    socketPath,
    pid,
    async stop() {
      if (isAlive(pid)) process.kill(pid, 'SIGTERM');
      await waitFor('ssh-agent exit', () => child.exitCode !== null || child.signalCode !== null, 3000).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP server that accepts and never says a word (not an SSH server): for connect timeouts. */
export async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<import('node:net').Socket>();
  const srv = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return {
    port: (srv.address() as { port: number }).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}
