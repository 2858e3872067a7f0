import { InvalidParameterError } from '@dockline/core';

export type ParsedHost =
  | { kind: 'unix'; socketPath: string }
  /** A Windows named pipe, e.g. `\\.\pipe\docker_engine` (from `npipe:////./pipe/docker_engine`). */
  | { kind: 'npipe'; pipePath: string }
  | { kind: 'tcp'; host: string; port: number | undefined; tls: boolean | undefined }
  | { kind: 'ssh'; host: string; port: number | undefined; username: string | undefined; socketPath: string | undefined };

const ACCEPTED =
  'accepted forms: unix:///path/to/docker.sock, tcp://host:port, http://host:port, https://host:port, ssh://[user@]host[:port][/path/to/docker.sock], npipe:////./pipe/docker_engine';

function bad(value: string, why: string): InvalidParameterError {
  return new InvalidParameterError(`invalid Docker host ${JSON.stringify(redactHost(value))}: ${why}; ${ACCEPTED}`);
}

/**
 * Never echo a password back, even in the error about it. Everything from the first ':'
 * after the scheme to the last '@' goes: a password may itself hold '@' or '/'.
 */
function redactHost(value: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(.*)$/is.exec(value);
  if (!m) return value;
  const rest = m[2]!;
  const at = rest.lastIndexOf('@');
  const colon = rest.indexOf(':');
  if (at === -1 || colon === -1 || colon > at) return value;
  return `${m[1]}${rest.slice(0, colon)}:REDACTED${rest.slice(at)}`;
}

function parsePort(value: string, raw: string): number {
  if (!/^\d{1,5}$/.test(value)) throw bad(raw, `port ${JSON.stringify(value)} is not a number`);
  const port = Number(value);
  if (port < 1 || port > 65535) throw bad(raw, `port ${port} is out of range (1-65535)`);
  return port;
}

/**
 * Parse a DOCKER_HOST value the way the docker CLI does. `tcp://` says nothing about TLS:
 * `tls` is undefined there and DOCKER_TLS_VERIFY / options decide; `https://` means TLS,
 * `http://` means plain.
 */
export function parseDockerHost(value: string): ParsedHost {
  const raw = value;
  const trimmed = value.trim();
  if (trimmed === '') throw bad(raw, 'it is empty');
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(trimmed);
  if (!m) {
    throw bad(raw, 'it has no scheme (did you mean tcp://' + trimmed.replace(/^[a-z]*:?\/*/i, '') + '?)');
  }
  const scheme = m[1]!.toLowerCase();
  const rest = m[2]!;
  switch (scheme) {
    case 'unix': {
      if (rest === '' || rest === '/') throw bad(raw, 'unix:// needs a socket path');
      return { kind: 'unix', socketPath: rest.startsWith('/') ? rest : `/${rest}` };
    }
    case 'tcp':
    case 'http':
    case 'https': {
      // Before splitting: "user:password@host" would otherwise be read as host "user" and
      // port "password@host", and the error would quote the password.
      if (rest.includes('@')) throw bad(raw, 'credentials in a tcp host are not supported');
      const { host, port } = splitHostPort(rest.replace(/\/+$/, ''), raw);
      return { kind: 'tcp', host, port, tls: scheme === 'https' ? true : scheme === 'http' ? false : undefined };
    }
    case 'ssh': {
      const slash = rest.indexOf('/');
      const authority = slash === -1 ? rest : rest.slice(0, slash);
      const path = slash === -1 ? '' : rest.slice(slash);
      const at = authority.lastIndexOf('@');
      const userinfo = at === -1 ? undefined : authority.slice(0, at);
      if (userinfo !== undefined && userinfo.includes(':')) {
        throw bad(raw, 'a password in an ssh:// URL is refused (as the docker CLI does); use a key or ssh-agent');
      }
      const { host, port } = splitHostPort(at === -1 ? authority : authority.slice(at + 1), raw);
      return {
        kind: 'ssh',
        host,
        port,
        username: userinfo ? decodeUser(userinfo, raw) : undefined,
        socketPath: path === '' || path === '/' ? undefined : path,
      };
    }
    case 'npipe': {
      // As the docker CLI: the path after npipe:// with '/' turned into '\\', so
      // npipe:////./pipe/docker_engine is \\.\pipe\docker_engine (host ".", the local machine).
      if (!/^\/\/[^/]+\/pipe\/[^/].*$/.test(rest)) throw bad(raw, 'a named pipe is npipe:////./pipe/NAME (or //HOST/pipe/NAME)');
      return { kind: 'npipe', pipePath: rest.replace(/\//g, '\\') };
    }
    case 'fd':
      throw bad(raw, 'fd:// is a daemon listen address, not something a client can connect to');
    default:
      throw bad(raw, `unknown scheme ${JSON.stringify(scheme)}`);
  }
}

function decodeUser(userinfo: string, raw: string): string {
  try {
    return decodeURIComponent(userinfo);
  } catch {
    // decodeURIComponent throws a URIError on a malformed %-escape ("%E0").
    throw bad(raw, 'the user name has a malformed %-escape');
  }
}

function splitHostPort(authority: string, raw: string): { host: string; port: number | undefined } {
  if (authority === '') throw bad(raw, 'it has no host');
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    if (end === -1) throw bad(raw, 'unclosed [ in an IPv6 address');
    const host = authority.slice(1, end);
    // "[]" holds no address (found by the DOCKER_HOST fuzz target).
    if (host === '') throw bad(raw, 'the brackets hold no IPv6 address');
    const after = authority.slice(end + 1);
    if (after === '') return { host, port: undefined };
    if (!after.startsWith(':')) throw bad(raw, 'junk after the IPv6 address');
    return { host, port: parsePort(after.slice(1), raw) };
  }
  const colon = authority.lastIndexOf(':');
  if (colon === -1) return { host: authority, port: undefined };
  if (authority.indexOf(':') !== colon) throw bad(raw, 'an IPv6 address must be in brackets');
  const host = authority.slice(0, colon);
  if (host === '') throw bad(raw, 'it has no host');
  if (/[/?#\s]/.test(host)) throw bad(raw, `host ${JSON.stringify(host)} is not a host name`);
  return { host, port: parsePort(authority.slice(colon + 1), raw) };
}
