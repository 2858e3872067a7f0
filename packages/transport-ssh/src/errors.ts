import { ConnectionError, type DockerErrorOptions } from '@dockline/core';

/** Why an SSH connection could not be used: stable values to branch on. */
export type SshFailureReason =
  /** The host key is not in known_hosts and the policy is 'strict'. */
  | 'host-key-unknown'
  /** known_hosts holds another key of the same type for this host. */
  | 'host-key-changed'
  /** The host key is marked `@revoked` in known_hosts. */
  | 'host-key-revoked'
  /** Every authentication method was refused. */
  | 'auth-failed'
  /** A private key could not be read or decrypted (missing file, wrong passphrase). */
  | 'key-unusable'
  /** TCP connection failed (refused, no route, name not found). */
  | 'unreachable'
  /** connectTimeoutMs passed before the SSH session (or a channel) was ready. */
  | 'timeout'
  /** The peer does not speak SSH properly, or key exchange failed. */
  | 'handshake-failed'
  /** streamlocal: the remote sshd cannot connect to the daemon's socket. */
  | 'socket-not-found'
  /** The remote sshd refused the channel (forwarding disabled, MaxSessions reached). */
  | 'channel-refused'
  /** dial-stdio: the remote has no `docker` command. */
  | 'no-docker-cli'
  /** dial-stdio: the remote command failed for another reason. */
  | 'dial-stdio-failed'
  /** The SSH session broke and could not be re-established. */
  | 'session-lost'
  /** The transport was closed. */
  | 'closed'
  /** ~/.ssh/config or an option cannot be used (ProxyCommand, a ProxyJump loop...). */
  | 'config';

/**
 * A ConnectionError raised by the SSH transport. `instanceof ConnectionError` holds;
 * `reason` says what failed. Raised while connecting, so `connectFailed` is true unless
 * the request may have reached the daemon.
 */
export class SshConnectionError extends ConnectionError {
  override name = 'SshConnectionError';
  readonly reason: SshFailureReason;
  /** The limit that passed, for reason 'timeout'. */
  readonly timeoutMs: number | undefined;
  constructor(
    message: string,
    options: DockerErrorOptions & { reason: SshFailureReason; connectFailed?: boolean; timeoutMs?: number },
  ) {
    super(message, { ...options, connectFailed: options.connectFailed ?? true });
    this.reason = options.reason;
    this.timeoutMs = options.timeoutMs;
  }
}

/** The prefix every connect error of this transport shares, as core's connectError writes it. */
export function sshError(
  endpoint: string,
  reason: SshFailureReason,
  detail: string,
  extra: { cause?: unknown; connectFailed?: boolean; timeoutMs?: number } = {},
): SshConnectionError {
  return new SshConnectionError(`cannot connect to the Docker daemon at ${endpoint} (ssh): ${detail}`, {
    endpoint,
    reason,
    cause: extra.cause,
    ...(extra.connectFailed !== undefined ? { connectFailed: extra.connectFailed } : {}),
    ...(extra.timeoutMs !== undefined ? { timeoutMs: extra.timeoutMs } : {}),
  });
}
