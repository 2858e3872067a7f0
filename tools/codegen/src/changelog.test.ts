import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  compareApiVersions,
  findEndpointIntroductions,
  nextApiVersion,
  parseChangelog,
  routeKey,
} from './changelog.js';
import { CHANGELOG_FILE, DEFAULT_SPEC_DIR } from './config.js';
import { resolveMinVersions } from './min-version.js';
import { describeWithSpec } from './spec-gate.js';
import type { SpecOperation } from './spec.js';

// Read lazily: a clone without the spec still runs the tests that do not need it.
let realChangelog: ReturnType<typeof parseChangelog>;
const loadRealChangelog = (): void => {
  realChangelog = parseChangelog(readFileSync(path.join(DEFAULT_SPEC_DIR, CHANGELOG_FILE), 'utf8'));
};

function op(operationId: string, method: SpecOperation['method'], route: string): SpecOperation {
  return {
    operationId,
    method,
    path: route,
    summary: undefined,
    tags: [],
    produces: [],
    consumes: [],
    declaresProduces: false,
    declaresConsumes: false,
    parameters: [],
    responses: {},
  };
}

describe('parseChangelog', () => {
  it('joins continuation lines and keeps the section version', () => {
    const items = parseChangelog(
      ['## v1.55 API changes', '', '* `GET /a` is a new endpoint that', '  does things.', '* `GET /b` now accepts `x`.', '', '## V1.39 API changes', '- Add new `GET /c` endpoint.'].join('\n'),
    );
    expect(items).toEqual([
      { version: '1.55', text: '`GET /a` is a new endpoint that does things.' },
      { version: '1.55', text: '`GET /b` now accepts `x`.' },
      { version: '1.39', text: 'Add new `GET /c` endpoint.' },
    ]);
  });

  it('finds only bullets that announce an endpoint', () => {
    const items = [
      { version: '1.50', text: '`GET /images/{name}/x` is a new endpoint.' },
      { version: '1.44', text: 'A new endpoint-specific `MacAddress` field has been added to `GET /containers/{id}/json`.' },
      { version: '1.42', text: 'Added a new `PUT /volumes{name}` endpoint to update cluster volumes (CNI).' },
      { version: '1.42', text: '`POST /containers/{id}/stop` now accepts a `signal` query parameter.' },
    ];
    expect(findEndpointIntroductions(items).map((i) => `${i.version} ${i.method} ${i.path}`)).toEqual([
      '1.50 GET /images/{name}/x',
      '1.42 PUT /volumes{name}',
    ]);
  });

});

describe('routeKey', () => {
  it('treats parameter spellings and the changelog slash typo alike', () => {
    expect(routeKey('PUT', '/volumes{name}')).toBe(routeKey('PUT', '/volumes/{name}'));
    expect(routeKey('GET', '/distribution/(name)/json')).toBe(routeKey('GET', '/distribution/{name}/json'));
    expect(routeKey('GET', '/containers/{name:.*}/json')).toBe(routeKey('GET', '/containers/{id}/json'));
    expect(routeKey('GET', '/volumes/{name}')).not.toBe(routeKey('PUT', '/volumes/{name}'));
  });
});

describe('versions', () => {
  it('compares numerically', () => {
    expect(compareApiVersions('1.9', '1.41')).toBeLessThan(0);
    expect(compareApiVersions('1.42', '1.41')).toBeGreaterThan(0);
    expect(nextApiVersion('1.41')).toBe('1.42');
  });
});

describeWithSpec('parseChangelog on the real CHANGELOG.md', () => {
  beforeAll(loadRealChangelog);

  it('reads the real changelog: the endpoints it says were added after v1.41', () => {
    const after141 = findEndpointIntroductions(realChangelog)
      .filter((i) => compareApiVersions(i.version, '1.41') > 0)
      .map((i) => `${i.version} ${i.method} ${i.path}`);
    expect(after141).toEqual(['1.55 GET /images/{name}/attestations', '1.42 PUT /volumes{name}']);
  });
});

describeWithSpec('resolveMinVersions', () => {
  beforeAll(loadRealChangelog);
  const baseline = [op('ContainerList', 'GET', '/containers/json'), op('VolumeInspect', 'GET', '/volumes/{name}')];

  it('leaves baseline operations without minVersion and reads the changelog for newer ones', () => {
    const latest = [...baseline, op('VolumeUpdate', 'PUT', '/volumes/{name}'), op('ImageAttestations', 'GET', '/images/{name}/attestations')];
    const { results, warnings } = resolveMinVersions(latest, baseline, '1.41', realChangelog);
    expect(results.get('ContainerList')).toEqual({ operationId: 'ContainerList', minVersion: undefined, source: 'baseline' });
    expect(results.get('VolumeUpdate')).toMatchObject({ minVersion: '1.42', source: 'changelog' });
    expect(results.get('ImageAttestations')).toMatchObject({ minVersion: '1.55', source: 'changelog' });
    expect(warnings).toEqual([]);
  });

  it('falls back to the first version after the baseline, with a warning, when the changelog is silent', () => {
    const latest = [...baseline, op('Mystery', 'POST', '/mystery')];
    const { results, warnings } = resolveMinVersions(latest, baseline, '1.41', realChangelog);
    expect(results.get('Mystery')).toEqual({ operationId: 'Mystery', minVersion: '1.42', source: 'fallback' });
    expect(warnings.some((w) => w.startsWith('Mystery (POST /mystery)'))).toBe(true);
  });
});
