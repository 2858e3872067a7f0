import { InvalidParameterError } from '@dockline/core';

/** An id or name argument must be a non-empty string: the daemon would read "" as a list route. */
export function requireId(method: string, option: string, value: unknown, operation: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidParameterError(`dockline: ${method} ${option} must be a non-empty string, got ${JSON.stringify(value) ?? String(value)}`, {
      operation,
    });
  }
  return value;
}

/** A swarm object version (`Version.Index` from inspect): a non-negative integer. */
export function requireVersion(method: string, value: unknown, operation: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidParameterError(`dockline: ${method} version must be the object's Version.Index (an integer >= 0), got ${String(value)}`, {
      operation,
    });
  }
  return value;
}
