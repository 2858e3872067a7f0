// A private sshd on loopback, so ssh:// transports reach the private dockerd: either via
// `docker system dial-stdio` on the remote (SetEnv DOCKER_HOST points it at our socket)
// or via a direct-streamlocal channel to the socket (AllowStreamLocalForwarding).
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import type { Tools } from './apt.ts';
import {
  findProcesses,
  freePort,
  isAlive,
  isOurProcess,
  portIsFree,
  readPidFile,
  removeFile,
  run,
  sleep,
  spawnDetached,
  tail,
  terminate,
  terminateAll,
} from './proc.ts';
import { SSH_PASSPHRASE, type Layout } from './state.ts';

const exists = (p: string) => access(p).then(() => true, () => false);

/** Throwaway host key and two client keys (one plain, one with a passphrase), reused when present. */
export async function ensureSshKeys(tools: Tools, l: Layout, log: (line: string) => void): Promise<void> {
  const s = l.ssh;
  await mkdir(s.dir, { recursive: true, mode: 0o700 });
  const keys: Array<[path: string, passphrase: string, comment: string]> = [
    [s.hostKey, '', 'dockline-host'],
    [s.clientKey, '', 'dockline-client'],
    [s.passKey, SSH_PASSPHRASE, 'dockline-client-passphrase'],
  ];
  for (const [path, passphrase, comment] of keys) {
    if ((await exists(path)) && (await exists(`${path}.pub`))) continue;
    log(`generating ssh key ${path}`);
    await removeFile(path);
    await removeFile(`${path}.pub`);
    await run(tools.sshKeygen, ['-q', '-t', 'ed25519', '-N', passphrase, '-C', comment, '-f', path]);
  }
  const authorized =
    (await Promise.all([s.clientKey, s.passKey].map((k) => readFile(`${k}.pub`, 'utf8'))))
      .map((k) => k.trim())
      .join('\n') + '\n';
  // Rewritten only when it differs: sshd reads it at every login.
  if ((await readFile(s.authorizedKeys, 'utf8').catch(() => '')) !== authorized)
    await writeFile(s.authorizedKeys, authorized, { mode: 0o600 });
}

/** "ssh-ed25519 AAAA..." without the comment. */
export async function hostPublicKey(l: Layout): Promise<string> {
  return (await readFile(`${l.ssh.hostKey}.pub`, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
}

/** Reads the SSH banner: sshd is up and it is an SSH server on that port. */
function banner(port: number, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    let buf = '';
    s.setTimeout(timeoutMs, () => {
      s.destroy();
      reject(new Error(`no SSH banner on 127.0.0.1:${port} within ${timeoutMs} ms`));
    });
    s.on('data', (b: Buffer) => {
      buf += b.toString('latin1');
      if (buf.includes('\n')) {
        s.destroy();
        resolve(buf.split('\n')[0]!.trim());
      }
    });
    s.once('error', reject);
  });
}

export async function checkSshd(l: Layout, port: number | undefined, problems: string[]): Promise<{ pid: number } | undefined> {
  const pid = await readPidFile(l.ssh.pidFile);
  if (!isOurProcess(pid, 'sshd')) {
    problems.push(pid ? `sshd pid ${pid} is not running` : 'sshd is not running');
    return undefined;
  }
  if (!port) {
    problems.push('sshd port missing from state.json');
    return undefined;
  }
  try {
    const b = await banner(port);
    if (!b.startsWith('SSH-2.0-')) throw new Error(`unexpected banner ${JSON.stringify(b)}`);
  } catch (e) {
    problems.push(`sshd pid ${pid} on 127.0.0.1:${port}: ${(e as Error).message}`);
    return undefined;
  }
  return { pid };
}

export async function stopSshd(l: Layout): Promise<void> {
  const pid = await readPidFile(l.ssh.pidFile);
  // Only the listener (sessions' command lines don't name our config): open sessions end on their own.
  await terminateAll([isOurProcess(pid, 'sshd') ? pid : undefined, ...(await findProcesses(l.ssh.config, 'sshd'))], 10_000);
  await removeFile(l.ssh.pidFile);
}

