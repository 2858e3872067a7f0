import { InvalidParameterError } from '@dockline/core';
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { RegistryAuth } from './registry-auth.js';

export interface CheckAuthResult {
  /** "Login Succeeded" */
  Status: string;
  /** A token to use instead of the password, when the registry hands one out. */
  IdentityToken?: string;
}

/**
 * POST /auth: the daemon logs in to `auth.serveraddress` (`docker login`). Wrong
 * credentials are an UnauthorizedError (401) carrying the daemon's message; the password
 * is never in an error or a span.
 */
export async function checkAuth(ctx: ClientContext, auth: RegistryAuth, call?: CallOptions): Promise<CheckAuthResult> {
  if (!auth || typeof auth !== 'object') {
    throw new InvalidParameterError('dockline: checkAuth(auth) needs { username, password, serveraddress } (or identitytoken)');
  }
  const body: Record<string, string> = {};
  for (const [k, v] of Object.entries(auth)) if (typeof v === 'string' && v !== '') body[k] = v;
  const res = await ctx.call('SystemAuth', { body }, call);
  // 204 (no body) is documented too: a success without a status text.
  const out = (res.body ?? {}) as { Status?: string; IdentityToken?: string };
  const result: CheckAuthResult = { Status: out.Status ?? 'Login Succeeded' };
  if (out.IdentityToken) result.IdentityToken = out.IdentityToken;
  return result;
}
