// The clients under comparison, all pointed at the same daemon.
import Dockerode from 'dockerode';
import { Pool } from 'undici';
import { createClient, DockerClient } from '@dockline/api';
import { createPipeline } from '@dockline/core';
import { unixTransport } from '@dockline/transport-unix';

/** dockline as a user gets it: createClient() with the default middleware (no OTel SDK). */
export function docklineDefault(socketPath: string): DockerClient {
  return createClient({ host: `unix://${socketPath}` });
}

/**
 * dockline with an empty middleware array: the pipeline's floor (no version prefix, no
 * deadline, no retry, no tracing).
 */
export function docklineBare(socketPath: string): DockerClient {
  return new DockerClient({ pipeline: createPipeline({ transport: unixTransport({ socketPath }), middleware: [] }) });
}

export function dockerode(socketPath: string): Dockerode {
  return new Dockerode({ socketPath });
}

/**
 * Raw undici: a Pool over the unix socket, the same dispatcher dockline uses underneath,
 * with nothing on top. The limit a client built on undici can reach.
 */
export function undiciPool(socketPath: string, connections = 16): Pool {
  return new Pool('http://localhost', { connect: { socketPath }, connections, pipelining: 1, headersTimeout: 0, bodyTimeout: 0 });
}

/** The API version the raw clients put in their paths (what the private engine speaks). */
export const RAW_API_VERSION = 'v1.41';
