/**
 * Test gate for the tests that read the Engine API spec (the drift check and the table's
 * properties). The spec is not vendored (docs/decisions.md), so a public clone may not have it:
 * there these tests are skipped with a message naming what was skipped and how to get the
 * spec. CI guarantees the spec, so with CI=true a missing spec fails instead of skipping.
 */
import { describe, it } from 'vitest';
import { specHowTo, specStatus, type SpecStatus } from './config.js';

export const spec: SpecStatus = specStatus();

let warned = false;

/** `describe` when the spec is available; otherwise a failing test (CI) or a named skip. */
export function describeWithSpec(name: string, body: () => void): void {
  if (spec.available) {
    describe(name, body);
    return;
  }
  const howTo = specHowTo(spec);
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs the Engine API spec (CI=true: a missing spec fails, it never skips)', () => {
        throw new Error(howTo);
      });
    });
    return;
  }
  // The full how-to once per test file, then one line per skipped group.
  console.warn(`[tool-codegen] skipped "${name}": needs the Engine API spec.${warned ? '' : `\n${howTo}`}`);
  warned = true;
  describe.skip(`${name} (skipped: no Engine API spec in ${spec.dir}; set DOCKLINE_SPEC_DIR)`, body);
}
