import { connect, type NetConnectOpts } from 'node:net';
import type { Duplex } from 'node:stream';
import { connectError, type Transport, InvalidParameterError } from '@dockline/core';

export const DEFAULT_SOCKET_PATH = '/var/run/docker.sock';

export interface UnixTransportOptions {
  /** Path of the daemon's socket (or a Windows named pipe, `\\.\pipe\docker_engine`). Default /var/run/docker.sock. */
  socketPath?: string;
}

/** A Windows named pipe path: `\\.\pipe\docker_engine`, `\\HOST\pipe\NAME`. */
const PIPE_PATH = /^\\\\[^\\]+\\pipe\\/i;

/**
 * The daemon's unix socket, or a Windows named pipe (`\\.\pipe\docker_engine`: Node's net
 * opens both alike; the endpoint then reads `npipe:////./pipe/docker_engine`). Each
 * connect() opens a new stream socket; pooling and keep-alive are core's job.
 */
export function unixTransport(options: UnixTransportOptions = {}): Transport {
  const socketPath = options.socketPath ?? DEFAULT_SOCKET_PATH;
  if (typeof socketPath !== 'string' || socketPath === '') {
    throw new InvalidParameterError('dockline: unixTransport({ socketPath }) needs a non-empty path');
  }
  const pipe = PIPE_PATH.test(socketPath);
  const kind = pipe ? 'npipe' : 'unix';
  const endpoint = pipe ? `npipe://${socketPath.replace(/\\/g, '/')}` : `unix://${socketPath}`;
  return {
    kind,
    endpoint,
    host: 'localhost',
    networkTransport: pipe ? 'pipe' : 'unix',
    // A unix connect costs ~0.1 ms: logs and other GET streams get connections of their own.
    connect({ signal, onread } = {}) {
      return new Promise<Duplex>((resolve, reject) => {
        if (signal?.aborted) {
          reject(connectError(signal.reason ?? Object.assign(new Error('aborted'), { name: 'AbortError' }), endpoint, kind));
          return;
        }
        // A 1-byte high-water mark: while core paces a chatty stream (docs/decisions.md), the
        // socket stops reading from the kernel instead of buffering 16 KiB in small reads.
        // Node passes Duplex options through net.connect; its typings list only socket ones.
        // core's onread, for a stream: each read into its shared buffer (ConnectOptions).
        const socket = connect({ path: socketPath, readableHighWaterMark: 1, ...(onread ? { onread } : {}) } as NetConnectOpts);
        const onAbort = () => {
          socket.destroy();
          reject(connectError(Object.assign(new Error('aborted'), { name: 'AbortError' }), endpoint, kind));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        socket.once('connect', () => {
          signal?.removeEventListener('abort', onAbort);
          socket.off('error', onError);
          resolve(socket);
        });
        const onError = (err: Error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(connectError(err, endpoint, kind));
        };
        socket.once('error', onError);
      });
    },
    async close() {
      // Nothing held between connections.
    },
  };
}
