import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  ConnectionError,
  DockerError,
  ForbiddenError,
  InvalidParameterError,
  NotFoundError,
  NotImplementedError,
  ServerError,
  UnauthorizedError,
  UnavailableError,
} from './errors.js';
import { daemonMessageFrom, errorFromStatus } from './status-to-error.js';

describe('status to error', () => {
  it.each([
    [400, InvalidParameterError],
    [401, UnauthorizedError],
    [403, ForbiddenError],
    [404, NotFoundError],
    [409, ConflictError],
    [500, ServerError],
    [501, NotImplementedError],
    [503, UnavailableError],
    [429, UnavailableError],
    [502, UnavailableError],
    [504, UnavailableError],
    [507, ServerError],
  ])('%i -> %o', (status, Class) => {
    const err = errorFromStatus(status, Buffer.from('{"message":"the daemon says so"}'), { operation: 'ContainerInspect', endpoint: 'unix:///x' });
    expect(err).toBeInstanceOf(Class);
    expect(err).toBeInstanceOf(DockerError);
    expect(err).toBeInstanceOf(Error);
    expect(err.statusCode).toBe(status);
    expect(err.operation).toBe('ContainerInspect');
    expect(err.daemonMessage).toBe('the daemon says so');
    expect(err.message).toBe(`the daemon says so (ContainerInspect: HTTP ${status})`);
    expect(err.name).toBe(Class.name);
  });

  it('takes a plain-text body as the message, and says when there was none', () => {
    expect(daemonMessageFrom(Buffer.from('page not found\n'))).toBe('page not found');
    expect(daemonMessageFrom(Buffer.from('{not json'))).toBe('{not json');
    expect(daemonMessageFrom(Buffer.alloc(0))).toBeUndefined();
    expect(errorFromStatus(404, undefined, { operation: 'X' }).message).toBe('HTTP 404 with no message (X: HTTP 404)');
  });

  it('says when the error body was cut at 1 MiB', () => {
    expect(errorFromStatus(500, Buffer.from('boom'), { operation: 'X', truncated: true }).message).toContain('error body truncated at 1 MiB');
  });

  it('maps Go\'s answer to plain HTTP on a TLS port to a ConnectionError telling to enable TLS', () => {
    const err = errorFromStatus(400, Buffer.from('Client sent an HTTP request to an HTTPS server.\n'), { operation: 'SystemPing', endpoint: 'tcp://h:2376' });
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).connectFailed).toBe(true);
    expect(err.message).toContain('tcp://h:2376 is a TLS port: enable TLS');
  });

  it('instanceof DockerError works for an error from another copy of the package (Symbol.for marker)', () => {
    const foreign = new (class extends Error {
      get [Symbol.for('dockline.error')]() {
        return true;
      }
    })('from another copy');
    expect(foreign).toBeInstanceOf(DockerError);
    expect(new Error('plain')).not.toBeInstanceOf(DockerError);
    expect(new NotFoundError('x')).not.toBeInstanceOf(ConflictError);
  });
});

describe('secrets in daemon messages', () => {
  it('scrubs URL passwords and tokens the daemon echoes, in the message and in daemonMessage', () => {
    const body = '{"message":"Get \\"https://me:hunter2@registry.example/v2/?token=abc.def\\": unauthorized"}';
    const err = errorFromStatus(500, Buffer.from(body), { operation: 'ImageCreate' });
    expect(err.message).not.toContain('hunter2');
    expect(err.message).not.toContain('abc.def');
    expect(err.daemonMessage).not.toContain('hunter2');
    expect(err.message).toContain('https://me:REDACTED@registry.example/v2/?token=REDACTED');
  });
});
