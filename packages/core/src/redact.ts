/** Header names whose values are secrets: never in a span, a metric, a log line or an error. */
const SECRET_HEADERS = new Set(['x-registry-auth', 'x-registry-config', 'authorization', 'proxy-authorization', 'cookie']);

// Daemon messages can echo registry URLs with credentials ("Get https://me:pw@registry/v2/:
// unauthorized") or tokens in query strings: scrub any number of them, anywhere.
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]*):([^\s/@]*)@/gi;
const SECRET_PARAMS = /([?&;](?:password|passwd|pwd|pass|token|access_token|refresh_token|secret|auth|identitytoken|registrytoken)=)[^&\s"']*/gi;

/** Scrub URL passwords and secret-looking query parameters from free text. */
export function redactText(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1$2:REDACTED@').replace(SECRET_PARAMS, '$1REDACTED');
}

/** `ssh://me:pw@host` -> `ssh://me:REDACTED@host`. */
export function redactUrl(url: string): string {
  return redactText(url);
}

export function redactHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const [k, v] of Object.entries(headers)) out[k] = SECRET_HEADERS.has(k.toLowerCase()) ? 'REDACTED' : v;
  return out;
}
