// Process helpers: running short commands, detaching long-lived daemons, pid checks, free ports.
import { spawn } from 'node:child_process';
import { open, readFile, readdir, rm } from 'node:fs/promises';
import { constants as fsConstants, accessSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { delimiter, join } from 'node:path';

export interface RunResult {
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

/** Runs a command to completion; rejects with its stderr when it exits non-zero. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(new Error(`${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) resolve({ stdout, stderr });
      else
        reject(
          new Error(
            `${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${(stderr || stdout).trim().slice(-2000)}`,
          ),
        );
    });
    // A command that never reads stdin must not make us crash with EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input);
  });
}

/**
 * Starts a daemon that outlives us: own session (detached), no pipes back to us
 * (stdout/stderr appended to a log file), unref'd so our event loop can exit.
 */
export async function spawnDetached(
  cmd: string,
  args: readonly string[],
  logPath: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const log = await open(logPath, 'a');
  try {
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', log.fd, log.fd], env });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', (e) => reject(new Error(`cannot start ${cmd}: ${e.message}`)));
      child.once('spawn', () => resolve(child.pid!));
    });
    child.unref();
    return pid;
  } finally {
    // The child has its own copy of the descriptor.
    await log.close();
  }
}

/** True when a process with this pid exists; zombies count as dead (nothing reaps them here). */
export function isAlive(pid: number | undefined): pid is number {
  if (!pid || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: exists but belongs to someone else.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // /proc/PID/stat: "pid (comm) S ...": the state letter follows the last ')'.
  const stat = readFileSyncSafe(`/proc/${pid}/stat`);
  if (stat === undefined) return true;
  return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
}

function readFileSyncSafe(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The executable name of a live pid (from /proc/PID/comm), so a recycled pid is not mistaken for our daemon. */
export function processName(pid: number): string | undefined {
  return readFileSyncSafe(`/proc/${pid}/comm`)?.trim();
}

/** pid alive and running the expected program (comm is truncated to 15 chars by the kernel). */
export function isOurProcess(pid: number | undefined, name: string): pid is number {
  if (!isAlive(pid)) return false;
  const comm = processName(pid);
  return comm === undefined || comm === name.slice(0, 15);
}

export async function readPidFile(path: string): Promise<number | undefined> {
  try {
    const n = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until the pid is gone; SIGKILLs it after timeoutMs. */
export async function terminate(pid: number | undefined, timeoutMs = 20_000): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      await sleep(200);
      return;
    }
    await sleep(100);
  }
}

/** A free loopback port: bind port 0, read what the kernel gave, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** True when we could bind the port right now (used to reuse a stored port after a restart). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Connects to a unix socket; false when nobody listens (a stale socket file). */
export function socketAccepts(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ path });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** Removes a file if present. */
export async function removeFile(path: string): Promise<void> {
  await rm(path, { force: true });
}

/** Finds an executable on PATH plus the sbin dirs (a non-root PATH often lacks them). */
export function which(name: string): string | undefined {
  if (name.includes('/')) return isExecutable(name) ? name : undefined;
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const p = join(dir, name);
    if (isExecutable(p)) return p;
  }
  return undefined;
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export const isRoot = (): boolean => process.getuid?.() === 0;

/** Last lines of a log file, for error messages. */
export async function tail(path: string, lines = 20): Promise<string> {
  try {
    const text = await readFile(path, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${path})`;
  }
}

/**
 * Live processes whose command line contains `marker` (a path inside our state dir), so a
 * daemon whose pid file was lost is still found, and never one of another state dir.
 */
export async function findProcesses(marker: string, comm?: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    if (comm !== undefined && processName(pid) !== comm.slice(0, 15)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.split('\0').some((arg) => arg.includes(marker)) && isAlive(pid)) found.push(pid);
  }
  return found;
}

/** Terminates every given pid (deduplicated) in parallel. */
export async function terminateAll(pids: Array<number | undefined>, timeoutMs?: number): Promise<void> {
  const unique = [...new Set(pids.filter((p): p is number => isAlive(p)))];
  await Promise.all(unique.map((p) => terminate(p, timeoutMs)));
}

/** Every live descendant of the given pids (children, grandchildren, ...), from /proc/PID/stat. */
export async function descendants(roots: number[]): Promise<number[]> {
  const parentOf = new Map<number, number>();
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    // "pid (comm) S ppid ...": fields after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (Number.isInteger(ppid)) parentOf.set(pid, ppid);
  }
  const found = new Set<number>();
  let frontier = new Set(roots);
  while (frontier.size > 0) {
    const next = new Set<number>();
    for (const [pid, ppid] of parentOf) if (frontier.has(ppid) && !found.has(pid)) next.add(pid);
    for (const pid of next) found.add(pid);
    frontier = next;
  }
  return [...found].filter((p) => isAlive(p));
}
