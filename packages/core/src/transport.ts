import type { OnReadOpts } from 'node:net';
import type { Duplex } from 'node:stream';
import { InvalidParameterError } from './errors.js';

/** What core passes to `Transport.connect`. */
export interface ConnectOptions {
  /** Abandon the connect when it aborts (honour it if you can). */
  signal?: AbortSignal | undefined;
  /**
   * Node's socket option `onread`, offered for a connection core reads to its end itself
   * (a stream: logs, stats, events...). A transport whose connection is a Node socket (unix
   * socket, named pipe, plain TCP, TLS) passes it on to `net.connect` or `tls.connect`:
   * each read (each record, over TLS) then reaches core through one shared buffer, not as
   * a Buffer allocated and pushed through the socket's Readable side, which is most of what
   * a followed log line costs (docs/decisions.md). Any other transport ignores it: core
   * reads the stream's 'data' events then. Never set for hijacks or pooled connections,
   * which are read through their events.
   */
  onread?: OnReadOpts | undefined;
}

/**
 * The one thing a transport author writes: open a byte stream to the daemon.
 * Core turns any Transport into an undici dispatcher (pooled, keep-alive) and uses the
 * same `connect` for hijacked attach/exec connections. See docs/transports.md.
 */
export interface Transport {
  /** Short name for spans and errors: 'unix', 'tcp', 'tls', 'ssh', or your own. */
  readonly kind: string;
  /** Where it connects, redacted (never a password): 'unix:///var/run/docker.sock'. */
  readonly endpoint: string;
  /**
   * Value for the HTTP Host header and `server.address` in spans. Defaults to
   * 'localhost' for local transports.
   */
  readonly host?: string;
  /** `network.transport` span attribute: 'unix' | 'tcp' | 'pipe'... */
  readonly networkTransport?: string;
  /**
   * @deprecated Ignored since 0.2: every stream and hijack gets a connection of its own
   * on any transport, short answers share the pooled ones (docs/decisions.md).
   */
  readonly dedicatedStreams?: boolean;
  /**
   * Open a fresh connection. Reject with a `ConnectionError` (or any error: core wraps
   * it) when the daemon cannot be reached. Honour `signal` if you can; pass `onread` on to
   * `net.connect` or `tls.connect` when the connection is a Node socket (see ConnectOptions).
   */
  connect(options: ConnectOptions): Promise<Duplex>;
  /** Release whatever the transport holds (an SSH session, for instance). Idempotent. */
  close(): Promise<void>;
}

export function assertTransport(value: unknown): asserts value is Transport {
  const t = value as Partial<Transport> | null;
  if (
    t === null ||
    typeof t !== 'object' ||
    typeof t.connect !== 'function' ||
    typeof t.close !== 'function' ||
    typeof t.kind !== 'string' ||
    typeof t.endpoint !== 'string'
  ) {
    throw new InvalidParameterError(
      'dockline: a transport must be an object with kind (string), endpoint (string), connect() and close()',
    );
  }
}
