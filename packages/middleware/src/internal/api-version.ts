import { InvalidParameterError } from '@dockline/core';
/** Engine API versions are "MAJOR.MINOR" ("1.41"); compared numerically, never as strings ("1.9" < "1.41"). */
const API_VERSION = /^(\d{1,4})\.(\d{1,4})$/;

export function parseApiVersion(value: string): [major: number, minor: number] | undefined {
  const m = API_VERSION.exec(value.trim());
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2])];
}

export function isApiVersion(value: unknown): value is string {
  return typeof value === 'string' && parseApiVersion(value) !== undefined;
}

/** Negative when a < b, 0 when equal, positive when a > b. Both must be valid versions. */
export function compareApiVersions(a: string, b: string): number {
  const pa = parseApiVersion(a);
  const pb = parseApiVersion(b);
  if (!pa || !pb) throw new InvalidParameterError(`dockline: cannot compare API versions ${JSON.stringify(a)} and ${JSON.stringify(b)}`);
  return pa[0] - pb[0] || pa[1] - pb[1];
}

/** Throws a TypeError naming the option when `value` is not "MAJOR.MINOR". */
export function checkApiVersion(name: string, value: unknown): string {
  if (!isApiVersion(value)) {
    throw new InvalidParameterError(`dockline: ${name} must be an Engine API version such as "1.41", got ${JSON.stringify(value)}`);
  }
  return value.trim();
}
