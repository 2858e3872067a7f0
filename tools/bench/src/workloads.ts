// The workloads, in the order they run.
import { archiveWorkload } from './archive.ts';
import { demuxWorkload } from './demux.ts';
import { execWorkload } from './exec.ts';
import { followWorkload } from './follow.ts';
import { inspectListWorkload } from './inspect-list.ts';
import { logsWorkload } from './logs.ts';
import { logsRemoteWorkload } from './logs-remote.ts';
import { pingWorkload } from './ping.ts';
import { rssWorkload } from './rss.ts';
import { sshWorkload } from './ssh.ts';
import { tracingWorkload } from './tracing.ts';
import type { Workload } from './workload.ts';

export const WORKLOADS: readonly Workload[] = [
  pingWorkload,
  inspectListWorkload,
  logsWorkload,
  demuxWorkload,
  rssWorkload,
  sshWorkload,
  execWorkload,
  archiveWorkload,
  tracingWorkload,
  followWorkload,
  logsRemoteWorkload,
];
