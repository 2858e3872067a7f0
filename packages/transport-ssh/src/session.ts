// One SSH session (TCP connection, optional ProxyJump hops, the final ssh2 Client) and
// the channels multiplexed over it.
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { AuthenticationType, ClientChannel, Client as SshClient, ConnectConfig } from 'ssh2';
import type { AuthPlan } from './auth.js';
import { sshError, SshConnectionError } from './errors.js';
import type { ResolvedHop } from './resolve.js';

/** Everything needed to reach one hop once its byte stream exists. */
export interface HopPlan {
  hop: ResolvedHop;
  auth: AuthPlan;
  /** Resolves to undefined when the key is acceptable, or the error that refuses it. */
  verifyHostKey(key: Buffer): Promise<SshConnectionError | undefined>;
  /** Server host key algorithms in preference order (known key types first), or undefined for ssh2's default. */
  hostKeyAlgorithms: string[] | undefined;
}

export interface EstablishOptions {
  endpoint: string;
  hops: readonly HopPlan[];
  timeoutMs: number;
  keepaliveIntervalMs: number | undefined;
  keepaliveCountMax: number | undefined;
  debug: ((line: string) => void) | undefined;
}

type SshError = Error & { level?: string; code?: string; reason?: number | string };

const TCP_HINTS: Record<string, string> = {
  ECONNREFUSED: 'connection refused: is sshd running there, and is the port right?',
  ENOTFOUND: 'host name not found: check the host name (and HostName in the SSH config)',
  EAI_AGAIN: 'host name lookup failed (temporary): check DNS and the host name',
  EHOSTUNREACH: 'host unreachable: check the address and the network',
  ENETUNREACH: 'network unreachable: check the address and the network',
  ETIMEDOUT: 'TCP connect timed out: is the host reachable and the port open?',
  ECONNRESET: 'the connection was reset',
};

function hopName(h: ResolvedHop): string {
  return `${h.username}@${h.hostName.includes(':') ? `[${h.hostName}]` : h.hostName}:${h.port}`;
}

/** An error meaning "this session is gone", not "the remote refused this channel". */
export class SessionDeadError extends Error {
  override name = 'SessionDeadError';
}
/** No answer to a channel open within the limit: the session is presumed dead. */
export class ChannelTimeoutError extends Error {
  override name = 'ChannelTimeoutError';
}

export class SshSession {
  alive = true;
  private holds = 0;
  private readonly deadListeners: Array<() => void> = [];
  private ended: Promise<void> | undefined;

  constructor(
    readonly tcp: Socket,
    readonly clients: readonly SshClient[],
    readonly label: string,
  ) {
    const last = clients[clients.length - 1]!;
    const dead = () => this.markDead();
    last.on('close', dead);
    last.on('end', dead);
    tcp.on('close', dead);
    for (const c of clients) c.on('error', () => this.markDead());
    this.updateRef();
  }

  get client(): SshClient {
    return this.clients[this.clients.length - 1]!;
  }

  get channelCount(): number {
    return this.holds;
  }

  onDead(fn: () => void): void {
    if (!this.alive) fn();
    else this.deadListeners.push(fn);
  }

  private markDead(): void {
    if (!this.alive) return;
    this.alive = false;
    for (const fn of this.deadListeners.splice(0)) fn();
    // make sure every hop goes away with the last one
    for (const c of this.clients) c.destroy();
    this.tcp.destroy();
  }

  /**
   * An idle session (no channel open or opening) does not keep the process alive, like
   * undici's idle sockets: a program that forgets close() still exits.
   */
  private updateRef(): void {
    if (this.ended) return; // end() keeps it referenced until the socket closes
    if (this.holds > 0) this.tcp.ref();
    else this.tcp.unref();
  }

