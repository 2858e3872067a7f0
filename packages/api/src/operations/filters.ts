import { InvalidParameterError } from '@dockline/core';
/**
 * Engine API list filters: each key maps to the values to match, e.g.
 * `{ label: ['app=web'], status: ['running'] }`. Sent JSON-encoded (`map[string][]string`),
 * as the Go client does on API >= 1.22.
 */
export type Filters = Readonly<Record<string, readonly string[]>>;

/** Drops empty filter lists; undefined when nothing is left (the query parameter is omitted). */
export function encodeFilters(filters: Filters | undefined): Record<string, readonly string[]> | undefined {
  if (!filters) return undefined;
  const out: Record<string, readonly string[]> = {};
  let any = false;
  for (const [key, values] of Object.entries(filters)) {
    if (!Array.isArray(values)) {
      throw new InvalidParameterError(`dockline: filters.${key} must be an array of strings, e.g. { label: ['app=web'] }`);
    }
    if (values.length === 0) continue;
    out[key] = values;
    any = true;
  }
  return any ? out : undefined;
}
