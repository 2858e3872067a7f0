// The tour: each step of the DockerInterface a kubelet (or you) would use, against one
// daemon, each wrapped in a span of its own so the waterfall reads step by step.
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { NotFoundError, type DockerClient, type RegistryAuth } from '@dockline/api';
import { formatBytes, progressPrinter } from './progress.ts';
import { fit, outputWidth } from './width.ts';

export interface TourOptions {
  docker: DockerClient;
  tracer: Tracer;
  out: NodeJS.WriteStream;
  /** The image the container runs: needs sh, echo, tr, wc, sleep (busybox). */
  image: string;
  /** Pull this first (with auth when given); undefined: no pull. */
  pull?: { ref: string; auth?: RegistryAuth | undefined } | undefined;
  /** Prefix of the container's name. */
  name: string;
  /** Columns to fit every line in (default: outputWidth(out), at most 80). */
  width?: number;
}

export interface TourResult {
  containerId: string | undefined;
  execOutput: string;
  logs: { stdout: string; stderr: string };
}

/** Collects what a stream writes, for printing it indented afterwards. */
function collector(): { stream: Writable; text: () => string } {
  const parts: Buffer[] = [];
  return {
    stream: new Writable({
      write(chunk: Buffer, _enc, cb) {
        parts.push(Buffer.from(chunk));
        cb();
      },
    }),
    text: () => Buffer.concat(parts).toString('utf8'),
  };
}

export async function runTour(o: TourOptions): Promise<TourResult> {
  const { docker, tracer, out } = o;
  const width = o.width ?? outputWidth(out);
  const say = (line = ''): void => void out.write(`${fit(line, width)}\n`);
  const step = async <T>(title: string, fn: () => Promise<T>): Promise<T> => {
    say(`\n== ${title}`);
    return tracer.startActiveSpan(title, async (span) => {
      try {
        return await fn();
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
        throw err;
      } finally {
        span.end();
      }
    });
  };

  const result: TourResult = { containerId: undefined, execOutput: '', logs: { stdout: '', stderr: '' } };

  if (o.pull) {
    const { ref, auth } = o.pull;
    await step(`pull ${ref}`, async () => {
      const bar = progressPrinter(out, '  ', width);
      const pulled = await docker.pullImage(ref, { auth, onProgress: (p) => bar.update(p) });
      bar.done();
      say(`  ${pulled.status ?? 'pulled'}`);
      if (pulled.digest) say(`  digest ${pulled.digest}`);
    });
  }

  let id: string | undefined;
  try {
    await step('create and start a container', async () => {
      // A short script: a few lines on stdout and stderr, then idle until stopped. As PID 1,
      // sh ignores SIGTERM unless it traps it: the trap makes `stop` quick.
      const script = [
        'echo "hello from $(hostname), a container started by dockline"',
        'echo "this line went to stderr" >&2',
        'trap "echo got SIGTERM, exiting; exit 0" TERM',
        'while :; do sleep 0.1; done',
      ].join('; ');
      const created = await docker.createContainer({
        name: `${o.name}-${process.pid}-${randomBytes(3).toString('hex')}`,
        config: { Image: o.image, Cmd: ['sh', '-c', script], Labels: { 'dockline.demo': 'tour' } },
        // No network at all: the demo needs none, and machines here forbid bridges.
        hostConfig: { NetworkMode: 'none', Memory: 64 * 1024 * 1024 },
      });
      id = created.Id;
      result.containerId = id;
      await docker.startContainer(id);
      const inspect = await docker.inspectContainer(id);
      say(`  created ${id.slice(0, 12)} (${inspect.Name?.replace(/^\//, '')}), running: ${inspect.State?.Running}`);
      say(`  image   ${o.image}`);
    });
    const cid = id!;

    await step('logs', async () => {
      // Not `follow`: the container runs until stopped. Poll briefly for its first lines.
      for (let i = 0; i < 50; i++) {
        const stdout = collector();
        const stderr = collector();
        await docker.logs(cid, { stdout: true, stderr: true }, { stdout: stdout.stream, stderr: stderr.stream });
        result.logs = { stdout: stdout.text(), stderr: stderr.text() };
        if (result.logs.stdout && result.logs.stderr) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const line of result.logs.stdout.trimEnd().split('\n')) say(`  stdout | ${line}`);
      for (const line of result.logs.stderr.trimEnd().split('\n')) say(`  stderr | ${line}`);
    });

    await step('exec with stdin', async () => {
      const input = 'dockline pipes stdin into exec, and the half-close ends it\n';
      const exec = await docker.createExec(cid, {
        // tr reads stdin to its end: it exits only because the end of our stdin half-closes the connection.
        Cmd: ['tr', 'a-z', 'A-Z'],
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
      });
      const stdout = collector();
      const stderr = collector();
      await docker.startExec(exec.Id!, {}, { stdin: Readable.from([Buffer.from(input)]), stdout: stdout.stream, stderr: stderr.stream });
      const done = await docker.inspectExec(exec.Id!);
      result.execOutput = stdout.text();
      say(`  stdin  > ${input.trimEnd()}`);
      say(`  stdout < ${result.execOutput.trimEnd()}`);
      say(`  exit code ${done.ExitCode}`);
    });

    await step('stats', async () => {
      const stats = await docker.getContainerStats(cid);
      const mem = stats.memory_stats?.usage;
      const limit = stats.memory_stats?.limit;
      const cpuDelta = (stats.cpu_stats?.cpu_usage?.total_usage ?? 0) - (stats.precpu_stats?.cpu_usage?.total_usage ?? 0);
      const sysDelta = (stats.cpu_stats?.system_cpu_usage ?? 0) - (stats.precpu_stats?.system_cpu_usage ?? 0);
      const cpus = stats.cpu_stats?.online_cpus ?? 1;
      const cpu = sysDelta > 0 ? ((cpuDelta / sysDelta) * cpus * 100).toFixed(2) : '0.00';
      say(`  memory ${typeof mem === 'number' ? formatBytes(mem) : '?'}${limit ? ` of ${formatBytes(limit)}` : ''}, cpu ${cpu}%, pids ${stats.pids_stats?.current ?? '?'}`);
    });

    await step('stop', async () => {
      const stopped = await docker.stopContainer(cid, { timeout: 10 });
      const inspect = await docker.inspectContainer(cid);
      say(`  stopped${stopped.alreadyStopped ? ' (it already was)' : ''}: exit code ${inspect.State?.ExitCode}`);
    });
  } finally {
    if (id !== undefined) {
      const cid = id;
      await step('remove', async () => {
        await docker.removeContainer(cid, { force: true });
        const gone = await docker.inspectContainer(cid).then(
          () => false,
          (err: unknown) => err instanceof NotFoundError,
        );
        say(`  removed ${cid.slice(0, 12)}${gone ? ' (inspect now says: no such container)' : ''}`);
      });
    }
  }
  return result;
}

/** Run `fn` inside a root span, so every step and call of the tour is one trace. */
export function inRootSpan<T>(tracer: Tracer, name: string, fn: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, (span) =>
    fn().finally(() => {
      span.end();
    }),
  ) as Promise<T>;
}
