import { Readable } from 'node:stream';
import { InvalidParameterError, NotFoundError, ProtocolError, ServerError } from '@dockline/core';
import type { CallOptions } from '../call-options.js';
import type { TarInput } from '../streams/binary-body.js';
import type { ClientContext } from '../context.js';
import { NotATarError, checkedTar, isAsyncIterable, peekHead, tarHeaderProblem } from '../archive/tar-check.js';

/** What the daemon says about a path in a container (X-Docker-Container-Path-Stat). */
export interface PathStat {
  /** Base name of the path ("sh" for /bin/sh). */
  name: string;
  /** Size in bytes (of the link itself for a symlink). */
  size: number;
  /**
   * Go's os.FileMode bits as the daemon sends them: the permission bits (`mode & 0o777`)
   * plus type bits such as 0x80000000 (directory) and 0x8000000 (symlink).
   */
  mode: number;
  /** Last modification time. */
  mtime: Date;
  /** For a symlink, its target as written ("/bin/busybox"); "" otherwise. */
  linkTarget: string;
}

/** Go's os.ModeDir and os.ModeSymlink, for tests on PathStat.mode. */
export const FILE_MODE_DIR = 0x80000000;
export const FILE_MODE_SYMLINK = 0x08000000;

export interface GetArchiveResult {
  /** The tar of the path (a directory with its contents, or one file), streamed from the daemon. */
  stream: Readable;
  stat: PathStat;
}

export interface PutArchiveOptions {
  /** Fail rather than replace a directory by a non-directory (or the reverse). */
  noOverwriteDirNonDir?: boolean | undefined;
  /** Give the extracted files the container's user/group for the tar's uid/gid (API 1.36+). */
  copyUIDGID?: boolean | undefined;
}


const STAT_HEADER = 'x-docker-container-path-stat';

function checkPath(method: string, containerPath: unknown): asserts containerPath is string {
  if (typeof containerPath !== 'string' || containerPath === '') {
    throw new InvalidParameterError(`${method}: path must be a non-empty path in the container, got ${JSON.stringify(containerPath)}`, {
      operation: method,
    });
  }
}

/** HEAD /containers/{id}/archive?path=: the path's stat. A path that does not exist is a NotFoundError. */
export async function statPath(ctx: ClientContext, id: string, containerPath: string, call?: CallOptions): Promise<PathStat> {
  checkPath('statPath', containerPath);
  let res;
  try {
    res = await ctx.call('ContainerArchiveInfo', { path: { id }, query: { path: containerPath } }, call);
  } catch (err) {
    // A HEAD answer has no body, so the daemon's message is lost: say what was asked.
    if (err instanceof NotFoundError && err.daemonMessage === undefined) {
      throw new NotFoundError(`statPath: ${containerPath} not found in container ${id} (or no such container) (ContainerArchiveInfo: HTTP 404)`, {
        operation: 'ContainerArchiveInfo',
        statusCode: 404,
        cause: err,
      });
    }
    throw err;
  }
  return decodePathStat(res.headers[STAT_HEADER], 'ContainerArchiveInfo');
}

/**
 * GET /containers/{id}/archive?path=: a tar of the path, streamed (read it to its end or
 * destroy it; it is never buffered whole). A path that does not exist is a NotFoundError.
 */
export async function getArchive(ctx: ClientContext, id: string, containerPath: string, call?: CallOptions): Promise<GetArchiveResult> {
  checkPath('getArchive', containerPath);
  const res = await ctx.call('ContainerArchive', { path: { id }, query: { path: containerPath } }, call);
  if (!res.stream) throw new ProtocolError('ContainerArchive: the daemon answered without a body', { operation: 'ContainerArchive' });
  let stat: PathStat;
  try {
    stat = decodePathStat(res.headers[STAT_HEADER], 'ContainerArchive');
  } catch (err) {
    res.stream.destroy();
    throw err;
  }
  return { stream: res.stream, stat };
}

/**
 * PUT /containers/{id}/archive?path=: extract a tar into the directory `path` of the
 * container. A stream is sent as it is read (backpressure reaches the source); its first
 * block is checked to be a tar header (the daemon accepts a short non-tar body silently).
 * The directory must exist: otherwise a NotFoundError.
 */
