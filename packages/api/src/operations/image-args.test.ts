// What the image, commit and events methods put on the wire, and the arguments they refuse,
// through a recording pipeline (no daemon). Their behaviour against the real dockerd and Podman is in
// test/image-transfer.integration.test.ts and test/events.integration.test.ts.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InvalidParameterError, type DockerRequest, type DockerResponse, type Pipeline } from '@dockline/core';
import { DockerClient } from '../client.js';

function recordingClient(answer: (req: DockerRequest) => Partial<DockerResponse> = () => ({})) {
  const sent: DockerRequest[] = [];
  const pipeline: Pipeline = {
    transport: { kind: 'fake', endpoint: 'fake://', connect: () => Promise.reject(new Error('no')), close: async () => undefined },
    send: async (req) => {
      sent.push(req);
      return { statusCode: 200, headers: {}, request: req, ...answer(req) };
    },
    close: async () => undefined,
  };
  return { docker: new DockerClient({ pipeline }), sent };
}

const ndjson = (...values: object[]): Readable => Readable.from([Buffer.from(values.map((v) => `${JSON.stringify(v)}\n`).join(''))]);

describe('image methods on the wire', () => {
  it('pushImage: the repository in the path, the tag in the query, X-Registry-Auth always; digest from aux', async () => {
    const { docker, sent } = recordingClient(() => ({
      stream: ndjson({ status: 'v1: digest: sha256:ab size: 527' }, { progressDetail: {}, aux: { Tag: 'v1', Digest: `sha256:${'a'.repeat(64)}`, Size: 527 } }),
    }));
    const res = await docker.pushImage('127.0.0.1:5000/team/app:v1');
    expect(res).toEqual({ ref: '127.0.0.1:5000/team/app:v1', digest: `sha256:${'a'.repeat(64)}`, size: 527 });
    expect(sent[0]!.path).toBe('/images/127.0.0.1%3A5000%2Fteam%2Fapp/push');
    expect(sent[0]!.query).toEqual({ tag: 'v1' });
    expect(sent[0]!.headers?.['X-Registry-Auth']).toBe('e30='); // {}
    await docker.pushImage('127.0.0.1:5000/team/app');
    expect(sent[1]!.query).toEqual({ tag: 'latest' });
  });

  it('pushImage without an aux line (Podman 4.3): the digest and size from the "TAG: digest: ... size: N" status line', async () => {
    const { docker } = recordingClient(() => ({
      stream: ndjson({ status: 'The push refers to repository [127.0.0.1:5000/team/app:v1]' }, { status: `v1: digest: sha256:${'d'.repeat(64)} size: 735` }),
    }));
    expect(await docker.pushImage('127.0.0.1:5000/team/app:v1')).toEqual({ ref: '127.0.0.1:5000/team/app:v1', digest: `sha256:${'d'.repeat(64)}`, size: 735 });
  });

  it('pushImage refuses a digest and a malformed ref with InvalidParameterError; a stream without the digest is a ProtocolError', async () => {
    const { docker } = recordingClient(() => ({ stream: ndjson({ status: 'Pushed', id: 'l1', progressDetail: {} }) }));
    await expect(docker.pushImage(`r/x@sha256:${'a'.repeat(64)}`)).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(docker.pushImage('not a ref!')).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(docker.pushImage('r/x:v1')).rejects.toThrow(/without the final digest line/);
  });

  it('saveImages: one name in the path, several as repeated names', async () => {
    const { docker, sent } = recordingClient(() => ({ stream: Readable.from([]) }));
    await docker.saveImages('a:1');
    await docker.saveImages(['a:1', 'b:2']);
    expect(sent.map((r) => r.operation)).toEqual(['ImageGet', 'ImageGetAll']);
    expect(sent[0]!.path).toBe('/images/a%3A1/get');
    expect(sent[1]!.query).toEqual({ names: ['a:1', 'b:2'] });
    await expect(docker.saveImages([])).rejects.toBeInstanceOf(InvalidParameterError);
  });

  it('loadImages and importImage stream their body and refuse what is not bytes', async () => {
    const { docker, sent } = recordingClient((req) => ({
      stream: req.operation === 'ImageLoad' ? ndjson({ stream: 'Loaded image: a:1\n' }, { stream: `Loaded image ID: sha256:${'b'.repeat(64)}\n` }) : ndjson({ status: `sha256:${'c'.repeat(64)}` }),
    }));
    const tar = Readable.from([Buffer.alloc(512)]);
    expect(await docker.loadImages(tar)).toEqual(['a:1', `sha256:${'b'.repeat(64)}`]);
    expect(sent[0]!.body).toBe(tar);
    expect(sent[0]!.query).toEqual({ quiet: true });
    const { id } = await docker.importImage(new Uint8Array(512), { repo: 'r/x', tag: 'v1', changes: ['CMD ["x"]', 'LABEL a=b'] });
    expect(id).toBe(`sha256:${'c'.repeat(64)}`);
    // repo:tag in `repo`, no `tag`, as the docker CLI sends it (Podman 4.3 ignores `tag=`).
    expect(sent[1]!.query).toMatchObject({ fromSrc: '-', repo: 'r/x:v1', tag: undefined, changes: ['CMD ["x"]', 'LABEL a=b'] });
    // Podman 4.3: one line, comma-separated.
    const podman = recordingClient(() => ({ stream: ndjson({ stream: 'Loaded image: docker.io/library/a:1,docker.io/library/a:2\n' }) }));
    expect(await podman.docker.loadImages(new Uint8Array(512))).toEqual(['docker.io/library/a:1', 'docker.io/library/a:2']);
    await expect(docker.loadImages('a path?' as never)).rejects.toThrow(/loadImages: tar must be a Readable, a Uint8Array or an AsyncIterable/);
    await expect(docker.importImage({} as never)).rejects.toBeInstanceOf(InvalidParameterError);
  });

  it('tagImage, commitContainer and pruneImages', async () => {
    const { docker, sent } = recordingClient((req) => ({ body: req.operation === 'ImageCommit' ? { Id: 'sha256:x' } : { ImagesDeleted: null, SpaceReclaimed: 0 } }));
    expect(await docker.tagImage('busybox', { repo: 'r/x' })).toEqual({ ref: 'r/x:latest' });
    await expect(docker.tagImage('busybox', { repo: '' })).rejects.toBeInstanceOf(InvalidParameterError);
    expect(await docker.commitContainer('c1', { repo: 'r/x', changes: ['CMD ["x"]'], pause: false, config: { Cmd: ['sh'] } })).toEqual({ Id: 'sha256:x' });
    expect(sent[1]!.query).toMatchObject({ container: 'c1', repo: 'r/x', changes: ['CMD ["x"]'], pause: false });
    expect(sent[1]!.body).toEqual({ Cmd: ['sh'] });
    // No config: an empty JSON object all the same (Podman 4.3 answers 500 "Decode(): EOF" to no body).
    await docker.commitContainer('c1', { repo: 'r/x' });
    expect(sent[2]!.body).toEqual({});
    sent.splice(2, 1);
    // Podman 4.3's bare hex id gets the "sha256:" of the id everywhere else.
    const podman = recordingClient(() => ({ body: { Id: 'e'.repeat(64) } }));
    expect(await podman.docker.commitContainer('c1')).toEqual({ Id: `sha256:${'e'.repeat(64)}` });
    await expect(docker.commitContainer('')).rejects.toBeInstanceOf(InvalidParameterError);
    await docker.pruneImages({ filters: { label: ['a=b'], dangling: ['false'] } });
    expect(sent[2]!.query).toEqual({ filters: { label: ['a=b'], dangling: ['false'] } });
  });
});
