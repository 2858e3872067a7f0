// Test-only servers on 127.0.0.1, port 0. Not part of the published package.
import { createServer as createNetServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';

export interface TestServer {
  port: number;
  close(): Promise<void>;
}

function listen(server: Server, sockets: Set<Socket>): Promise<TestServer> {
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      if (addr === null || typeof addr === 'string') {
        reject(new Error('no TCP address'));
        return;
      }
      resolve({
        port: addr.port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/**
 * A plain TCP -> unix socket forwarder in front of the daemon's socket: the daemon has no
 * plain TCP port, so plain-TCP tests go through this PROXY, byte for byte (half-close
 * included, so hijacked stdin EOF reaches the daemon).
 */
export function startUnixForwarder(socketPath: string): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const server = createNetServer({ allowHalfOpen: true }, (client) => {
    const upstream = netConnect({ path: socketPath, allowHalfOpen: true });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  return listen(server, sockets);
}

/** A TLS server that answers any HTTP request with 200 "OK" and records the SNI it saw. */
export async function startTlsServer(opts: { cert: Buffer; key: Buffer }): Promise<TestServer & { servernames: Array<string | false> }> {
  const sockets = new Set<Socket>();
  const servernames: Array<string | false> = [];
  const server = createTlsServer({ cert: opts.cert, key: opts.key }, (socket: TLSSocket) => {
    servernames.push(socket.servername ?? false);
    socket.on('error', () => undefined);
    socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK'));
  });
  server.on('tlsClientError', () => undefined);
  const base = await listen(server as unknown as Server, sockets);
  // tls.Server emits 'secureConnection' for TLS sockets; 'connection' gives the raw ones (tracked above).
  return { ...base, servernames };
}

/** Accepts TCP connections and then does nothing (a handshake that never finishes). */
export function startSilentServer(): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const server = createNetServer((s) => s.on('error', () => undefined));
  return listen(server, sockets);
}

/** Accepts, reads the first bytes (a TLS ClientHello, say) and closes without a word. */
export function startHangUpServer(): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const server = createNetServer((s) => {
    s.on('error', () => undefined);
    s.once('data', () => s.destroy());
  });
  return listen(server, sockets);
}

/** A port where nothing listens (bound, then released). */
export async function deadPort(): Promise<number> {
  const s = await listen(createNetServer(), new Set());
  await s.close();
  return s.port;
}
