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

/** Fields of an auth config (X-Registry-Auth, X-Registry-Config, a /auth body) that are secrets. */
const AUTH_SECRET_FIELDS = ['password', 'auth', 'identitytoken', 'registrytoken'];
/** Shorter secrets are not scrubbed by value: replacing every "ab" would garble messages. */
const MIN_SECRET_LENGTH = 4;

interface RequestWithSecrets {
  headers?: Record<string, string> | undefined;
  body?: unknown;
  secrets?: readonly string[] | undefined;
}

/**
 * Every secret a request carries, as sent: the values of its secret headers, the fields of
 * the auth configs they encode (and those JSON documents themselves), the secret fields of
 * a JSON body, and `req.secrets`. Computed only when an error or a span needs it.
 */
export function requestSecrets(req: RequestWithSecrets): string[] {
  const out: string[] = [...(req.secrets ?? [])];
  if (req.headers) {
    for (const [name, value] of Object.entries(req.headers)) {
      const lower = name.toLowerCase();
      if (!SECRET_HEADERS.has(lower) || typeof value !== 'string') continue;
      out.push(value);
      if (lower === 'authorization' || lower === 'proxy-authorization') {
        const space = value.indexOf(' ');
        if (space > 0) out.push(value.slice(space + 1));
      }
      if (lower === 'x-registry-auth' || lower === 'x-registry-config') {
        // base64url (or base64) JSON: the document and the secrets in it.
        const json = Buffer.from(value, 'base64').toString('utf8');
        out.push(json);
        collectAuthFields(safeParse(json), out, lower === 'x-registry-config' ? 2 : 1);
      }
    }
  }
  if (req.body !== null && typeof req.body === 'object' && !Buffer.isBuffer(req.body) && !(req.body instanceof Uint8Array)) {
    collectAuthFields(req.body, out, 1);
  }
  return out.filter((s) => s.length >= MIN_SECRET_LENGTH);
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function collectAuthFields(value: unknown, out: string[], depth: number): void {
  if (value === null || typeof value !== 'object' || depth <= 0) return;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'string' && AUTH_SECRET_FIELDS.includes(k.toLowerCase())) out.push(v);
    else if (depth > 1) collectAuthFields(v, out, depth - 1);
  }
}

/** The forms a secret can come back in: raw, JSON-escaped, base64, base64url, URL-encoded. */
function secretForms(secret: string): string[] {
  const b64 = Buffer.from(secret, 'utf8').toString('base64');
  return [
    secret,
    JSON.stringify(secret).slice(1, -1),
    b64,
    b64.replace(/=+$/, ''),
    Buffer.from(secret, 'utf8').toString('base64url'),
    encodeURIComponent(secret),
  ];
}

/** Replace every form of every secret in `text` with REDACTED (longest first). */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  if (secrets.length === 0 || text === '') return text;
  const forms = [...new Set(secrets.flatMap(secretForms))].filter((f) => f.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  let out = text;
  for (const form of forms) if (out.includes(form)) out = out.split(form).join('REDACTED');
  return out;
}

/** Pattern scrubbing (URL passwords, secret parameters) plus every secret `req` sent, by value. */
export function redactForRequest(text: string, req: RequestWithSecrets | undefined): string {
  const patterned = redactText(text);
  return req === undefined ? patterned : scrubSecrets(patterned, requestSecrets(req));
}
