// Shared by index.test.ts and index.integration.test.ts (a test helper: neither built nor published).
import {
  type DockerRequest,
  type Middleware,
} from '@dockline/core';

export function info(extra: Partial<DockerRequest> = {}): DockerRequest {
  return { operation: 'SystemInfo', method: 'GET', path: '/info', route: '/info', response: 'json', idempotent: true, longRunning: false, ...extra };
}

/** Records what reaches the terminal handler (innermost). */
export function spy(): Middleware & { seen: DockerRequest[] } {
  const seen: DockerRequest[] = [];
  return Object.assign((req: DockerRequest, next: (r: DockerRequest) => ReturnType<Middleware>) => {
    seen.push(req);
    return next(req);
  }, { seen });
}
