import { constants as fsConstants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConnectionError } from '@dockline/core';

/** One place a local daemon's socket may live. */
export interface SocketCandidate {
  path: string;
  /** Who puts a socket there, e.g. "Docker Desktop", "rootless Podman in $XDG_RUNTIME_DIR". */
  label: string;
}

export type SocketProbeResult = 'found' | 'missing' | 'not a socket' | 'permission denied' | 'error';

/** What the probe saw at one candidate. */
export interface SocketProbe extends SocketCandidate {
  result: SocketProbeResult;
  /** Why, in a few words, when the candidate was not taken. */
  detail?: string | undefined;
}

export interface SocketProbeOutcome {
  /** The first candidate holding a socket this user may open; undefined when none. */
  found: SocketCandidate | undefined;
  /** Every candidate looked at, in order, up to and including the one found. */
  tried: SocketProbe[];
}

/**
 * Where local daemons put their sockets, in the order they are tried: the docker CLI's own
 * default first, then rootless Docker, Docker Desktop, Podman, Colima and Rancher Desktop.
 * Paths that come out the same (XDG_RUNTIME_DIR is usually /run/user/$UID) appear once.
 */
export function defaultSocketCandidates(env: NodeJS.ProcessEnv = process.env): SocketCandidate[] {
  const home = env.HOME || homedir();
  const xdg = env.XDG_RUNTIME_DIR || undefined;
  const uid = process.getuid?.();
  const runUser = uid === undefined ? undefined : `/run/user/${uid}`;
  const list: Array<[string | undefined, string]> = [
    ['/var/run/docker.sock', 'Docker, the docker CLI default'],
    [xdg && join(xdg, 'docker.sock'), 'rootless Docker in $XDG_RUNTIME_DIR'],
    [join(home, '.docker', 'run', 'docker.sock'), 'Docker Desktop'],
    [join(home, '.docker', 'desktop', 'docker.sock'), 'Docker Desktop for Linux'],
    [runUser && join(runUser, 'docker.sock'), 'rootless Docker in /run/user/$UID'],
    ['/run/podman/podman.sock', 'rootful Podman'],
    [xdg && join(xdg, 'podman', 'podman.sock'), 'rootless Podman in $XDG_RUNTIME_DIR'],
    [runUser && join(runUser, 'podman', 'podman.sock'), 'rootless Podman in /run/user/$UID'],
    [env.COLIMA_HOME && join(env.COLIMA_HOME, 'default', 'docker.sock'), 'Colima in $COLIMA_HOME'],
    [join(home, '.colima', 'default', 'docker.sock'), 'Colima'],
    [join(home, '.config', 'colima', 'default', 'docker.sock'), 'Colima in ~/.config'],
    [join(home, '.rd', 'docker.sock'), 'Rancher Desktop'],
  ];
  const seen = new Set<string>();
  const out: SocketCandidate[] = [];
  for (const [path, label] of list) {
    if (!path || seen.has(path)) continue;
    seen.add(path);
    out.push({ path, label });
  }
  return out;
}

/**
 * Looks at each candidate in order and takes the first that is a socket this user may open.
 * Only existence and permissions are checked, never a connection: that would cost a round
 * trip on every createClient(), and a socket that exists is what a daemon left for us (a
 * stale one fails the first call with a ConnectionError naming it).
 */
export async function probeSockets(candidates: readonly SocketCandidate[]): Promise<SocketProbeOutcome> {
  const tried: SocketProbe[] = [];
  for (const c of candidates) {
    const probe = await probeOne(c);
    tried.push(probe);
    if (probe.result === 'found') return { found: c, tried };
  }
  return { found: undefined, tried };
}

async function probeOne(c: SocketCandidate): Promise<SocketProbe> {
  try {
    const st = await stat(c.path);
    if (!st.isSocket()) {
      return { ...c, result: 'not a socket', detail: st.isDirectory() ? 'a directory is there' : 'a file that is not a socket is there' };
    }
  } catch (err) {
    return { ...c, ...fromErrno(err, 'may not look into its folder') };
  }
  try {
    // Connecting to a unix socket needs write permission on it (and search on its folders).
    await access(c.path, fsConstants.R_OK | fsConstants.W_OK);
  } catch (err) {
    return { ...c, ...fromErrno(err, 'may not open it, though it exists') };
  }
  return { ...c, result: 'found' };
}

function fromErrno(err: unknown, denied: string): Pick<SocketProbe, 'result' | 'detail'> {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return { result: 'missing', detail: 'no such file' };
  if (code === 'EACCES' || code === 'EPERM') {
    const uid = process.getuid?.();
    return {
      result: 'permission denied',
      detail: `this user${uid === undefined ? '' : ` (uid ${uid})`} ${denied} (for /var/run/docker.sock: join the docker group, then log in again)`,
    };
  }
  return { result: 'error', detail: `${code ?? 'error'}: ${(err as Error).message}` };
}

/** One line per candidate, for errors and descriptions. */
export function formatProbes(tried: readonly SocketProbe[]): string {
  return tried.map((t) => `  - ${t.path} (${t.label}): ${t.result}${t.detail && t.result !== 'missing' ? `: ${t.detail}` : ''}`).join('\n');
}

/** The error when no candidate holds a usable socket: every place tried, and why each failed. */
export function noDaemonError(tried: readonly SocketProbe[], why: string): ConnectionError {
  return new ConnectionError(
    `no Docker daemon found: ${why}, so dockline looked for a local daemon socket, and none is usable. Tried, in order:\n` +
      `${formatProbes(tried)}\n` +
      'Start a daemon (Docker, Podman: `systemctl --user start podman.socket`, Colima, Rancher Desktop), or say where it is: ' +
      'DOCKER_HOST=unix:///path/to/docker.sock or tcp://host:2376, DOCKER_CONTEXT=<name> (docker context ls), or createClient({ host }).',
    { connectFailed: true },
  );
}