  private hold(): () => void {
    this.holds++;
    this.updateRef();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      this.updateRef();
    };
  }

  /** Open a channel: direct-streamlocal to a socket path, or exec of a command. */
  open(kind: 'streamlocal' | 'exec', arg: string, timeoutMs: number): Promise<ClientChannel> {
    if (!this.alive) return Promise.reject(new SessionDeadError('the SSH session is closed'));
    const release = this.hold();
    return new Promise<ClientChannel>((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        release();
        reject(new ChannelTimeoutError(`no answer to a channel open within ${timeoutMs} ms`));
      }, timeoutMs);
      const cb = (err: Error | undefined, channel: ClientChannel) => {
        if (done) {
          channel?.destroy();
          return;
        }
        done = true;
        clearTimeout(timer);
        if (err) {
          release();
          const reason = (err as SshError).reason;
          const gone = reason === undefined || reason === '';
          reject(gone && (!this.alive || /no response from server|not connected/i.test(err.message)) ? new SessionDeadError(err.message) : err);
          return;
        }
        channel.once('close', release);
        resolve(channel);
      };
      try {
        if (kind === 'streamlocal') this.client.openssh_forwardOutStreamLocal(arg, cb);
        else this.client.exec(arg, cb);
      } catch (err) {
        done = true;
        clearTimeout(timer);
        release();
        // ssh2 throws 'Not connected' when the socket is gone
        reject(new SessionDeadError((err as Error).message));
      }
    });
  }

  destroy(): void {
    this.markDead();
  }

  /** Polite shutdown: SSH disconnect, then the socket; forced after a second. */
  end(): Promise<void> {
    this.ended ??= new Promise<void>((resolve) => {
      if (this.tcp.destroyed) {
        this.markDead();
        resolve();
        return;
      }
      // Keep the process alive until the goodbye is out: `await close()` must return.
      this.tcp.ref();
      const timer = setTimeout(() => {
        this.markDead();
        resolve();
      }, 1000);
      this.tcp.once('close', () => {
        clearTimeout(timer);
        this.markDead();
        resolve();
      });
      for (const c of [...this.clients].reverse()) c.end();
    });
    return this.ended;
  }
}

function tcpConnect(hop: ResolvedHop, endpoint: string, sockets: Socket[]): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: hop.hostName, port: hop.port });
    sockets.push(socket);
    socket.setNoDelay(true);
    const onError = (err: SshError) => {
      const hint = (err.code && TCP_HINTS[err.code]) ?? err.message;
      reject(
        sshError(endpoint, 'unreachable', `cannot reach ${hopName(hop)}: ${hint}${err.code ? ` [${err.code}]` : ''}`, { cause: err }),
      );
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

function forwardOut(client: SshClient, from: ResolvedHop, to: ResolvedHop, endpoint: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    try {
      client.forwardOut('127.0.0.1', 0, to.hostName, to.port, (err, channel) => {
        if (err) {
          reject(
            sshError(endpoint, 'unreachable', `the jump host ${hopName(from)} cannot open a tunnel to ${to.hostName}:${to.port} (${err.message}); is that address right, and does the jump host allow TCP forwarding?`, {
              cause: err,
            }),
          );
          return;
        }
        resolve(channel);
      });
    } catch (err) {
      reject(sshError(endpoint, 'session-lost', `the jump host ${hopName(from)} went away: ${(err as Error).message}`, { cause: err }));
    }
  });
}

