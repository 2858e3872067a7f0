import type { Duplex } from 'node:stream';
import { AbortError, InvalidParameterError, abortError, raceCall, type Transport } from '@dockline/core';
import type { BaseAgent, ClientChannel } from 'ssh2';
import type SSHConfig from 'ssh-config';
import { planAuth } from './auth.js';
import { ChannelStream, type DialStdioExit } from './channel-stream.js';
import { sshError, SshConnectionError } from './errors.js';
import {
  appendKnownHost,
  checkHostKey,
  fingerprint,
  keyTypeOf,
  knownHostsName,
  knownKeyTypes,
  loadKnownHosts,
  type KnownHostEntry,
} from './known-hosts.js';
import {
  DEFAULT_GLOBAL_KNOWN_HOSTS,
  defaultUserKnownHosts,
  resolveChain,
  type HostKeyPolicy,
  type ResolvedHop,
} from './resolve.js';
import { ChannelTimeoutError, establishSession, SessionDeadError, type HopPlan, type SshSession } from './session.js';
import { expandHome, home, loadSshConfig, SYSTEM_CONFIG_FILE } from './ssh-config.js';
import { formatSshEndpoint, parseSshUrl } from './url.js';

export type { HostKeyPolicy } from './resolve.js';

/** How bytes reach the daemon over the SSH connection. */
export type SshMode = 'streamlocal' | 'dial-stdio' | 'auto';

export const DEFAULT_REMOTE_SOCKET = '/var/run/docker.sock';
export const DEFAULT_CONNECT_TIMEOUT_MS = 20_000;
export const DEFAULT_DIAL_STDIO_COMMAND = 'docker system dial-stdio';

export interface SshTransportOptions {
  /** Host name, IP, an alias of your SSH config, or a whole `ssh://user@host:port/socket` URL. */
  host: string;
  /** Default: the SSH config's Port, else 22. */
  port?: number | undefined;
  /** Default: the SSH config's User, else the local user name. */
  username?: string | undefined;
  /** A private key: its contents (Buffer, or a string holding the PEM/OpenSSH text) or a path to the key file. */
  privateKey?: string | Buffer | undefined;
  /** Passphrase of an encrypted key (privateKey or IdentityFile keys). */
  passphrase?: string | Buffer | undefined;
  /** ssh-agent socket path (or an ssh2 agent). Default: IdentityAgent, else $SSH_AUTH_SOCK. `false`: no agent. */
  agent?: string | false | BaseAgent | undefined;
  /** known_hosts file(s). Default: the SSH config's UserKnownHostsFile, else ~/.ssh/known_hosts (plus /etc/ssh/ssh_known_hosts, read-only). */
  knownHosts?: string | readonly string[] | undefined;
  /** Default 'strict' (or StrictHostKeyChecking of the SSH config). */
  hostKeyPolicy?: HostKeyPolicy | undefined;
  /** Default 'auto': streamlocal, falling back to dial-stdio. */
  mode?: SshMode | undefined;
  /** The daemon's socket on the remote. Default /var/run/docker.sock (streamlocal); dial-stdio passes it as --host when given. */
  socketPath?: string | undefined;
  /** SSH config file. Default ~/.ssh/config (and /etc/ssh/ssh_config); a missing file is fine; `false`: none. */
  configFile?: string | false | undefined;
  /** Deadline for TCP connect + SSH handshake + authentication (and for each channel open). Default: ConnectTimeout of the config, else 20 s. */
  connectTimeoutMs?: number | undefined;
  /** The remote command for dial-stdio. Default `docker system dial-stdio` (with `--host unix://<socketPath>` when socketPath is given). */
  dialStdioCommand?: string | undefined;
  /** SSH keepalive interval (ms). Default: ServerAliveInterval of the config, else off. */
  keepaliveIntervalMs?: number | undefined;
  /** ssh2 debug output, line by line. */
  debug?: ((line: string) => void) | undefined;
}

