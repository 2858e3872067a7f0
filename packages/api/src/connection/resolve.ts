import { homedir } from 'node:os';
import { join } from 'node:path';
import { InvalidParameterError, type Transport } from '@dockline/core';
import { tcpTransport, tlsFromCertPath, type TlsOptions } from '@dockline/transport-tcp-tls';
import { DEFAULT_SOCKET_PATH, unixTransport } from '@dockline/transport-unix';
import { parseDockerHost, type ParsedHost } from './parse-host.js';
import { loadSshTransport, type SshOptions } from './ssh.js';

export interface ConnectionOptions {
  /** unix:///path, tcp://host:port, https://..., ssh://user@host. Wins over DOCKER_HOST. */
  host?: string | undefined;
  /** TLS material for tcp hosts (PEM strings or Buffers). Turns TLS on. */
  tls?: TlsOptions | undefined;
  /** Options for ssh:// hosts, passed to @dockline/transport-ssh. */
  ssh?: SshOptions | undefined;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv | undefined;
}

export interface ResolvedConnection {
  transport: Transport;
  /** How the endpoint was chosen, for --verbose output and bug reports. No secrets. */
  description: string;
}

/**
 * Pick the daemon the docker CLI would: explicit options, DOCKER_HOST (with
 * DOCKER_TLS_VERIFY and DOCKER_CERT_PATH), then the default socket.
 */
export async function resolveConnection(options: ConnectionOptions = {}): Promise<ResolvedConnection> {
  const env = options.env ?? process.env;
  if (options.host !== undefined) {
    return fromHost(parseDockerHost(options.host), options, env, 'the host option');
  }
  const dockerHost = env.DOCKER_HOST;
  if (dockerHost !== undefined && dockerHost !== '') {
    return fromHost(parseDockerHost(dockerHost), options, env, 'DOCKER_HOST');
  }
  return {
    transport: unixTransport({ socketPath: DEFAULT_SOCKET_PATH }),
    description: `unix://${DEFAULT_SOCKET_PATH} (the default socket: no host option, DOCKER_HOST unset)`,
  };
}

async function fromHost(parsed: ParsedHost, options: ConnectionOptions, env: NodeJS.ProcessEnv, source: string): Promise<ResolvedConnection> {
  switch (parsed.kind) {
    case 'unix':
      return { transport: unixTransport({ socketPath: parsed.socketPath }), description: `unix://${parsed.socketPath} (from ${source})` };
    case 'tcp': {
      const tlsVerify = env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== '';
      // As the docker CLI: DOCKER_CERT_PATH, else the config folder (DOCKER_CONFIG or ~/.docker).
      const certPath = env.DOCKER_CERT_PATH || env.DOCKER_CONFIG || join(homedir(), '.docker');
      let tls: TlsOptions | undefined;
      if (options.tls) tls = options.tls;
      else if (parsed.tls === true || tlsVerify) tls = tlsFromCertPath(certPath);
      if (parsed.tls === false && tls) {
        throw new InvalidParameterError(`Docker host http://${parsed.host} says plain HTTP, but TLS was asked for (tls option or DOCKER_TLS_VERIFY)`);
      }
      // The docker CLI's defaults: 2376 with TLS, 2375 without.
      const port = parsed.port ?? (tls ? 2376 : 2375);
      const transport = tcpTransport({ host: parsed.host, port, tls });
      const how = tls ? (options.tls ? 'TLS from the tls option' : `TLS with certificates from ${certPath}`) : 'plain TCP, no TLS';
      return { transport, description: `${transport.endpoint} (from ${source}; ${how})` };
    }
    case 'ssh': {
      const transport = await loadSshTransport(parsed, options.ssh);
      return { transport, description: `${transport.endpoint} (from ${source})` };
    }
  }
}
