/** Header names whose values are secrets: never in a span, a metric, a log line or an error. */
const SECRET_HEADERS = new Set(['x-registry-auth', 'x-registry-config', 'authorization', 'proxy-authorization', 'cookie']);

/** `ssh://me:pw@host` -> `ssh://me:REDACTED@host`; also strips query strings carrying tokens. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@:]*):([^/@]*)@/i, (_m, scheme: string, user: string) => `${scheme}${user}:REDACTED@`);
}

export function redactHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const [k, v] of Object.entries(headers)) out[k] = SECRET_HEADERS.has(k.toLowerCase()) ? 'REDACTED' : v;
  return out;
}
