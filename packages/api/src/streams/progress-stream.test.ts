// The one rule for NDJSON progress streams, and the tracker reading push lines (no daemon).
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { NotFoundError, ServerError, UnauthorizedError } from '@dockline/core';
import { progressError, progressErrorClass, progressLineError, readProgress } from './progress-stream.js';
import { PullProgressTracker, type PullMessage } from './pull-progress.js';

const lines = (...values: object[]): Readable => Readable.from([Buffer.from(values.map((v) => `${JSON.stringify(v)}\r\n`).join(''))]);

describe('progress streams', () => {
  it('an error line is recognised by errorDetail or error, even empty', () => {
    expect(progressLineError({ status: 'Pushing' } as object)).toBeUndefined();
    expect(progressLineError({ errorDetail: { message: 'boom' }, error: 'boom' })).toBe('boom');
    expect(progressLineError({ error: 'only the old field' })).toBe('only the old field');
    expect(progressLineError({ errorDetail: {} })).toMatch(/empty error line/);
  });

  it('classifies by the words', () => {
    expect(progressErrorClass('unauthorized: authentication required')).toBe(UnauthorizedError);
    expect(progressErrorClass('no basic auth credentials')).toBe(UnauthorizedError);
    expect(progressErrorClass('tag does not exist: r/x:absent')).toBe(NotFoundError);
    expect(progressErrorClass('manifest unknown')).toBe(NotFoundError);
    expect(progressErrorClass('open /var/lib/docker/tmp/x/repositories: no such file or directory')).toBe(ServerError);
    const err = progressError('unauthorized: https://user:secret-pw@r/v2/', 'ImagePush', 'pushing r/x:v1');
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect(err.operation).toBe('ImagePush');
    expect(err.message).toContain('(ImagePush: pushing r/x:v1)');
    expect(err.message).not.toContain('secret-pw');
  });

  it('readProgress hands on the lines before an error line, then rejects with it', async () => {
    const seen: string[] = [];
    const stream = lines({ status: 'Preparing', id: 'a' }, { status: 'Pushing', id: 'a' }, { errorDetail: { message: 'denied: requested access to the resource is denied' }, error: 'x' }, { status: 'never' });
    const err = await readProgress<{ status?: string }>(stream, 'ImagePush', 'pushing r/x:v1', (m) => seen.push(m.status!)).catch((e: unknown) => e);
    expect(seen).toEqual(['Preparing', 'Pushing']);
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).daemonMessage).toBe('denied: requested access to the resource is denied');
    expect(stream.destroyed).toBe(true);
  });

  it('the tracker counts pushed bytes and finished layers', () => {
    const t = new PullProgressTracker('r/x:v1');
    const push: PullMessage[] = [
      { status: 'The push refers to repository [r/x]' },
      { status: 'Preparing', id: 'l1', progressDetail: {} },
      { status: 'Preparing', id: 'l2', progressDetail: {} },
      { status: 'Mounted from library/busybox', id: 'l2', progressDetail: {} },
      { status: 'Pushing', id: 'l1', progressDetail: { current: 512, total: 1024 } },
      { status: 'Pushing', id: 'l1', progressDetail: { current: 1024, total: 1024 } },
      { status: 'Pushed', id: 'l1', progressDetail: {} },
    ];
    let last;
    for (const m of push) last = t.update(m);
    expect(last).toMatchObject({ current: 1024, total: 1024, completed: 2, status: 'The push refers to repository [r/x]' });
    expect(last!.layers.get('l1')).toEqual({ status: 'Pushed', current: 1024, total: 1024 });
  });
});
