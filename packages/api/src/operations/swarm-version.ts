import { ConflictError, ServerError } from '@dockline/core';

/**
 * Swarm objects (swarm, nodes, services, secrets, configs) are updated with the version
 * read from inspect; an older one makes dockerd 20.10 answer 500 "update out of sequence".
 * That is a conflict, not a server fault: rethrown as ConflictError naming the version.
 */
export function staleVersionError(err: unknown, what: string, version: number): unknown {
  if (err instanceof ServerError && /update out of sequence/i.test(err.daemonMessage ?? err.message)) {
    return new ConflictError(
      `${what}: version ${version} is not the current one (the object changed since it was read: inspect it again and retry). Daemon: ${err.daemonMessage ?? err.message}`,
      { operation: err.operation, statusCode: err.statusCode, daemonMessage: err.daemonMessage, endpoint: err.endpoint, cause: err },
    );
  }
  return err;
}