function handshake(plan: HopPlan, sock: Duplex, opts: EstablishOptions, onClient: (c: SshClient) => void): Promise<SshClient> {
  const { hop, auth } = plan;
  const endpoint = opts.endpoint;
  return new Promise<SshClient>((resolve, reject) => {
    const client = new ssh2.Client();
    onClient(client);
    let settled = false;
    let phase: 'handshake' | 'auth' = 'handshake';
    let hostKeyError: SshConnectionError | undefined;
    let serverMethods: AuthenticationType[] | undefined;
    const tried: string[] = [];
    const agentErrors: string[] = [];
    let next = 0;

    const authFailure = (why: string): SshConnectionError => {
      const parts = [`SSH authentication as ${JSON.stringify(hop.username)} to ${hop.hostName}:${hop.port} failed (${why})`];
      parts.push(tried.length > 0 ? `tried: ${tried.join('; ')}` : 'no method to try: no privateKey, no agent (SSH_AUTH_SOCK) and no key file');
      if (auth.skipped.length > 0) parts.push(`not usable: ${auth.skipped.join('; ')}`);
      if (agentErrors.length > 0) parts.push(`agent: ${agentErrors.join('; ')}`);
      if (serverMethods) parts.push(`the server accepts: ${serverMethods.join(', ') || 'nothing'}`);
      return sshError(
        endpoint,
        'auth-failed',
        `${parts.join('. ')}. Check that the public key is in the remote user's authorized_keys, and the user name.`,
      );
    };

    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      client.destroy();
      reject(err);
    };

    client.on('error', (err: SshError) => {
      if (err.level === 'agent') {
        agentErrors.push(err.message);
        return;
      }
      if (settled) return;
      if (hostKeyError) return fail(hostKeyError);
      if (err.level === 'client-authentication') return fail(authFailure(err.message));
      const what = phase === 'auth' ? 'during authentication' : 'during the SSH handshake';
      if (err.level === 'client-socket') {
        const hint = (err.code && TCP_HINTS[err.code]) ?? err.message;
        return fail(sshError(endpoint, 'handshake-failed', `connection to ${hopName(hop)} lost ${what}: ${hint}`, { cause: err }));
      }
      if (phase === 'auth' && /authentication/i.test(err.message)) return fail(authFailure(err.message));
      fail(sshError(endpoint, 'handshake-failed', `SSH ${what} with ${hopName(hop)} failed: ${err.message}`, { cause: err }));
    });
    client.on('close', () => {
      if (hostKeyError) return fail(hostKeyError);
      if (phase === 'auth') return fail(authFailure('the server closed the connection'));
      fail(
        sshError(endpoint, 'handshake-failed', `${hopName(hop)} closed the connection during the SSH handshake: is it an SSH server, and does it accept this client?`),
      );
    });
    client.on('ready', () => {
      if (settled) return;
      settled = true;
      resolve(client);
    });

    const config: ConnectConfig = {
      sock: sock as ConnectConfig['sock'],
      username: hop.username,
      readyTimeout: 0, // the caller's deadline covers the whole chain
      strictVendor: false,
      hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
        plan.verifyHostKey(key).then(
          (err) => {
            hostKeyError = err;
            verify(err === undefined);
          },
          (err: unknown) => {
            hostKeyError = sshError(endpoint, 'handshake-failed', `cannot check the host key: ${(err as Error).message}`, { cause: err });
            verify(false);
          },
        );
      },
      authHandler: (methodsLeft, _partial, nextAuth) => {
        phase = 'auth';
        if (methodsLeft) serverMethods = methodsLeft;
        while (next < auth.attempts.length) {
          const attempt = auth.attempts[next++]!;
          const wire: AuthenticationType = attempt.method.type === 'agent' ? 'publickey' : attempt.method.type;
          if (methodsLeft && !methodsLeft.includes(wire)) continue;
          tried.push(attempt.label);
          nextAuth(attempt.method);
          return;
        }
        nextAuth(false as unknown as AuthenticationType);
      },
      ...(plan.hostKeyAlgorithms ? { algorithms: { serverHostKey: plan.hostKeyAlgorithms as never } } : {}),
      ...(opts.keepaliveIntervalMs ? { keepaliveInterval: opts.keepaliveIntervalMs } : {}),
      ...(opts.keepaliveCountMax !== undefined ? { keepaliveCountMax: opts.keepaliveCountMax } : {}),
      ...(opts.debug ? { debug: opts.debug } : {}),
    };
    try {
      client.connect(config);
    } catch (err) {
      fail(sshError(endpoint, 'handshake-failed', `cannot start the SSH client: ${(err as Error).message}`, { cause: err }));
    }
  });
}

/**
 * Dial the chain and authenticate every hop, all within `timeoutMs`. On any failure
 * everything opened so far is destroyed.
 */
export async function establishSession(opts: EstablishOptions): Promise<SshSession> {
  const { hops, endpoint, timeoutMs } = opts;
  const sockets: Socket[] = [];
  const clients: SshClient[] = [];
  const target = hops[hops.length - 1]!.hop;
  let stage = `TCP connect to ${hops[0]!.hop.hostName}:${hops[0]!.hop.port}`;
  let timer: NodeJS.Timeout | undefined;
  const cleanup = () => {
    for (const c of clients) c.destroy();
    for (const s of sockets) s.destroy();
  };
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(
        sshError(
          endpoint,
          'timeout',
          `no SSH session with ${hopName(target)} within ${timeoutMs} ms (connectTimeoutMs), stuck at: ${stage}. Is the host reachable, and is it an SSH server on that port?`,
          { timeoutMs },
        ),
      );
    }, timeoutMs);
  });
  const dial = async (): Promise<SshSession> => {
    const tcp = await tcpConnect(hops[0]!.hop, endpoint, sockets);
    let sock: Duplex = tcp;
    for (let i = 0; i < hops.length; i++) {
      const plan = hops[i]!;
      stage = `SSH handshake with ${hopName(plan.hop)}`;
      const client = await handshake(plan, sock, opts, (c) => clients.push(c));
      const nextHop = hops[i + 1];
      if (nextHop) {
        stage = `ProxyJump tunnel from ${hopName(plan.hop)} to ${nextHop.hop.hostName}:${nextHop.hop.port}`;
        sock = await forwardOut(client, plan.hop, nextHop.hop, endpoint);
      }
    }
    return new SshSession(tcp, clients, hopName(target));
  };
  try {
    return await Promise.race([dial(), deadline]);
  } catch (err) {
    cleanup();
    throw err instanceof SshConnectionError
      ? err
      : sshError(endpoint, 'handshake-failed', `SSH connection to ${hopName(target)} failed: ${(err as Error).message}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}
