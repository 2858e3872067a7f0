import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '@dockline/core';
import { createClient } from '../create-client.js';
import { parseDockerHost } from './parse-host.js';
import { resolveConnection } from './resolve.js';

const ACCEPTED = 'accepted forms: unix:///path/to/docker.sock, tcp://host:port';

describe('a malformed DOCKER_HOST', () => {
  // Each through the real path: resolveConnection reading DOCKER_HOST from the env.
  it.each([
    ['tcp//x', 'it has no scheme (did you mean tcp://x?)'],
    ['ftp://x', 'unknown scheme "ftp"'],
    ['unix://', 'unix:// needs a socket path'],
    ['tcp://127.0.0.1:70000', 'port 70000 is out of range (1-65535)'],
    ['tcp://127.0.0.1:0', 'port 0 is out of range (1-65535)'],
    ['tcp://127.0.0.1:http', 'port "http" is not a number'],
    ['127.0.0.1:2375', 'it has no scheme'],
    ['tcp://[]:2375', 'the brackets hold no IPv6 address'],
  ])('%s is an InvalidParameterError naming the value and the accepted forms', async (value, why) => {
    const err = await resolveConnection({ env: { DOCKER_HOST: value } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidParameterError);
    const message = (err as Error).message;
    expect(message).toContain(`invalid Docker host ${JSON.stringify(value)}`);
    expect(message).toContain(why);
    expect(message).toContain(ACCEPTED);
  });

  it('wins over a valid DOCKER_CONTEXT, as the docker CLI (DOCKER_HOST decides, even when broken)', async () => {
    const err = await resolveConnection({ env: { DOCKER_HOST: 'ftp://x', DOCKER_CONTEXT: 'default' } }).catch((e: unknown) => e);
    expect((err as Error).message).toContain('invalid Docker host "ftp://x"');
  });

  it('surfaces on the first call of a client made by createClient(), not as an unhandled rejection', async () => {
    const docker = createClient({ env: { DOCKER_HOST: 'tcp//x' } });
    await expect(docker.ping()).rejects.toThrow(/invalid Docker host "tcp\/\/x"/);
    await docker.close();
  });

  it('never echoes a password in the error', () => {
    expect(() => parseDockerHost('ftp://me:s3cret@x')).toThrow(/ftp:\/\/me:REDACTED@x/);
    expect(() => parseDockerHost('ftp://me:s3cret@x')).not.toThrow(/s3cret/);
  });
});

describe('npipe:// (Windows named pipes)', () => {
  it.each([
    ['npipe:////./pipe/docker_engine', '\\\\.\\pipe\\docker_engine'],
    ['npipe:////./pipe/dockerDesktopLinuxEngine', '\\\\.\\pipe\\dockerDesktopLinuxEngine'],
    ['NPIPE:////server/pipe/docker_engine', '\\\\server\\pipe\\docker_engine'],
  ])('%s parses to the pipe path %s, as the docker CLI turns / into \\', (value, pipePath) => {
    expect(parseDockerHost(value)).toEqual({ kind: 'npipe', pipePath });
  });

  it.each(['npipe://', 'npipe:///', 'npipe://./pipe/docker_engine', 'npipe:////./docker_engine', 'npipe:////./pipe/'])(
    '%s is an InvalidParameterError naming the pipe form',
    (value) => {
      expect(() => parseDockerHost(value)).toThrow(InvalidParameterError);
      expect(() => parseDockerHost(value)).toThrow('a named pipe is npipe:////./pipe/NAME');
    },
  );

  it('goes to the local-socket transport: the endpoint and the ConnectionError name the pipe', async () => {
    const resolved = await resolveConnection({ env: { DOCKER_HOST: 'npipe:////./pipe/docker_engine' } });
    expect(resolved.transport.kind).toBe('npipe');
    expect(resolved.transport.endpoint).toBe('npipe:////./pipe/docker_engine');
    expect(resolved.transport.networkTransport).toBe('pipe');
    expect(resolved.description).toContain('npipe:////./pipe/docker_engine');
    await resolved.transport.close();

    // Not on Windows: net.connect() takes \\.\pipe\docker_engine as a (missing) socket file,
    // which shows the path went to net.connect and the error names the pipe endpoint.
    const docker = createClient({ env: { DOCKER_HOST: 'npipe:////./pipe/docker_engine' } });
    try {
      const err = await docker.ping().catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'ConnectionError', endpoint: 'npipe:////./pipe/docker_engine' });
      expect((err as Error).message).toContain('cannot connect to the Docker daemon at npipe:////./pipe/docker_engine (npipe)');
    } finally {
      await docker.close();
    }
  });
});
