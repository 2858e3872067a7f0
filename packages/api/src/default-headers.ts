import { InvalidParameterError, type Middleware } from '@dockline/core';
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
  return function defaultHeaders(req, next) {
    const own = req.headers;
    const merged: Record<string, string> = {};
    for (const [k, v] of defaults) {
      if (own && hasHeader(own, k)) continue;
      merged[k] = v;
    }
    return next({ ...req, headers: own ? { ...merged, ...own } : merged });
  };
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  const lower = name.toLowerCase();
  for (const k in headers) if (k.toLowerCase() === lower) return true;
  return false;
}
