import { mkdtempSync, rmSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPipeline } from '@dockline/core';
import { unixTransport } from '@dockline/transport-unix';
import { DockerClient } from '../src/client.js';

export interface FakeDaemon {
  socketPath: string;
  client: DockerClient;
  /** Requests seen, in order. */
  requests: { method: string; url: string; headers: IncomingMessage['headers'] }[];
  close(): Promise<void>;
}

/** A node:http server on a unix socket standing in for dockerd, and a client on it (no middleware). */
export async function fakeDaemon(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<FakeDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'dockline-api-fake-'));
  const socketPath = join(dir, 'docker.sock');
  const requests: FakeDaemon['requests'] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const client = new DockerClient({ pipeline: createPipeline({ transport: unixTransport({ socketPath }) }) });
  return {
    socketPath,
    client,
    requests,
    async close() {
      await client.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