export interface SshTransportStats {
  /** SSH sessions established (TCP + handshake + auth), the first one included. */
  handshakes: number;
  /** Attempts to establish a session that failed. */
  handshakeFailures: number;
  /** Sessions established after an earlier one was lost. */
  reconnects: number;
  /** Sessions lost while in use (the peer or the network closed them). */
  sessionsLost: number;
  /** Channels opened (one per HTTP connection and per hijacked stream). */
  channelsOpened: number;
  /** Channels open right now. */
  openChannels: number;
  /** Whether an SSH session is up right now. */
  connected: boolean;
  /** The mode in use: the configured one, or what `auto` found ('undecided' until then). */
  mode: 'streamlocal' | 'dial-stdio' | 'undecided';
}

export interface SshTransport extends Transport {
  readonly kind: 'ssh';
  readonly mode: SshMode;
  /** Counters, for tests and diagnostics. */
  stats(): SshTransportStats;
}

const MODES: readonly SshMode[] = ['streamlocal', 'dial-stdio', 'auto'];
const POLICIES: readonly HostKeyPolicy[] = ['strict', 'accept-new', 'insecure'];
// ssh2's default order (Node 20 supports ed25519); known types are moved to the front.
const DEFAULT_HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

function algorithmsFor(keyType: string): string[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType];
}

/** OpenSSH's answer to a channel it could not open (SSH2_OPEN_CONNECT_FAILED). */
function isOpenFailed(err: unknown): boolean {
  const e = err as { reason?: unknown; message?: string } | undefined;
  return e?.reason === 2 || /open failed|connect failed/i.test(e?.message ?? '');
}

/** POSIX shell single quotes. */
function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}


/**
 * The Docker daemon on another machine, over ONE SSH connection: each HTTP connection and
 * each hijacked stream is a channel on it (direct-streamlocal to the daemon's socket, or
 * `docker system dial-stdio`). The session is opened on first use, re-opened when it
 * drops, and closed by close().
 */
export function sshTransport(options: SshTransportOptions): SshTransport {
  if (options === null || typeof options !== 'object') throw new InvalidParameterError('dockline: sshTransport(options) needs an options object');
  let { host, port, username, socketPath } = options;
  if (typeof host !== 'string' || host.trim() === '') throw new InvalidParameterError('dockline: sshTransport({ host }) needs a host name');
  if (/^ssh:\/\//i.test(host)) {
    const u = parseSshUrl(host);
    host = u.host;
    port ??= u.port;
    username ??= u.username;
    socketPath ??= u.socketPath;
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) {
    throw new InvalidParameterError(`dockline: sshTransport({ host }) takes a host name or an ssh:// URL, not ${JSON.stringify(host.replace(/\/\/[^@/]*@/, '//'))}`);
  }
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new InvalidParameterError(`dockline: sshTransport({ port }) must be an integer from 1 to 65535, got ${String(port)}`);
  }
  const mode: SshMode = options.mode ?? 'auto';
  if (!MODES.includes(mode)) throw new InvalidParameterError(`dockline: sshTransport({ mode }) must be one of ${MODES.join(', ')}, got ${String(mode)}`);
  if (options.hostKeyPolicy !== undefined && !POLICIES.includes(options.hostKeyPolicy)) {
    throw new InvalidParameterError(`dockline: sshTransport({ hostKeyPolicy }) must be one of ${POLICIES.join(', ')}, got ${String(options.hostKeyPolicy)}`);
  }
  if (options.connectTimeoutMs !== undefined && !(Number.isFinite(options.connectTimeoutMs) && options.connectTimeoutMs > 0)) {
    throw new InvalidParameterError(`dockline: sshTransport({ connectTimeoutMs }) must be a positive number, got ${String(options.connectTimeoutMs)}`);
  }
  if (socketPath !== undefined && (typeof socketPath !== 'string' || !socketPath.startsWith('/'))) {
    throw new InvalidParameterError(`dockline: sshTransport({ socketPath }) must be an absolute path on the remote, got ${JSON.stringify(socketPath)}`);
  }
  const endpoint = formatSshEndpoint({ host, port, username, socketPath });
  const state = new SshConnection({ ...options, host, port, username, socketPath, mode }, endpoint);
  return {
    kind: 'ssh',
    endpoint,
    host: host.includes(':') ? `[${host}]` : host,
    networkTransport: 'tcp',
    mode,
    connect: ({ signal } = {}) => state.connect(signal),
    close: () => state.close(),
    stats: () => state.stats(),
  };
}

type Resolved = Required<Pick<SshTransportOptions, 'host' | 'mode'>> & SshTransportOptions;

