import { expect, it } from 'vitest';
import { compareWithDisk, describeDifferences } from './check.js';
import { REGENERATE_COMMAND } from './config.js';
import { generate } from './generate.js';
import { describeWithSpec } from './spec-gate.js';

// The drift check: runs whenever the spec is available, and always in CI (spec-gate.ts).
describeWithSpec('packages/api/src/generated', () => {
  it('is exactly what the generator produces from the Engine API spec (no hand edits)', async () => {
    const files = await generate();
    const differences = compareWithDisk(files);
    // The message names each file, its first differing line and the command to regenerate.
    expect(differences, describeDifferences(differences, REGENERATE_COMMAND)).toEqual([]);
  });

  it('is deterministic: two runs give identical output', async () => {
    const [a, b] = await Promise.all([generate(), generate()]);
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [file, content] of a) expect(b.get(file), file).toBe(content);
  });
});
