import { InvalidParameterError, ServerError, UnauthorizedError } from '@dockline/core';
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import { progressErrorClass } from '../streams/progress-stream.js';
import type { RegistryAuth } from './registry-auth.js';

export interface CheckAuthResult {
  /** "Login Succeeded" */
  Status: string;
  /** A token to use instead of the password, when the registry hands one out. */
  IdentityToken?: string;
}

/**
 * POST /auth: the daemon logs in to `auth.serveraddress` (`docker login`). Wrong
 * credentials are an UnauthorizedError carrying the daemon's message, also where the
 * daemon answers them with a 500 (dockerd 20.10: "login attempt to ... failed with status:
 * 401 Unauthorized"), as pullImage classes registry errors by their words.
 */
export async function checkAuth(ctx: ClientContext, auth: RegistryAuth, call?: CallOptions): Promise<CheckAuthResult> {
  if (!auth || typeof auth !== 'object') {
    throw new InvalidParameterError('dockline: checkAuth(auth) needs { username, password, serveraddress } (or identitytoken)');
  }
  const body: Record<string, string> = {};
  for (const [k, v] of Object.entries(auth)) if (typeof v === 'string' && v !== '') body[k] = v;
  let res;
  try {
    res = await ctx.call('SystemAuth', { body }, call);
  } catch (err) {
    if (err instanceof ServerError && err.daemonMessage && progressErrorClass(err.daemonMessage) === UnauthorizedError) {
      throw new UnauthorizedError(err.message, {
        operation: err.operation,
        statusCode: err.statusCode,
        daemonMessage: err.daemonMessage,
        endpoint: err.endpoint,
        cause: err,
      });
    }
    throw err;
  }
  // 204 (no body) is documented too: a success without a status text.
  const out = (res.body ?? {}) as { Status?: string; IdentityToken?: string };
  const result: CheckAuthResult = { Status: out.Status ?? 'Login Succeeded' };
  if (out.IdentityToken) result.IdentityToken = out.IdentityToken;
  return result;
}