export async function startSshd(
  tools: Tools,
  l: Layout,
  opts: { port?: number; log: (line: string) => void },
): Promise<{ pid: number; port: number }> {
  await stopSshd(l);
  const s = l.ssh;
  // sshd refuses to start without its privilege-separation directory.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const port = opts.port && (await portIsFree(opts.port)) ? opts.port : await freePort();
  await writeFile(
    s.config,
    [
      `ListenAddress 127.0.0.1`,
      `Port ${port}`,
      `HostKey ${s.hostKey}`,
      `PidFile ${s.pidFile}`,
      `AuthorizedKeysFile ${s.authorizedKeys}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      // PAM's session modules (pam_loginuid) fail in containers; keys need no PAM.
      'UsePAM no',
      // Our files live in /tmp, which StrictModes would reject.
      'StrictModes no',
      'AllowStreamLocalForwarding yes',
      'AllowTcpForwarding yes',
      // VERBOSE logs one "Accepted publickey" line per connection: tests count them.
      'LogLevel VERBOSE',
      // Connection-per-request clients (dockerode) open many at once; the default
      // MaxStartups 10:30:100 would drop some of them at random.
      'MaxStartups 200',
      'MaxSessions 200',
      'PrintMotd no',
      'UseDNS no',
      `SetEnv DOCKER_HOST=unix://${l.docker.socket}`,
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'),
  );
  // -t first: a config error then reads as such, not as a daemon that died.
  await run(tools.sshd, ['-t', '-f', s.config]);
  opts.log(`starting sshd on 127.0.0.1:${port}`);
  // -D: no fork, so the pid we spawn is the listener; -E: log to our file.
  const pid = await spawnDetached(tools.sshd, ['-D', '-f', s.config, '-E', s.log], `${s.log}.out`);
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (!isAlive(pid)) throw new Error(`sshd exited during startup. Tail of ${s.log}:\n${await tail(s.log)}`);
    if ((await readPidFile(s.pidFile)) === pid) {
      try {
        await banner(port, 1000);
        return { pid, port };
      } catch {
        /* not listening yet */
      }
    }
    if (Date.now() > deadline) {
      await terminate(pid);
      throw new Error(`sshd did not come up on 127.0.0.1:${port} within 10 s. Tail of ${s.log}:\n${await tail(s.log)}`);
    }
    await sleep(100);
  }
}

/** known_hosts in OpenSSH's [host]:port form for non-22 ports. */
export async function writeKnownHosts(l: Layout, port: number): Promise<string> {
  const key = await hostPublicKey(l);
  await writeFile(l.ssh.knownHosts, `[127.0.0.1]:${port} ${key}\n`);
  return key;
}

/** ssh client arguments that trust only our known_hosts and use only our key. */
export function sshArgs(l: Layout, port: number, key = l.ssh.clientKey): string[] {
  return [
    '-F', '/dev/null',
    '-i', key,
    '-p', String(port),
    '-o', `UserKnownHostsFile=${l.ssh.knownHosts}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'BatchMode=yes',
    '-o', 'ConnectTimeout=10',
    'root@127.0.0.1',
  ];
}

/**
 * The path ssh:// transports take: `docker system dial-stdio` on the remote end, with our
 * SetEnv'd DOCKER_HOST, speaking raw HTTP to the private daemon.
 */
export async function verifyDialStdio(tools: Tools, l: Layout, port: number): Promise<void> {
  const req = 'GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n';
  let out: string;
  try {
    ({ stdout: out } = await run(tools.ssh, [...sshArgs(l, port), 'docker', 'system', 'dial-stdio'], {
      input: req,
      timeoutMs: 20_000,
    }));
  } catch (e) {
    throw new Error(`ssh + docker system dial-stdio failed: ${(e as Error).message}\nTail of ${l.ssh.log}:\n${await tail(l.ssh.log)}`);
  }
  if (!/^HTTP\/1\.1 200/.test(out) || !out.trimEnd().endsWith('OK')) {
    throw new Error(`ssh + docker system dial-stdio: unexpected answer to /_ping: ${JSON.stringify(out.slice(0, 300))}`);
  }
}
