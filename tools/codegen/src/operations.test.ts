/**
 * Properties of the committed operation table (packages/api/src/generated/operations.ts).
 * generated-is-current.test.ts guarantees the table is what the generator makes; these tests
 * say whether what it makes is right.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BASELINE_API_VERSION,
  MAX_API_VERSION,
  operations,
  type OperationId,
  type OperationSpec,
} from '@dockline/api/spec';
import { BASELINE_SPEC_FILE, DEFAULT_SPEC_DIR, LATEST_SPEC_FILE } from './config.js';
import { describeWithSpec } from './spec-gate.js';
import { listOperations, loadSpec, type LoadedSpec, type SpecOperation } from './spec.js';
const table: [OperationId, OperationSpec][] = Object.entries(operations) as [OperationId, OperationSpec][];
const entry = (id: OperationId): OperationSpec => operations[id];

describe('operations table', () => {
  it('names every path parameter in its route template, and every template variable as a path parameter', () => {
    for (const [id, spec] of table) {
      for (const name of spec.pathParams) expect(spec.path, id).toContain(`{${name}}`);
      const inTemplate = [...spec.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      expect([...spec.pathParams].sort(), id).toEqual(inTemplate.sort());
    }
  });

  it('keeps query and header wire names exactly as the spec spells them', () => {
    expect(entry('ImageList').queryParams).toContain('shared-size');
    expect(entry('ContainerStats').queryParams).toEqual(['stream', 'one-shot']);
    expect(entry('ImageBuild').headerParams).toEqual(['Content-type', 'X-Registry-Config']);
    expect(entry('ImagePush').headerParams).toEqual(['X-Registry-Auth']);
  });

  it('sets streamFormat exactly for stream and hijack responses', () => {
    for (const [id, spec] of table) {
      const streaming = spec.response === 'stream' || spec.response === 'hijack';
      expect(spec.streamFormat !== undefined, id).toBe(streaming);
      if (streaming) expect(spec.longRunning, id).toBe(true);
    }
  });

  it('hijacks ContainerAttach and ExecStart, multiplexed', () => {
    for (const id of ['ContainerAttach', 'ExecStart'] as const) {
      expect(entry(id)).toMatchObject({ method: 'POST', response: 'hijack', streamFormat: 'multiplexed', idempotent: false, longRunning: true });
    }
    expect(entry('ContainerAttachWebsocket')).toMatchObject({ response: 'hijack', streamFormat: 'raw' });
    expect(entry('Session')).toMatchObject({ response: 'hijack', streamFormat: 'raw' });
  });

  it('streams ContainerLogs multiplexed', () => {
    expect(entry('ContainerLogs')).toMatchObject({ method: 'GET', response: 'stream', streamFormat: 'multiplexed', idempotent: true, longRunning: true });
    expect(entry('ServiceLogs')).toMatchObject({ response: 'stream', streamFormat: 'multiplexed' });
    expect(entry('TaskLogs')).toMatchObject({ response: 'stream', streamFormat: 'multiplexed' });
  });

  it('streams newline-delimited JSON where the daemon does (README quirks and progress streams)', () => {
    for (const id of ['ImageCreate', 'ContainerStats', 'SystemEvents', 'ImageBuild', 'ImageLoad', 'ImagePush', 'PluginPull', 'PluginUpgrade', 'PluginPush'] as const) {
      expect(entry(id), id).toMatchObject({ response: 'stream', streamFormat: 'ndjson', longRunning: true });
    }
    expect(entry('ImageCreate')).toMatchObject({ method: 'POST', idempotent: false, body: { name: 'inputImage', kind: 'binary' } });
  });

  it('streams tar bodies raw', () => {
    for (const id of ['ImageGet', 'ImageGetAll', 'ContainerExport', 'ContainerArchive'] as const) {
      expect(entry(id), id).toMatchObject({ method: 'GET', response: 'stream', streamFormat: 'raw', longRunning: true });
    }
  });

  it('sends tar and octet-stream bodies as binary', () => {
    expect(entry('ImageBuild').body).toEqual({ name: 'inputStream', kind: 'binary' });
    expect(entry('PutContainerArchive').body).toEqual({ name: 'inputStream', kind: 'binary' });
    expect(entry('ImageLoad').body).toEqual({ name: 'imagesTarball', kind: 'binary' });
    expect(entry('PluginCreate').body).toEqual({ name: 'tarContext', kind: 'binary' });
  });

  it('creates containers with a JSON body and does not retry the create', () => {
    expect(entry('ContainerCreate')).toMatchObject({
      method: 'POST',
      body: { name: 'body', kind: 'json' },
      response: 'json',
      idempotent: false,
      longRunning: false,
    });
    expect(entry('ContainerCreate').queryParams).toEqual(['name', 'platform']);
  });

  it('inspects containers with an idempotent GET', () => {
    expect(entry('ContainerInspect')).toMatchObject({
      method: 'GET',
      path: '/containers/{id}/json',
      pathParams: ['id'],
      queryParams: ['size'],
      response: 'json',
      idempotent: true,
      longRunning: false,
    });
    expect(entry('ContainerInspect')).not.toHaveProperty('minVersion');
  });

  it('marks every GET and HEAD idempotent, and among the rest only the POSTs answered 304 on repeat', () => {
    const idempotentWrites = table
      .filter(([, s]) => s.method !== 'GET' && s.method !== 'HEAD' && s.idempotent)
      .map(([id]) => id);
    expect(idempotentWrites).toEqual(['ContainerStart', 'ContainerStop']);
    for (const [id, s] of table) if (s.method === 'GET' || s.method === 'HEAD') expect(s.idempotent, id).toBe(true);
    for (const id of ['ContainerRestart', 'ContainerPause', 'ContainerUnpause', 'ContainerKill', 'ContainerDelete', 'ExecStart'] as const) {
      expect(entry(id).idempotent, id).toBe(false);
    }
  });

  it('marks waits and large transfers long-running', () => {
    for (const id of ['ContainerWait', 'PutContainerArchive', 'PluginCreate', 'ImageCommit'] as const) {
      expect(entry(id).longRunning, id).toBe(true);
    }
    expect(entry('ContainerWait').response).toBe('json');
    for (const id of ['ContainerInspect', 'ContainerStop', 'ContainerRestart', 'ImagePrune', 'SystemPing'] as const) {
      expect(entry(id).longRunning, id).toBe(false);
    }
  });

  it('treats body-less successes as empty', () => {
    for (const id of ['ContainerStart', 'ContainerStop', 'ContainerDelete', 'ImageTag', 'SystemPingHead', 'ContainerArchiveInfo', 'NetworkConnect', 'ContainerResize'] as const) {
      expect(entry(id).response, id).toBe('empty');
    }
    // GET /_ping answers text/plain 'OK', not JSON; the headers carry the information.
    expect(entry('SystemPing').response).toBe('empty');
    // The spec declares a Plugin body that the daemon never writes.
    expect(entry('PluginDelete').response).toBe('empty');
  });

  it('carries the spec tags', () => {
    expect(entry('ContainerInspect').tags).toEqual(['Container']);
    expect(entry('ExecStart').tags).toEqual(['Exec']);
    expect(entry('DistributionInspect').tags).toEqual(['Distribution']);
  });
});

// These compare the committed table with the spec itself, so they need the spec files.
describeWithSpec('operations table against the Engine API spec', () => {
  let latest: LoadedSpec;
  let baseline: LoadedSpec;
  let specOps: SpecOperation[];
  beforeAll(async () => {
    latest = await loadSpec(DEFAULT_SPEC_DIR, LATEST_SPEC_FILE);
    baseline = await loadSpec(DEFAULT_SPEC_DIR, BASELINE_SPEC_FILE);
    specOps = listOperations(latest.document);
  });

  it('has one entry per operationId of the spec, in spec order', () => {
    expect(specOps).toHaveLength(108); // the spec has 108 operationIds (its README says 109)
    expect(Object.keys(operations)).toEqual(specOps.map((op) => op.operationId));
  });

  it('matches method and route of the spec', () => {
    for (const op of specOps) {
      const spec = entry(op.operationId as OperationId);
      expect(`${spec.method} ${spec.path}`, op.operationId).toBe(`${op.method} ${op.path}`);
    }
  });

  it('records minVersion only for operations newer than the baseline, as CHANGELOG.md states', () => {
    expect(MAX_API_VERSION).toBe(latest.document.info.version);
    expect(BASELINE_API_VERSION).toBe(baseline.document.info.version);
    const withMin = table.filter(([, s]) => s.minVersion !== undefined).map(([id, s]) => [id, s.minVersion]);
    // v1.42: "Added a new `PUT /volumes{name}` endpoint to update cluster volumes (CNI)."
    // v1.55: "`GET /images/{name}/attestations` is a new endpoint ..."
    expect(withMin).toEqual([
      ['ImageAttestations', '1.55'],
      ['VolumeUpdate', '1.42'],
    ]);
    // Added long before 1.41 (v1.30, v1.25, v1.31): no minVersion.
    for (const id of ['DistributionInspect', 'ImagePrune', 'SystemDataUsage', 'Session'] as const) {
      expect(entry(id).minVersion, id).toBeUndefined();
    }
  });
});