class SshConnection {
  private session: SshSession | undefined;
  private pending: Promise<SshSession> | undefined;
  private closed = false;
  private hadSession = false;
  private autoMode: 'streamlocal' | 'dial-stdio' | undefined;
  private readonly counters = { handshakes: 0, handshakeFailures: 0, reconnects: 0, sessionsLost: 0, channelsOpened: 0 };
  private openChannels = 0;
  private timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS;

  constructor(
    private readonly opts: Resolved,
    private readonly endpoint: string,
  ) {}

  stats(): SshTransportStats {
    return {
      ...this.counters,
      openChannels: this.openChannels,
      connected: this.session?.alive === true,
      mode: this.opts.mode === 'auto' ? (this.autoMode ?? 'undecided') : this.opts.mode,
    };
  }

  async connect(signal: AbortSignal | undefined): Promise<Duplex> {
    if (this.closed) throw this.closedError();
    if (signal?.aborted) throw abortError(signal, 'connect', this.endpoint);
    for (let attempt = 0; ; attempt++) {
      const session = await this.acquire(signal);
      try {
        const stream = await this.openOn(session);
        if (signal?.aborted) {
          stream.destroy();
          throw abortError(signal, 'connect', this.endpoint);
        }
        return stream;
      } catch (err) {
        const dead = err instanceof SessionDeadError || err instanceof ChannelTimeoutError || !session.alive;
        if (dead && attempt === 0 && !this.closed) {
          // The session died under us (or stopped answering): one fresh session, once.
          session.destroy();
          continue;
        }
        throw this.channelError(err);
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const s = this.session;
    this.session = undefined;
    const pending = this.pending;
    if (pending) pending.then((late) => late.end(), () => undefined);
    if (s) await s.end();
  }

  private closedError(): SshConnectionError {
    return sshError(this.endpoint, 'closed', 'the transport is closed');
  }

  /** The live session, or the one being established (single flight), or a new one. */
  private acquire(signal: AbortSignal | undefined): Promise<SshSession> {
    if (this.session?.alive) return Promise.resolve(this.session);
    if (!this.pending) {
      const p = this.establish();
      this.pending = p;
      p.then(
        () => {
          if (this.pending === p) this.pending = undefined;
        },
        () => {
          if (this.pending === p) this.pending = undefined;
        },
      );
    }
    return raceCall(this.pending, { operation: 'connect', signal }, this.endpoint);
  }

  private async establish(): Promise<SshSession> {
    try {
      const configs = await this.loadConfigs();
      const chain = resolveChain(configs, { host: this.opts.host, port: this.opts.port, user: this.opts.username });
      const target = chain[chain.length - 1]!;
      this.timeoutMs = this.opts.connectTimeoutMs ?? target.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
      const { files, writeFile } = this.knownHostsFiles(target);
      const entries = this.hostKeyPolicy(target) === 'insecure' ? [] : await loadKnownHosts(files);
      const hops: HopPlan[] = [];
      for (const hop of chain) {
        hops.push({
          hop,
          auth: await planAuth(hop, this.opts, this.endpoint),
          verifyHostKey: (key) => this.verifyHostKey(hop, key, entries, files, writeFile),
          hostKeyAlgorithms: this.hostKeyAlgorithms(hop, entries),
        });
      }
      const session = await establishSession({
        endpoint: this.endpoint,
        hops,
        timeoutMs: this.timeoutMs,
        keepaliveIntervalMs: this.opts.keepaliveIntervalMs ?? target.serverAliveIntervalMs,
        keepaliveCountMax: target.serverAliveCountMax,
        debug: this.opts.debug,
      });
      if (this.closed) {
        session.destroy();
        throw this.closedError();
      }
      this.counters.handshakes++;
      if (this.hadSession) this.counters.reconnects++;
      this.hadSession = true;
      this.session = session;
      session.onDead(() => {
        if (this.session === session) {
          this.session = undefined;
          if (!this.closed) this.counters.sessionsLost++;
        }
      });
      return session;
    } catch (err) {
      this.counters.handshakeFailures++;
      throw err instanceof SshConnectionError
        ? err
        : sshError(this.endpoint, 'handshake-failed', (err as Error).message ?? String(err), { cause: err });
    }
  }

  private async loadConfigs(): Promise<SSHConfig[]> {
    const file = this.opts.configFile;
    if (file === false) return [];
    const configs: SSHConfig[] = [];
    try {
      const user = await loadSshConfig(file ?? `${home()}/.ssh/config`);
      if (user) configs.push(user);
      // As `ssh -F file`: an explicit file replaces the system one too.
      if (file === undefined) {
        const system = await loadSshConfig(SYSTEM_CONFIG_FILE, true);
        if (system) configs.push(system);
      }
    } catch (err) {
      throw sshError(this.endpoint, 'config', `cannot read the SSH config ${file ?? '~/.ssh/config'}: ${(err as Error).message}`, { cause: err });
    }
    return configs;
  }

  private hostKeyPolicy(hop: ResolvedHop): HostKeyPolicy {
    return this.opts.hostKeyPolicy ?? hop.strictHostKeyChecking ?? 'strict';
  }

  private knownHostsFiles(target: ResolvedHop): { files: string[]; writeFile: string | undefined } {
    const given = this.opts.knownHosts;
    if (given !== undefined) {
      const list = (typeof given === 'string' ? [given] : [...given]).map(expandHome);
      return { files: list, writeFile: list[0] };
    }
    const user = target.userKnownHostsFiles ?? defaultUserKnownHosts();
    const global = target.globalKnownHostsFiles ?? DEFAULT_GLOBAL_KNOWN_HOSTS;
    return { files: [...user, ...global], writeFile: user[0] };
  }

  private hostKeyName(hop: ResolvedHop): string {
    return hop.hostKeyAlias ?? knownHostsName(hop.hostName, hop.port);
  }

  private hostKeyAlgorithms(hop: ResolvedHop, entries: readonly KnownHostEntry[]): string[] | undefined {
    const known = knownKeyTypes(entries, this.hostKeyName(hop));
    if (known.length === 0) return undefined;
    const first = known.flatMap(algorithmsFor).filter((a) => DEFAULT_HOST_KEY_ALGORITHMS.includes(a));
    if (first.length === 0) return undefined;
    return [...first, ...DEFAULT_HOST_KEY_ALGORITHMS.filter((a) => !first.includes(a))];
  }

  private async verifyHostKey(
    hop: ResolvedHop,
    key: Buffer,
    entries: KnownHostEntry[],
    files: readonly string[],
    writeFile: string | undefined,
  ): Promise<SshConnectionError | undefined> {
    const policy = this.hostKeyPolicy(hop);
    if (policy === 'insecure') return undefined;
    const name = this.hostKeyName(hop);
    const type = keyTypeOf(key);
    const fp = fingerprint(key);
    const verdict = checkHostKey(entries, name, key);
    const where = files.length > 0 ? files.join(', ') : '(no known_hosts file)';
    switch (verdict.status) {
      case 'known':
        return undefined;
      case 'revoked':
        return sshError(
          this.endpoint,
          'host-key-revoked',
          `the SSH host key of ${name} (${type} ${fp}) is marked @revoked in ${verdict.entry.file}:${verdict.entry.line}: refusing to connect`,
        );
      case 'changed':
        return sshError(
          this.endpoint,
          'host-key-changed',
          `the SSH host key of ${name} has CHANGED: the server offered ${type} ${fp}, but ${verdict.entry.file}:${verdict.entry.line} holds ${verdict.entry.keyType} ${fingerprint(verdict.entry.key)}. ` +
            `Someone could be eavesdropping on you (man-in-the-middle), or the host key was just replaced. ` +
            `If you trust the new key, remove the old entry (ssh-keygen -R '${name}' -f ${verdict.entry.file}) and connect again`,
        );
      case 'unknown': {
        if (policy === 'accept-new' && writeFile) {
          const line = await appendKnownHost(writeFile, name, key, hop.hashKnownHosts);
          entries.push({ file: writeFile, line: 0, marker: undefined, hosts: line.split(' ')[0]!, keyType: type, key });
          return undefined;
        }
        const others = verdict.otherTypes.length > 0 ? ` (known_hosts has only ${verdict.otherTypes.join(', ')} keys for it)` : '';
        return sshError(
          this.endpoint,
          'host-key-unknown',
          `the SSH host key of ${name} is not known${others}: the server offered ${type} ${fp}, and hostKeyPolicy is '${policy}' (known_hosts: ${where}). ` +
            `Check that fingerprint, then add the key (ssh-keyscan${hop.port !== 22 ? ` -p ${hop.port}` : ''} ${hop.hostName} >> ${writeFile ?? '~/.ssh/known_hosts'}, or connect once with ssh), or use hostKeyPolicy 'accept-new'`,
        );
      }
    }
  }

  private dialStdioCommand(): string {
    if (this.opts.dialStdioCommand) return this.opts.dialStdioCommand;
    return this.opts.socketPath ? `docker --host ${shQuote(`unix://${this.opts.socketPath}`)} system dial-stdio` : DEFAULT_DIAL_STDIO_COMMAND;
  }

  private remoteSocket(): string {
    return this.opts.socketPath ?? DEFAULT_REMOTE_SOCKET;
  }

  private track(channel: ClientChannel): void {
    this.counters.channelsOpened++;
    this.openChannels++;
    channel.once('close', () => this.openChannels--);
  }

  private async openOn(session: SshSession): Promise<Duplex> {
    const mode = this.opts.mode;
    if (mode === 'streamlocal' || (mode === 'auto' && this.autoMode === 'streamlocal')) return this.openStreamLocal(session);
    if (mode === 'dial-stdio' || this.autoMode === 'dial-stdio') return this.openDialStdio(session, undefined);
    // auto, undecided: streamlocal first; a refused channel (no socket there, forwarding
    // disabled, not OpenSSH) falls back to dial-stdio.
    try {
      const ch = await this.openStreamLocal(session);
      this.autoMode = 'streamlocal';
      return ch;
    } catch (err) {
      if (!(err instanceof SshConnectionError) || (err.reason !== 'socket-not-found' && err.reason !== 'channel-refused')) throw err;
      return this.openDialStdio(session, err.message.replace(/^cannot connect to the Docker daemon at \S+ \(ssh\): /, ''));
    }
  }

  private async openStreamLocal(session: SshSession): Promise<Duplex> {
    const path = this.remoteSocket();
    let ch: ClientChannel;
    try {
      ch = await session.open('streamlocal', path, this.timeoutMs);
    } catch (err) {
      // OpenSSH answers "open failed" both when there is no socket and when it refuses
      // stream-local forwarding; in streamlocal mode, find out which (auto falls back anyway).
      const socketExists = this.opts.mode === 'streamlocal' && isOpenFailed(err) ? await this.probeSocket(session, path) : undefined;
      throw this.openFailure(err, 'streamlocal', path, socketExists);
    }
    this.track(ch);
    return new ChannelStream(ch);
  }

  /** `test -S path` on the remote: true / false, or undefined when that cannot be told. */
  private async probeSocket(session: SshSession, path: string): Promise<boolean | undefined> {
    let ch: ClientChannel;
    try {
      ch = await session.open('exec', `test -S ${shQuote(path)}`, Math.min(this.timeoutMs, 5000));
    } catch {
      return undefined;
    }
    return new Promise<boolean | undefined>((resolve) => {
      const timer = setTimeout(() => {
        ch.destroy();
        resolve(undefined);
      }, Math.min(this.timeoutMs, 5000));
      ch.on('exit', (code: number | null) => {
        clearTimeout(timer);
        resolve(code === 0 ? true : code === 1 ? false : undefined);
      });
      ch.on('close', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
      ch.resume();
      ch.stderr.resume();
      ch.end();
    });
  }

  private async openDialStdio(session: SshSession, streamlocalFailure: string | undefined): Promise<Duplex> {
    const command = this.dialStdioCommand();
    let ch: ClientChannel;
    try {
      ch = await session.open('exec', command, this.timeoutMs);
    } catch (err) {
      throw this.openFailure(err, 'dial-stdio', command);
    }
    this.track(ch);
    return new ChannelStream(ch, {
      onFirstByte: () => {
        if (this.opts.mode === 'auto') this.autoMode = 'dial-stdio';
      },
      onFailure: (exit) => this.dialStdioFailure(command, exit, streamlocalFailure),
    });
  }

  private dialStdioFailure(command: string, exit: DialStdioExit, streamlocalFailure: string | undefined): SshConnectionError {
    const stderr = exit.stderr.trim().slice(0, 1000);
    const status = exit.code !== undefined ? `exited with ${exit.code}` : `was killed by ${exit.signal}`;
    const before = streamlocalFailure ? ` (mode auto tried streamlocal first: ${streamlocalFailure})` : '';
    if (exit.code === 127 || /command not found|not found/i.test(stderr)) {
      return sshError(
        this.endpoint,
        'no-docker-cli',
        `the remote host has no docker CLI on its PATH: \`${command}\` ${status}${stderr ? ` (${stderr})` : ''}. ` +
          `Install the docker CLI there, or use mode 'streamlocal' with the daemon's socket path${before}`,
      );
    }
    // No byte came back: if it could not even reach the daemon, the request never got there.
    const neverReached = /cannot connect|connection refused|no such file|permission denied|dial unix/i.test(stderr);
    return sshError(this.endpoint, 'dial-stdio-failed', `\`${command}\` on the remote ${status}${stderr ? `: ${stderr}` : ''}${before}`, {
      connectFailed: neverReached,
    });
  }

  private openFailure(err: unknown, kind: 'streamlocal' | 'dial-stdio', target: string, socketExists?: boolean): Error {
    if (err instanceof SessionDeadError || err instanceof ChannelTimeoutError) return err;
    const e = err as Error & { reason?: number | string };
    const msg = e.message ?? String(err);
    if (kind === 'streamlocal') {
      const refused = `it may have AllowStreamLocalForwarding no (or DisableForwarding yes); use mode 'dial-stdio' (needs the docker CLI on the remote)`;
      if (isOpenFailed(err) && socketExists === true) {
        return sshError(
          this.endpoint,
          'channel-refused',
          `the remote sshd will not forward to the Docker socket ${target} (${msg}), which exists there: ${refused}`,
          { cause: err },
        );
      }
      if (isOpenFailed(err)) {
        const where = `the socket path (option socketPath, or the path of ssh://host/path)`;
        return sshError(
          this.endpoint,
          'socket-not-found',
          socketExists === false
            ? `there is no socket at ${target} on the remote (${msg}): is the Docker daemon running there, and is ${where} right?`
            : `the remote sshd cannot connect to the Docker socket ${target} (${msg}): is the daemon running on the remote, is ${where} right? Or the server refuses stream-local forwarding: ${refused}`,
          { cause: err },
        );
      }
      if (e.reason === 1 || /prohibited/i.test(msg)) {
        return sshError(
          this.endpoint,
          'channel-refused',
          `the remote sshd refused to forward to the unix socket ${target} (${msg}): it may have AllowStreamLocalForwarding no; use mode 'dial-stdio' (needs the docker CLI on the remote)`,
          { cause: err },
        );
      }
      if (typeof e.reason === 'number') {
        return sshError(this.endpoint, 'channel-refused', `the SSH server refused a direct-streamlocal channel to ${target} (${msg}); try mode 'dial-stdio'`, {
          cause: err,
        });
      }
    } else if (typeof e.reason === 'number' || /open failure|unable to exec/i.test(msg)) {
      return sshError(
        this.endpoint,
        'channel-refused',
        `the remote sshd refused a session channel for \`${target}\` (${msg}). sshd's MaxSessions (default 10) caps concurrent dial-stdio channels per connection: lower the pool's connections, raise MaxSessions, or use mode 'streamlocal'`,
        { cause: err },
      );
    }
    return sshError(this.endpoint, 'session-lost', `cannot open an SSH channel (${kind}): ${msg}`, { cause: err });
  }

  private channelError(err: unknown): Error {
    if (err instanceof SshConnectionError || err instanceof AbortError) return err;
    if (err instanceof ChannelTimeoutError) {
      return sshError(this.endpoint, 'timeout', `the SSH server did not answer a channel open within ${this.timeoutMs} ms (connectTimeoutMs), even on a fresh session`, {
        timeoutMs: this.timeoutMs,
      });
    }
    if (err instanceof SessionDeadError) {
      return sshError(this.endpoint, 'session-lost', `the SSH session closed while opening a channel, even after reconnecting (${err.message})`, { cause: err });
    }
    return err instanceof Error ? err : new Error(String(err));
  }
}
