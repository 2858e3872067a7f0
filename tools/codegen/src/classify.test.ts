import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyOperation } from './classify.js';
import { BASELINE_SPEC_FILE, CHANGELOG_FILE, DEFAULT_SPEC_DIR, LATEST_SPEC_FILE } from './config.js';
import { buildOperationTable } from './generate.js';
import { describeWithSpec } from './spec-gate.js';
import type { SpecOperation } from './spec.js';

function op(overrides: Partial<SpecOperation>): SpecOperation {
  return {
    operationId: 'Synthetic',
    method: 'GET',
    path: '/things/{id}',
    summary: undefined,
    tags: ['Thing'],
    produces: ['application/json', 'text/plain'],
    consumes: ['application/json', 'text/plain'],
    declaresProduces: false,
    declaresConsumes: false,
    parameters: [{ name: 'id', in: 'path', required: true, type: 'string' }],
    responses: { '200': { schema: { type: 'object' } } },
    ...overrides,
  };
}

describe('classifyOperation', () => {
  it('reads a plain GET as idempotent json', () => {
    expect(classifyOperation(op({})).spec).toEqual({
      method: 'GET',
      path: '/things/{id}',
      pathParams: ['id'],
      queryParams: [],
      headerParams: [],
      response: 'json',
      idempotent: true,
      longRunning: false,
      tags: ['Thing'],
    });
  });

  it('treats a declared 101 as a hijack', () => {
    const result = classifyOperation(op({ method: 'POST', responses: { '101': {}, '200': {} } }));
    expect(result.spec).toMatchObject({ response: 'hijack', streamFormat: 'raw', idempotent: false, longRunning: true });
  });

  it('treats a POST with a 304 as idempotent and a schema-less 204 as empty', () => {
    const result = classifyOperation(op({ method: 'POST', responses: { '204': {}, '304': {} } }));
    expect(result.spec).toMatchObject({ response: 'empty', idempotent: true });
  });

  it('streams declared tar responses raw, but not on HEAD', () => {
    const tar = { produces: ['application/x-tar'], declaresProduces: true };
    expect(classifyOperation(op(tar)).spec).toMatchObject({ response: 'stream', streamFormat: 'raw' });
    expect(classifyOperation(op({ ...tar, method: 'HEAD' })).spec).toMatchObject({ response: 'empty' });
  });

  it('rejects a path parameter missing from the route and a route variable without a parameter', () => {
    expect(() => classifyOperation(op({ path: '/things' }))).toThrow(/path parameter id is not in \/things/);
    expect(() => classifyOperation(op({ parameters: [] }))).toThrow(/has \{id\} but no such parameter/);
  });
});

describeWithSpec('buildOperationTable', () => {
  it('fails when a judged operationId has disappeared from the spec', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'codegen-spec-'));
    try {
      const spec = readFileSync(path.join(DEFAULT_SPEC_DIR, LATEST_SPEC_FILE), 'utf8');
      writeFileSync(path.join(dir, LATEST_SPEC_FILE), spec.replace('operationId: "PluginDelete"', 'operationId: "PluginRemove"'));
      copyFileSync(path.join(DEFAULT_SPEC_DIR, BASELINE_SPEC_FILE), path.join(dir, BASELINE_SPEC_FILE));
      copyFileSync(path.join(DEFAULT_SPEC_DIR, CHANGELOG_FILE), path.join(dir, CHANGELOG_FILE));
      await expect(buildOperationTable({ specDir: dir })).rejects.toThrow(/EMPTY_DESPITE_SCHEMA names PluginDelete/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
