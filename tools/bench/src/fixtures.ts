// Containers the workloads read: made once, found again by label (also by a later run
// with --keep), removed at the end. All are labelled dockline.bench and have no network.
import type { DockerClient } from '@dockline/api';
import type { BenchContext } from './workload.ts';

export const LABEL = 'dockline.bench';
const FIXTURE = 'dockline.bench.fixture';
/** The label filter that selects the list/inspect containers and nothing else. */
export const LIST_FILTER = `${FIXTURE}=list`;

async function pool<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function findFixture(admin: DockerClient, key: string): Promise<{ Id: string; State: string }[]> {
  const list = await admin.listContainers({ all: true, filters: { label: [`${FIXTURE}=${key}`] } });
  return list.map((c) => ({ Id: c.Id!, State: c.State ?? '' }));
}

/** Exactly `n` created (never started) containers labelled for the list/inspect workload. Returns their ids. */
export async function ensureListContainers(ctx: BenchContext, n: number): Promise<string[]> {
  const key = 'list';
  const have = (await findFixture(ctx.admin, key)).map((c) => c.Id);
  if (have.length < n) {
    ctx.log(`fixtures: creating ${n - have.length} containers (${have.length} already there)`);
    const todo = Array.from({ length: n - have.length }, (_, i) => i);
    await pool(todo, 8, async () => {
      const { Id } = await ctx.admin.createContainer({
        config: { Image: ctx.engine.image, Cmd: ['true'], Labels: { [LABEL]: 'true', [FIXTURE]: key } },
        hostConfig: { NetworkMode: 'none' },
      });
      have.push(Id);
    });
  }
  if (have.length > n) {
    // Kept from a run with more (--keep, then --quick): the list must hold exactly n.
    await pool(have.slice(n), 8, (id) => ctx.admin.removeContainer(id, { force: true }).then(() => undefined));
  }
  return have.slice(0, n);
}

/** Line shapes of the log fixtures. */
export type LogLines = '37b' | '1mib';

/**
 * A container (no TTY) that wrote `bytes` of log lines to stdout and exited 0: 37-byte lines
 * (`yes` of 36 'a's) or 1 MiB lines. Reused while it is there and complete.
 */
export async function ensureLogsContainer(ctx: BenchContext, lines: LogLines, bytes: number): Promise<string> {
  const key = `logs-${lines}-${bytes}`;
  for (const c of await findFixture(ctx.admin, key)) {
    const info = await ctx.admin.inspectContainer(c.Id);
    if (info.State?.Status === 'exited' && info.State.ExitCode === 0) return c.Id;
    await ctx.admin.removeContainer(c.Id, { force: true });
  }
  const script =
    lines === '37b'
      ? `yes ${'a'.repeat(36)} | head -c ${bytes}`
      : // A 1 MiB line (1048575 'a's and a newline) written bytes/1MiB times.
        `head -c 1048575 /dev/zero | tr '\\0' a > /tmp/line && echo >> /tmp/line && ` +
        `i=0; while [ $i -lt ${Math.ceil(bytes / 1048576)} ]; do cat /tmp/line; i=$((i+1)); done`;
  ctx.log(`fixtures: writing ${key} (the daemon logs it at its own pace)`);
  const t0 = Date.now();
  const { Id } = await ctx.admin.createContainer({
    config: { Image: ctx.engine.image, Cmd: ['sh', '-c', script], Tty: false, Labels: { [LABEL]: 'true', [FIXTURE]: key } },
    hostConfig: { NetworkMode: 'none' },
  });
  await ctx.admin.startContainer(Id);
  const { StatusCode } = await ctx.admin.request('ContainerWait', { path: { id: Id } });
  if (StatusCode !== 0) throw new Error(`the ${key} fixture exited ${StatusCode}`);
  ctx.log(`fixtures: ${key} written in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return Id;
}

/** A running container to exec into. */
export async function ensureExecContainer(ctx: BenchContext): Promise<string> {
  const key = 'exec';
  for (const c of await findFixture(ctx.admin, key)) {
    if (c.State === 'running') return c.Id;
    await ctx.admin.removeContainer(c.Id, { force: true });
  }
  const { Id } = await ctx.admin.createContainer({
    config: { Image: ctx.engine.image, Cmd: ['sleep', '86400'], Labels: { [LABEL]: 'true', [FIXTURE]: key } },
    hostConfig: { NetworkMode: 'none' },
  });
  await ctx.admin.startContainer(Id);
  return Id;
}

/** Removes every container this tool labelled. */
export async function removeFixtures(ctx: BenchContext): Promise<void> {
  const list = await ctx.admin.listContainers({ all: true, filters: { label: [LABEL] } });
  if (list.length === 0) return;
  ctx.log(`fixtures: removing ${list.length} containers (--keep keeps them)`);
  await pool(list, 8, async (c) => {
    await ctx.admin.removeContainer(c.Id!, { force: true }).catch((err: unknown) => {
      ctx.log(`fixtures: could not remove ${c.Id}: ${err instanceof Error ? err.message : String(err)}`);
    });
  });
}
