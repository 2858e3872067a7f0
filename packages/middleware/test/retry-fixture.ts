// Shared by index.test.ts and index.integration.test.ts (a test helper: neither built nor published).
import {
  type DockerRequest,
  type Handler,
  type Middleware,
} from '@dockline/core';

export function get(extra: Partial<DockerRequest> = {}): DockerRequest {
  return { operation: 'SystemInfo', method: 'GET', path: '/info', route: '/info', response: 'json', idempotent: true, longRunning: false, ...extra };
}

export function create(name: string, extra: Partial<DockerRequest> = {}): DockerRequest {
  return {
    operation: 'ContainerCreate',
    method: 'POST',
    path: '/containers/create',
    route: '/containers/create',
    query: { name },
    body: { Image: 'busybox:local', Cmd: ['true'], Labels: { 'dockline.test': 'middleware-retry' }, HostConfig: { NetworkMode: 'none' } },
    response: 'json',
    idempotent: false,
    longRunning: false,
    ...extra,
  };
}

/** Records `req.attempt` of everything that reaches the terminal handler. */
export function attemptsSpy(): Middleware & { attempts: Array<number | undefined> } {
  const attempts: Array<number | undefined> = [];
  return Object.assign((req: DockerRequest, next: Handler) => {
    attempts.push(req.attempt);
    return next(req);
  }, { attempts });
}
