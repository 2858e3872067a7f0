import { describe, expect, it } from 'vitest';
import { ConflictError, InvalidParameterError, NotFoundError, ServerError } from '@dockline/core';
import { staleVersionError } from './swarm-version.js';
import { requireId, requireVersion } from './validate.js';

describe('staleVersionError', () => {
  it('turns dockerd\'s 500 "update out of sequence" into a ConflictError naming the version', () => {
    const daemon = new ServerError('ServiceUpdate: rpc error: code = Unknown desc = update out of sequence', {
      operation: 'ServiceUpdate',
      statusCode: 500,
      daemonMessage: 'rpc error: code = Unknown desc = update out of sequence',
    });
    const err = staleVersionError(daemon, 'updateService abc', 41);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).message).toContain('version 41');
    expect((err as ConflictError).statusCode).toBe(500);
    expect((err as ConflictError).cause).toBe(daemon);
  });

  it('leaves every other error alone', () => {
    const other = new ServerError('boom', { statusCode: 500, daemonMessage: 'boom' });
    expect(staleVersionError(other, 'x', 1)).toBe(other);
    const missing = new NotFoundError('no such service', { statusCode: 404 });
    expect(staleVersionError(missing, 'x', 1)).toBe(missing);
  });
});

describe('argument checks', () => {
  it('requireVersion wants an integer >= 0 and names the method and the value', () => {
    expect(requireVersion('updateNode', 0, 'NodeUpdate')).toBe(0);
    for (const bad of [-1, 1.5, Number.NaN, '3', undefined]) {
      expect(() => requireVersion('updateNode', bad, 'NodeUpdate')).toThrow(InvalidParameterError);
    }
    expect(() => requireVersion('updateNode', -1, 'NodeUpdate')).toThrow(/updateNode version .* -1/);
  });

  it('requireId refuses empty and non-string ids', () => {
    expect(requireId('inspectNetwork', 'id', 'abc', 'NetworkInspect')).toBe('abc');
    expect(() => requireId('inspectNetwork', 'id', '', 'NetworkInspect')).toThrow(/inspectNetwork id must be a non-empty string/);
    expect(() => requireId('inspectNetwork', 'id', 42, 'NetworkInspect')).toThrow(InvalidParameterError);
  });
});
