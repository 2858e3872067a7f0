import type { Transport } from '@dockline/core';
import { tcpTransport } from '@dockline/transport-tcp-tls';
import { unixTransport } from '@dockline/transport-unix';
import { apiVersionOf, describePlan, type ConnectionDescription } from './describe.js';
import { planConnection, type ConnectionOptions, type PlanInternals } from './plan.js';
import { loadSshTransport } from './ssh.js';

export type { ConnectionOptions } from './plan.js';

export interface ResolvedConnection {
  transport: Transport;
  /** How the endpoint was chosen, one line, for --verbose output and bug reports. No secrets. */
  description: string;
  /** The same, field by field (see describeConnection). */
  details: ConnectionDescription;
}

/**
 * Pick the daemon the docker CLI would: explicit options; DOCKER_HOST (with
 * DOCKER_TLS_VERIFY and DOCKER_CERT_PATH); DOCKER_CONTEXT; currentContext of
 * $DOCKER_CONFIG/config.json; then the first local daemon socket that exists (Docker,
 * rootless Docker, Docker Desktop, Podman, Colima, Rancher Desktop). `apiVersion` (createClient's
 * option) only shows in the description.
 */
export async function resolveConnection(
  options: ConnectionOptions & { apiVersion?: string | undefined } = {},
  internals: PlanInternals = {},
): Promise<ResolvedConnection> {
  const plan = await planConnection(options, internals);
  const { parsed } = plan;
  let transport: Transport;
  switch (parsed.kind) {
    case 'unix':
      transport = unixTransport({ socketPath: parsed.socketPath });
      break;
    case 'npipe':
      // Node's net.connect opens a named pipe given its \\.\pipe\ path, as it opens a unix
      // socket: the same transport serves both (Windows itself is untested).
      transport = unixTransport({ socketPath: parsed.pipePath });
      break;
    case 'tcp': {
      const tls = plan.tls ? await plan.tls.load() : undefined;
      // The docker CLI's IANA ports: 2376 with TLS, 2375 without (docs/decisions.md: the CLI
      // itself uses 2375 for a tcp:// host without a port, even with TLS).
      const port = parsed.port ?? (tls ? 2376 : 2375);
      transport = tcpTransport({ host: parsed.host, port, tls });
      break;
    }
    case 'ssh':
      transport = await loadSshTransport(parsed, options.ssh);
      break;
  }
  const details = describePlan(plan, transport.endpoint, apiVersionOf(options, options.env ?? process.env));
  return { transport, description: details.summary, details };
}
