/** The daemon's grace period when the container sets none (its StopTimeout default). */
export const DEFAULT_STOP_TIMEOUT_S = 10;

/**
 * What a stop or restart given `timeoutSeconds` may take beyond the client's default
 * deadline, as the request's `graceMs` (the timeout middleware adds it, so
 * `timeout({ defaultMs })` and a call's own `timeoutMs` keep their meaning); -1 waits for
 * the process forever: Infinity, no default deadline. The kubelet's StopContainer does the
 * same. The one place stop and restart compute it.
 */
export function stopGraceMs(timeoutSeconds: number | undefined): number {
  return timeoutSeconds === -1 ? Infinity : (timeoutSeconds ?? DEFAULT_STOP_TIMEOUT_S) * 1000;
}
