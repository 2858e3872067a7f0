import { InvalidParameterError } from '@dockline/core';

export interface ParsedSshUrl {
  host: string;
  port: number | undefined;
  username: string | undefined;
  /** The remote daemon socket, from the URL path (`ssh://host/run/docker.sock`). */
  socketPath: string | undefined;
}

const FORM = 'expected ssh://[user@]host[:port][/path/to/docker.sock]';

/** `ssh://me:secret@host` -> `ssh://me:REDACTED@host`, for messages. */
function redact(url: string): string {
  return url.replace(/^(ssh:\/\/[^/@:]*):[^/@]*@/i, '$1:REDACTED@');
}

function bad(url: string, why: string): InvalidParameterError {
  return new InvalidParameterError(`invalid SSH Docker host ${JSON.stringify(redact(url))}: ${why}; ${FORM}`);
}

/**
 * Parse `ssh://[user@]host[:port][/path/to/docker.sock]` the way the docker CLI does
 * (cli/connhelper/ssh): a password is refused (use a key or ssh-agent), and so are a
 * query string and a fragment. IPv6 hosts go in brackets: `ssh://[::1]:2222`.
 */
export function parseSshUrl(url: string): ParsedSshUrl {
  if (typeof url !== 'string' || !/^ssh:\/\//i.test(url)) throw bad(String(url), 'not an ssh:// URL');
  let rest = url.slice('ssh://'.length);
  const hashAt = rest.indexOf('#');
  if (hashAt !== -1) throw bad(url, 'a fragment is not supported');
  const queryAt = rest.indexOf('?');
  if (queryAt !== -1) throw bad(url, `extra query after the host: ${JSON.stringify(rest.slice(queryAt + 1))}`);
  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash);
  rest = authority;
  const at = rest.lastIndexOf('@');
  let username: string | undefined;
  if (at !== -1) {
    const userinfo = rest.slice(0, at);
    if (userinfo.includes(':')) throw bad(url, 'a plain-text password is not supported (as the docker CLI); use a key or ssh-agent');
    try {
      username = decodeURIComponent(userinfo);
    } catch {
      throw bad(url, 'the user name is not valid percent-encoding');
    }
    if (username === '') throw bad(url, 'the user name is empty');
    rest = rest.slice(at + 1);
  }
  let host: string;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close === -1) throw bad(url, 'unclosed [ in an IPv6 host');
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) throw bad(url, 'unexpected text after the IPv6 host');
    portText = after === '' ? undefined : after.slice(1);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon !== -1 && rest.indexOf(':') !== colon) throw bad(url, 'an IPv6 host must be in brackets');
    host = colon === -1 ? rest : rest.slice(0, colon);
    portText = colon === -1 ? undefined : rest.slice(colon + 1);
  }
  if (host === '') throw bad(url, 'no host');
  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      throw bad(url, `invalid port ${JSON.stringify(portText)}`);
    }
    port = Number(portText);
  }
  let socketPath: string | undefined;
  if (path !== '' && path !== '/') {
    try {
      socketPath = decodeURIComponent(path);
    } catch {
      throw bad(url, 'the socket path is not valid percent-encoding');
    }
  }
  return { host, port, username, socketPath };
}

/** The redacted endpoint for spans and errors: `ssh://user@host:port/path`. */
export function formatSshEndpoint(p: { host: string; port?: number | undefined; username?: string | undefined; socketPath?: string | undefined }): string {
  const host = p.host.includes(':') ? `[${p.host}]` : p.host;
  return `ssh://${p.username ? `${encodeURIComponent(p.username)}@` : ''}${host}${p.port !== undefined ? `:${p.port}` : ''}${p.socketPath ?? ''}`;
}
