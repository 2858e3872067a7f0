import { AbortError, DockerError, InvalidParameterError, TimeoutError, sleepWithin } from '@dockline/core';
import type { ClientContext } from '../context.js';
import { inspectService, type SwarmService } from './service-create.js';
import { listTasks, type SwarmTask } from './task-list.js';
import { requireId } from './validate.js';

export interface WaitForServiceOptions {
  /** Give up after this long (ms), rejecting with a TimeoutError that says what was seen. Default 120 000. */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** How often tasks are listed (ms). Default 250. */
  pollMs?: number | undefined;
  /**
   * Task failures older than this are history and ignored. Default: when the call began
   * (a failure that happened just before is seen again: swarm retries the task).
   */
  since?: Date | undefined;
}

export interface WaitForServiceResult {
  service: SwarmService;
  /** The tasks that run the current spec, one per replica (replicated) or per node (global). */
  running: SwarmTask[];
}

/** A task of the service failed or was rejected while waiting for it to converge. */
export class ServiceTaskFailedError extends DockerError {
  override name = 'ServiceTaskFailedError';
  override readonly code = 'DOCKLINE_ERR_SERVICE_TASK_FAILED';
  readonly serviceId: string;
  readonly task: SwarmTask;
  constructor(message: string, serviceId: string, task: SwarmTask) {
    super(message, { operation: 'TaskList', daemonMessage: task.Status?.Err });
    this.serviceId = serviceId;
    this.task = task;
  }
}

const FAILED = new Set(['failed', 'rejected']);

/**
 * Resolves once the service runs its current spec everywhere it should, as `docker service
 * create/update` without `--detach` decides: replicated, one running task of the current
 * spec per replica and no update in progress; global, every task desired running is running.
 * Rejects with ServiceTaskFailedError as soon as a task fails or is rejected (naming the
 * task, its node and its Status.Err, e.g. "No such image: ..."), with DockerError when the
 * update is paused, with TimeoutError after `timeoutMs`, with AbortError on `signal`.
 */
export async function waitForService(ctx: ClientContext, id: string, options: WaitForServiceOptions = {}): Promise<WaitForServiceResult> {
  requireId('waitForService', 'id', id, 'ServiceInspect');
  const timeoutMs = options.timeoutMs ?? 120_000;
  const pollMs = options.pollMs ?? 250;
  for (const [name, v] of [['timeoutMs', timeoutMs], ['pollMs', pollMs]] as const) {
    if (typeof v !== 'number' || !(v > 0)) {
      throw new InvalidParameterError(`dockline: waitForService ${name} must be a number of ms > 0, got ${String(v)}`, { operation: 'ServiceInspect' });
    }
  }
  const since = (options.since ?? new Date()).getTime();
  const deadline = Date.now() + timeoutMs;
  const signal = options.signal;
  let seen = 'nothing yet';
  for (;;) {
    if (signal?.aborted) throw new AbortError(`waitForService ${id} aborted (${seen})`, { operation: 'ServiceInspect', cause: signal.reason });
    const call = { signal, timeoutMs: Math.max(1000, deadline - Date.now()) };
    const service = await inspectService(ctx, id, {}, call);
    const tasks = await listTasks(ctx, { filters: { service: [service.ID!] } }, call);
    const label = `service ${service.Spec?.Name ?? id}`;

    for (const t of tasks) {
      const at = Date.parse(t.Status?.Timestamp ?? '');
      if (FAILED.has(t.Status?.State ?? '') && at >= since) {
        const err = t.Status?.Err ?? t.Status?.Message ?? 'no error given';
        throw new ServiceTaskFailedError(
          `${label}: task ${t.ID} (slot ${t.Slot ?? '-'}, node ${t.NodeID ?? 'unassigned'}) ${t.Status?.State}: ${err}`,
          service.ID!,
          t,
        );
      }
    }
    // A string: the spec's enum lacks the rollback states dockerd reports (rollback_started, rollback_paused...).
    const update: string | undefined = service.UpdateStatus?.State;
    if (update === 'paused' || update === 'rollback_paused') {
      throw new DockerError(`${label}: update ${update}: ${service.UpdateStatus?.Message ?? ''}`, { operation: 'ServiceInspect' });
    }
    const updating = update === 'updating' || update === 'rollback_started';
    const template = service.Spec?.TaskTemplate ?? {};
    const desired = tasks.filter((t) => t.DesiredState === 'running');
    const running = desired.filter((t) => t.Status?.State === 'running' && sameSpec(t.Spec ?? {}, template));
    const replicas = service.Spec?.Mode?.Replicated?.Replicas;
    const done =
      !updating &&
      (replicas !== undefined
        ? running.length === replicas && desired.length === replicas
        : desired.length > 0 && running.length === desired.length);
    if (done) return { service, running };
    seen = `${running.length} running of ${replicas ?? desired.length} desired${updating ? `, update ${update}` : ''}; states: ${summary(desired)}`;
    if (Date.now() + pollMs > deadline) {
      throw new TimeoutError(`${label} did not converge within ${timeoutMs} ms: ${seen}`, { operation: 'ServiceInspect', timeoutMs });
    }
    // Core's sleep (one abort mechanism); an abort ends it early and the check above says what was seen.
    await sleepWithin(pollMs, { operation: 'ServiceInspect', signal }).catch(noop);
  }
}

/**
 * Whether a task runs the service's current task template. Fields present on both sides
 * must be equal; a field only one side carries (the service's `Runtime`, which tasks do not
 * echo back) says nothing.
 */
function sameSpec(task: object, template: object): boolean {
  const a = task as Record<string, unknown>;
  const b = template as Record<string, unknown>;
  for (const key of Object.keys(a)) {
    if (key in b && JSON.stringify(a[key]) !== JSON.stringify(b[key])) return false;
  }
  return true;
}

function summary(tasks: SwarmTask[]): string {
  const counts = new Map<string, number>();
  for (const t of tasks) counts.set(t.Status?.State ?? '?', (counts.get(t.Status?.State ?? '?') ?? 0) + 1);
  return [...counts].map(([s, n]) => `${n} ${s}`).join(', ') || 'no tasks';
}

function noop(): void {}
