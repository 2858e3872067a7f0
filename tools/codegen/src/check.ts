/** Compares generated content with the files on disk. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { OUTPUT_DIR, absoluteOutputPath, WORKSPACE_ROOT } from './config.js';

export interface FileDifference {
  path: string;
  problem: 'missing' | 'differs' | 'unexpected';
  /** For 'differs': the first differing line, 1-based, with both versions. */
  firstDifference?: { line: number; expected: string; actual: string };
}

function firstDifferentLine(expected: string, actual: string): FileDifference['firstDifference'] {
  const e = expected.split('\n');
  const a = actual.split('\n');
  for (let i = 0; i < Math.max(e.length, a.length); i++) {
    if (e[i] !== a[i]) return { line: i + 1, expected: e[i] ?? '<end of file>', actual: a[i] ?? '<end of file>' };
  }
  return undefined;
}

/**
 * Lists every generated file whose committed copy is missing or differs, and every file in the
 * output folder the generator does not produce.
 */
export function compareWithDisk(files: ReadonlyMap<string, string>, root: string = WORKSPACE_ROOT): FileDifference[] {
  const differences: FileDifference[] = [];
  for (const [relativePath, expected] of files) {
    const absolute = absoluteOutputPath(relativePath, root);
    if (!existsSync(absolute)) {
      differences.push({ path: relativePath, problem: 'missing' });
      continue;
    }
    const actual = readFileSync(absolute, 'utf8');
    if (actual !== expected) {
      const diff: FileDifference = { path: relativePath, problem: 'differs' };
      const first = firstDifferentLine(expected, actual);
      if (first) diff.firstDifference = first;
      differences.push(diff);
    }
  }
  const outputDir = absoluteOutputPath(OUTPUT_DIR, root);
  if (existsSync(outputDir)) {
    for (const name of readdirSync(outputDir).sort()) {
      const relativePath = `${OUTPUT_DIR}/${name}`;
      if (!files.has(relativePath)) differences.push({ path: relativePath, problem: 'unexpected' });
    }
  }
  return differences;
}

export function describeDifferences(differences: readonly FileDifference[], regenerateCommand: string): string {
  const lines = ['Generated Engine API files are not what tools/codegen produces:'];
  for (const d of differences) {
    if (d.problem === 'missing') lines.push(`  ${d.path}: missing`);
    else if (d.problem === 'unexpected') lines.push(`  ${d.path}: not produced by the generator (remove it, or teach the generator)`);
    else {
      lines.push(`  ${d.path}: differs`);
      if (d.firstDifference) {
        const { line, expected, actual } = d.firstDifference;
        lines.push(`    first difference at line ${line}:`, `      generated: ${expected}`, `      committed: ${actual}`);
      }
    }
  }
  lines.push(
    `These files are generated from the Engine API spec (tools/codegen/README.md) and must not be edited by hand.`,
    `Run \`${regenerateCommand}\` and commit the result (change the generator, not its output).`,
  );
  return lines.join('\n');
}
