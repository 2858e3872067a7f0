/**
 * Registry credentials for X-Registry-Auth (the Engine API's AuthConfig). Never logged:
 * core's redaction hides the header in spans and errors.
 */
export interface RegistryAuth {
  username?: string | undefined;
  password?: string | undefined;
  /** The registry, e.g. "127.0.0.1:5000" or "https://index.docker.io/v1/". */
  serveraddress?: string | undefined;
  /** A token from `docker login` (SystemAuth) used instead of the password. */
  identitytoken?: string | undefined;
  /** A bearer token sent to the registry as is. */
  registrytoken?: string | undefined;
  email?: string | undefined;
  /** base64("user:pass"), as in ~/.docker/config.json. */
  auth?: string | undefined;
}

/**
 * base64url of the JSON, with padding: what the Go client sends (base64.URLEncoding), and
 * what the daemon decodes.
 */
export function encodeRegistryAuth(auth: RegistryAuth): string {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(auth)) if (typeof v === 'string' && v !== '') clean[k] = v;
  return Buffer.from(JSON.stringify(clean), 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}
