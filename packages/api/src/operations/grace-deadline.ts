import type { CallOptions } from '../call-options.js';

/** The daemon's grace period when the container sets none (its StopTimeout default). */
export const DEFAULT_STOP_TIMEOUT_S = 10;

/**
 * The deadline (ms) of a call that may legitimately take a grace period of `graceS` seconds
 * (stop, restart): unless the call sets its own `timeoutMs`, the client's default plus the
 * grace period (the kubelet's StopContainer does the same); -1 waits forever: no deadline
 * (0). The one place stop and restart compute it, so how deadlines work can change here.
 */
export function graceDeadlineMs(call: CallOptions, defaultTimeoutMs: number, graceS: number | undefined): number | undefined {
  if (call.timeoutMs !== undefined) return call.timeoutMs;
  if (!(defaultTimeoutMs > 0 && Number.isFinite(defaultTimeoutMs))) return undefined;
  return graceS === -1 ? 0 : defaultTimeoutMs + (graceS ?? DEFAULT_STOP_TIMEOUT_S) * 1000;
}
