import type { CompleteRequest, DockerRequest } from './types.js';

/**
 * A copy of `req` with every DockerRequest field present (undefined where unset), in one
 * fixed order (CompleteRequest: a field added to DockerRequest and not listed here fails to compile). Middleware derive requests with `{ ...req, field }`; V8 copies an object
 * with that field already present in ~50 ns, but one that must grow takes ~1.5 µs and
 * leaves a slower shape for every layer after it (BENCHMARKS.md, ping). Fields a caller
 * added for middleware of its own are kept.
 */
export function normalizeRequest(req: DockerRequest): DockerRequest {
  const out: CompleteRequest = {
    operation: req.operation,
    method: req.method,
    path: req.path,
    route: req.route,
    query: req.query,
    headers: req.headers,
    body: req.body,
    response: req.response,
    idempotent: req.idempotent,
    longRunning: req.longRunning,
    signal: req.signal,
    deadline: req.deadline,
    timeoutMs: req.timeoutMs,
    apiVersion: req.apiVersion,
    minApiVersion: req.minApiVersion,
    attempt: req.attempt,
    graceMs: req.graceMs,
    idleTimeoutMs: req.idleTimeoutMs,
    maxResponseBytes: req.maxResponseBytes,
    unref: req.unref,
    secrets: req.secrets,
  };
  for (const key in req) {
    if (!(key in out)) (out as unknown as Record<string, unknown>)[key] = (req as unknown as Record<string, unknown>)[key];
  }
  for (const sym of Object.getOwnPropertySymbols(req)) {
    (out as unknown as Record<symbol, unknown>)[sym] = (req as unknown as Record<symbol, unknown>)[sym];
  }
  return out;
}
