import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import { copyOutput } from '../streams/output.js';
import type { StreamOptions } from '../streams/stream-options.js';
import type { LogsOptions } from './container-logs.js';
import { unixTime } from './unix-time.js';
import { inspectService } from './service-create.js';
import { requireId } from './validate.js';

export interface ServiceLogsOptions extends Omit<LogsOptions, 'until'> {
  /**
   * Prefix each line with its details: `com.docker.swarm.node.id=...,com.docker.swarm.service.id=...,
   * com.docker.swarm.task.id=... ` (and the log driver's attributes), as `docker service logs` reads them.
   */
  details?: boolean | undefined;
}

export interface ServiceLogsResult {
  /** Whether the output was treated as raw terminal output (the service's tasks have a TTY). */
  tty: boolean;
}

/**
 * GET /services/{id}/logs: the logs of every task of the service on every node (the
 * manager collects them), demultiplexed into `streams.stdout` / `streams.stderr` with
 * backpressure, or copied raw when the service's containers have a TTY. Without
 * `streams.rawTerminal` the service is inspected first to learn that.
 */
export async function serviceLogs(
  ctx: ClientContext,
  id: string,
  options: ServiceLogsOptions,
  streams: StreamOptions,
  call: CallOptions = {},
): Promise<ServiceLogsResult> {
  requireId('serviceLogs', 'id', id, 'ServiceLogs');
  const tty = streams.rawTerminal ?? (await inspectService(ctx, id, {}, call)).Spec?.TaskTemplate?.ContainerSpec?.TTY === true;
  const res = await ctx.call(
    'ServiceLogs',
    {
      path: { id },
      query: {
        details: options.details,
        follow: options.follow,
        stdout: options.stdout ?? true,
        stderr: options.stderr ?? true,
        since: unixTime(options.since, 'serviceLogs', 'since'),
        timestamps: options.timestamps,
        tail: options.tail,
      },
    },
    call,
  );
  streams.onStarted?.();
  await copyOutput(res.stream!, streams, tty, call.signal);
  return { tty };
}
