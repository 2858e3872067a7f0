import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareWithDisk, describeDifferences } from './check.js';
import { OUTPUT_DIR } from './config.js';

describe('compareWithDisk', () => {
  let root: string;
  const file = `${OUTPUT_DIR}/operations.ts`;
  const content = '// GENERATED FILE: DO NOT EDIT BY HAND.\nexport const a = 1;\n';

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'codegen-check-'));
    mkdirSync(path.join(root, OUTPUT_DIR), { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('accepts identical files', () => {
    writeFileSync(path.join(root, file), content);
    expect(compareWithDisk(new Map([[file, content]]), root)).toEqual([]);
  });

  it('reports a hand edit with its first differing line', () => {
    writeFileSync(path.join(root, file), content.replace('1', '2'));
    const differences = compareWithDisk(new Map([[file, content]]), root);
    expect(differences).toEqual([
      {
        path: file,
        problem: 'differs',
        firstDifference: { line: 2, expected: 'export const a = 1;', actual: 'export const a = 2;' },
      },
    ]);
    const message = describeDifferences(differences, 'npx tsx tools/codegen/src/main.ts');
    expect(message).toContain('must not be edited by hand');
    expect(message).toContain('npx tsx tools/codegen/src/main.ts');
  });

  it('reports missing and unexpected files', () => {
    writeFileSync(path.join(root, OUTPUT_DIR, 'stray.ts'), 'export {};\n');
    expect(compareWithDisk(new Map([[file, content]]), root)).toEqual([
      { path: file, problem: 'missing' },
      { path: `${OUTPUT_DIR}/stray.ts`, problem: 'unexpected' },
    ]);
  });
});