export async function putArchive(
  ctx: ClientContext,
  id: string,
  containerPath: string,
  tar: TarInput,
  options: PutArchiveOptions = {},
  call?: CallOptions,
): Promise<void> {
  checkPath('putArchive', containerPath);
  for (const k of ['noOverwriteDirNonDir', 'copyUIDGID'] as const) {
    const v = options[k];
    if (v !== undefined && typeof v !== 'boolean') {
      throw new InvalidParameterError(`putArchive: ${k} must be a boolean, got ${JSON.stringify(v)}`, { operation: 'PutContainerArchive' });
    }
  }
  let body: Uint8Array | Readable | AsyncIterable<Uint8Array>;
  if (tar instanceof Uint8Array) {
    const problem = tarHeaderProblem(tar);
    if (problem !== undefined) throw notATar(problem);
    body = tar;
  } else if (tar instanceof Readable) {
    // Peeked and put back: the stream itself goes to the socket, with its backpressure.
    let peeked;
    try {
      peeked = await peekHead(tar);
    } catch (err) {
      throw new InvalidParameterError(`putArchive: reading the tar stream failed: ${(err as Error)?.message ?? String(err)}`, { operation: 'PutContainerArchive', cause: err });
    }
    const problem = tarHeaderProblem(peeked.head);
    if (problem !== undefined) {
      tar.destroy();
      throw notATar(problem);
    }
    body = peeked.ended ? peeked.head : tar;
  } else if (isAsyncIterable(tar)) {
    body = checkedTar(tar);
  } else {
    throw new InvalidParameterError(`putArchive: tar must be a Readable, a Uint8Array or an AsyncIterable of bytes, got ${describe(tar)}`, {
      operation: 'PutContainerArchive',
    });
  }
  const query = { path: containerPath, noOverwriteDirNonDir: options.noOverwriteDirNonDir, copyUIDGID: options.copyUIDGID };
  try {
    // The daemon parses an untyped body as a form (and rejects ";" in it): say it is a tar.
    await ctx.call('PutContainerArchive', { path: { id }, query, headers: { 'Content-Type': 'application/x-tar' }, body }, call);
  } catch (err) {
    const notTar = findNotATar(err);
    if (notTar) throw notATar(notTar.message, notTar);
    // A body that only looked like a tar: the daemon's own words, as a parameter error. Not
    // "cannot overwrite (non-)directory" (noOverwriteDirNonDir), which dockerd also words as
    // "Error processing tar file": the tar was fine, the container's files refused it.
    const said = err instanceof ServerError ? (err.daemonMessage ?? '') : '';
    if (err instanceof ServerError && /Error processing tar file|invalid tar header|unexpected EOF/i.test(said) && !/cannot overwrite/i.test(said)) {
      throw new InvalidParameterError(`putArchive: the daemon could not read the tar: ${err.daemonMessage}`, {
        operation: 'PutContainerArchive',
        statusCode: err.statusCode,
        daemonMessage: err.daemonMessage,
        cause: err,
      });
    }
    throw err;
  }
}

function notATar(problem: string, cause?: unknown): InvalidParameterError {
  return new InvalidParameterError(`putArchive: tar is not a tar archive: ${problem}`, { operation: 'PutContainerArchive', cause });
}

/** The request fails with a transport error whose cause chain holds the body's NotATarError. */
function findNotATar(err: unknown): NotATarError | undefined {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    if (e instanceof NotATarError) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Decodes the base64 JSON of X-Docker-Container-Path-Stat. */
export function decodePathStat(header: string | string[] | undefined, operation: string): PathStat {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value === '') {
    throw new ProtocolError(`${operation}: the daemon sent no X-Docker-Container-Path-Stat header`, { operation });
  }
  let raw: { name?: unknown; size?: unknown; mode?: unknown; mtime?: unknown; linkTarget?: unknown };
  try {
    raw = JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as typeof raw;
  } catch (err) {
    throw new ProtocolError(`${operation}: X-Docker-Container-Path-Stat is not base64 JSON`, { operation, cause: err });
  }
  if (typeof raw !== 'object' || raw === null || typeof raw.name !== 'string' || typeof raw.size !== 'number' || typeof raw.mode !== 'number') {
    throw new ProtocolError(`${operation}: X-Docker-Container-Path-Stat lacks name, size or mode`, { operation });
  }
  return {
    name: raw.name,
    size: raw.size,
    mode: raw.mode,
    mtime: new Date(typeof raw.mtime === 'string' ? raw.mtime : 0),
    linkTarget: typeof raw.linkTarget === 'string' ? raw.linkTarget : '',
  };
}
