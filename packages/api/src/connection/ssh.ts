import { InvalidParameterError, type Transport } from '@dockline/core';
import type { ParsedHost } from './parse-host.js';

/** Options passed through to sshTransport() of @dockline/transport-ssh. */
export type SshOptions = Record<string, unknown>;

// A variable specifier keeps bundlers and the module-boundary lint from treating the
// optional SSH package as a hard dependency: it is loaded only for ssh:// hosts.
const SSH_PACKAGE = '@dockline/transport-ssh';

/** Load @dockline/transport-ssh on demand, with an error naming the package when missing. */
export async function loadSshTransport(parsed: Extract<ParsedHost, { kind: 'ssh' }>, options: SshOptions | undefined): Promise<Transport> {
  let mod: { sshTransport?: (opts: Record<string, unknown>) => Transport };
  try {
    mod = (await import(SSH_PACKAGE)) as typeof mod;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new InvalidParameterError(
        `ssh:// Docker hosts need the SSH transport: npm install ${SSH_PACKAGE} (it is a separate package so that users without SSH do not install ssh2)`,
        { cause: err },
      );
    }
    throw err;
  }
  if (typeof mod.sshTransport !== 'function') {
    throw new InvalidParameterError(`${SSH_PACKAGE} does not export sshTransport(); is it an old version?`);
  }
  return mod.sshTransport({
    host: parsed.host,
    ...(parsed.port !== undefined ? { port: parsed.port } : {}),
    ...(parsed.username !== undefined ? { username: parsed.username } : {}),
    ...(parsed.socketPath !== undefined ? { socketPath: parsed.socketPath } : {}),
    ...options,
  });
}
