import { InvalidParameterError, markSequential, type Middleware } from '@dockline/core';
import { DEFAULT_USER_AGENT } from './version.js';

/** An HTTP token (RFC 9110): what a header name may hold. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Checks `createClient({ headers })` and adds the default `User-Agent` unless one is given
 * (any case). Throws InvalidParameterError naming the header.
 */
export function clientHeaders(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers !== undefined && (headers === null || typeof headers !== 'object' || Array.isArray(headers))) {
    throw new InvalidParameterError(`dockline: createClient headers must be an object of header name to string value, got ${String(headers)}`);
  }
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!TOKEN.test(name)) throw new InvalidParameterError(`dockline: createClient headers: ${JSON.stringify(name)} is not a valid header name`);
    if (typeof value !== 'string' || /[\r\n\0]/.test(value)) {
      throw new InvalidParameterError(`dockline: createClient headers[${JSON.stringify(name)}] must be a string without CR, LF or NUL`);
    }
    out[name] = value;
  }
  if (!Object.keys(out).some((k) => k.toLowerCase() === 'user-agent')) out['User-Agent'] = DEFAULT_USER_AGENT;
  return out;
}

/**
 * The innermost layer createClient adds: every request (the version negotiation's ping
 * too, which goes through next()) carries the client's headers; a request's own headers
 * (X-Registry-Auth...) win, names compared without case.
 */
export function defaultHeaders(headers: Readonly<Record<string, string>>): Middleware {
  const defaults = Object.entries(headers);
  // Most calls carry no header of their own: they share one object (frozen: nothing below
  // changes a request's headers, and a layer that tried would fail loudly, not leak).
  const shared: Readonly<Record<string, string>> = Object.freeze({ ...headers });
  // Sequential: it calls next() once per call, so compose() needs no re-entry guard here.
  return markSequential<Middleware>(function defaultHeaders(req, next) {
    const own = req.headers;
    if (own === undefined) return next({ ...req, headers: shared as Record<string, string> });
    const merged: Record<string, string> = {};
    for (const [k, v] of defaults) if (!hasHeader(own, k)) merged[k] = v;
    for (const k in own) merged[k] = own[k]!;
    return next({ ...req, headers: merged });
  });
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  const lower = name.toLowerCase();
  for (const k in headers) if (k.toLowerCase() === lower) return true;
  return false;
}
