import { describe, expect, it } from 'vitest';
import { InvalidReferenceError, matchImageIDOnly, matchImageTagOrSHA, parseNormalizedReference, pullQuery, withDefaultTag } from './image-reference.js';

const D = 'sha256:' + 'ab'.repeat(32);
const ID = 'sha256:' + 'cd'.repeat(32);

describe('parseNormalizedReference (distribution/reference ParseNormalizedNamed)', () => {
  it.each([
    ['busybox', 'docker.io', 'library/busybox', undefined, undefined, 'busybox'],
    ['busybox:1.36', 'docker.io', 'library/busybox', '1.36', undefined, 'busybox'],
    ['team/app:v1', 'docker.io', 'team/app', 'v1', undefined, 'team/app'],
    ['docker.io/library/busybox:latest', 'docker.io', 'library/busybox', 'latest', undefined, 'busybox'],
    ['index.docker.io/team/app', 'docker.io', 'team/app', undefined, undefined, 'team/app'],
    ['127.0.0.1:5000/x/y:tag', '127.0.0.1:5000', 'x/y', 'tag', undefined, '127.0.0.1:5000/x/y'],
    ['localhost/app', 'localhost', 'app', undefined, undefined, 'localhost/app'],
    ['localhost:5000/app:v2', 'localhost:5000', 'app', 'v2', undefined, 'localhost:5000/app'],
    ['ghcr.io/org/sub/app@' + D, 'ghcr.io', 'org/sub/app', undefined, D, 'ghcr.io/org/sub/app'],
    ['reg:5000/app:v1@' + D, 'reg:5000', 'app', 'v1', D, 'reg:5000/app'],
    ['Registry.Example/app', 'Registry.Example', 'app', undefined, undefined, 'Registry.Example/app'],
    ['[::1]:5000/app', '[::1]:5000', 'app', undefined, undefined, '[::1]:5000/app'],
    ['my_app__x/sub-name.y:T_1.0-rc', 'docker.io', 'my_app__x/sub-name.y', 'T_1.0-rc', undefined, 'my_app__x/sub-name.y'],
  ])('%s', (ref, domain, path, tag, digest, familiar) => {
    const r = parseNormalizedReference(ref);
    expect({ domain: r.domain, path: r.path, tag: r.tag, digest: r.digest, familiarName: r.familiarName }).toEqual({
      domain,
      path,
      tag,
      digest,
      familiarName: familiar,
    });
    expect(r.name).toBe(`${domain}/${path}`);
  });

  it.each([
    ['', 'empty'],
    ['Busybox', 'uppercase repository'],
    ['team/App', 'uppercase path'],
    ['a'.repeat(64), 'a 64-hex id'],
    ['app:', 'empty tag'],
    ['app:bad tag', 'space'],
    ['app:' + 'x'.repeat(129), 'tag too long'],
    ['app@sha256:abc', 'digest too short'],
    ['app//x', 'empty component'],
    ['-app', 'leading separator'],
    ['app.', 'trailing separator'],
    ['reg:port/app', 'non-numeric port'],
    ['a/'.repeat(128) + 'b', 'name longer than 255'],
  ])('refuses %j (%s)', (ref) => {
    expect(() => parseNormalizedReference(ref)).toThrow(InvalidReferenceError);
  });

  it('pullQuery: fromImage is the familiar name; tag the digest, else the tag, else latest', () => {
    expect(pullQuery(parseNormalizedReference('busybox'))).toEqual({ fromImage: 'busybox', tag: 'latest' });
    expect(pullQuery(parseNormalizedReference('127.0.0.1:5000/x/y:tag'))).toEqual({ fromImage: '127.0.0.1:5000/x/y', tag: 'tag' });
    expect(pullQuery(parseNormalizedReference(`app:v1@${D}`))).toEqual({ fromImage: 'app', tag: D });
    expect(withDefaultTag(parseNormalizedReference('app'))).toBe('docker.io/library/app:latest');
    expect(withDefaultTag(parseNormalizedReference(`r:1/app@${D}`))).toBe(`r:1/app@${D}`);
  });
});

describe('matchImageTagOrSHA (the kubelet\'s InspectImageByRef check)', () => {
  const img = { Id: ID, RepoTags: ['busybox:latest', 'reg:5000/team/app:v1'], RepoDigests: [`busybox@${D}`] };
  it.each([
    ['busybox', true],
    ['busybox:latest', true],
    ['docker.io/library/busybox:latest', true],
    ['library/busybox:latest', true],
    ['reg:5000/team/app:v1', true],
    ['busybox:other', false],
    [`busybox@${D}`, true],
    [`anything@${D}`, true], // the digest decides, as in the kubelet
    [`busybox@${ID}`, true], // the id as a digest
    [`busybox@sha256:${'ef'.repeat(32)}`, false],
    [ID, false], // an id is not a reference
    ['Not/Valid:Ref', false],
  ])('%s -> %s', (ref, ok) => {
    expect(matchImageTagOrSHA(img, ref)).toBe(ok);
  });
});

describe('matchImageIDOnly (the kubelet\'s InspectImageByID check)', () => {
  const img = { Id: ID, RepoTags: ['busybox:latest'] };
  it.each([
    [ID, true],
    [`busybox@${ID}`, true],
    [ID.slice(7), false],
    [ID.slice(7, 19), false],
    ['busybox:latest', false],
    ['busybox', false],
    [`busybox@${D}`, false],
  ])('%s -> %s', (ref, ok) => {
    expect(matchImageIDOnly(img, ref)).toBe(ok);
  });
});
