import { InvalidParameterError } from '@dockline/core';

/**
 * A `since` / `until` value as the daemon parses it: a Date becomes Unix seconds with
 * nanoseconds ("1700000000.123000000"); a number is Unix seconds (fractions allowed) and
 * passes as is. Anything else throws InvalidParameterError naming the method and option.
 */
export function unixTime(t: Date | number | undefined, method: string, option: string): string | number | undefined {
  if (t === undefined) return undefined;
  if (t instanceof Date) {
    const ms = t.getTime();
    if (Number.isNaN(ms)) throw new InvalidParameterError(`${method}: ${option} is an invalid Date`);
    const s = Math.floor(ms / 1000);
    return `${s}.${String((ms - s * 1000) * 1_000_000).padStart(9, '0')}`;
  }
  if (typeof t !== 'number' || !Number.isFinite(t)) {
    throw new InvalidParameterError(`${method}: ${option} must be a Date or Unix seconds, got ${typeof t === 'number' ? String(t) : JSON.stringify(t)}`);
  }
  return t;
}
