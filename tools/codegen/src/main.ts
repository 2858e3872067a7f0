/**
 * Usage:
 *   npx tsx tools/codegen/src/main.ts            write packages/api/src/generated/*
 *   npx tsx tools/codegen/src/main.ts --check    exit 1 if the committed files differ
 * Options: --spec-dir <dir>  read the spec files from another folder (default: DOCKLINE_SPEC_DIR,
 *          else ../shared/docker-api beside the checkout; see tools/codegen/README.md)
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { compareWithDisk, describeDifferences } from './check.js';
import { absoluteOutputPath, DEFAULT_SPEC_DIR, REGENERATE_COMMAND, specHowTo, specStatus } from './config.js';
import { generateWithReport } from './generate.js';
import { countByResponse } from './render-operations.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      check: { type: 'boolean', default: false },
      'spec-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log('Usage: tsx tools/codegen/src/main.ts [--check] [--spec-dir <dir>]');
    return 0;
  }

  const specDir = values['spec-dir'] === undefined ? undefined : path.resolve(values['spec-dir']);
  // The spec is not vendored: say what is missing and how to get it, not an ENOENT stack.
  const status = specStatus(specDir ?? DEFAULT_SPEC_DIR);
  if (!status.available) {
    console.error(specHowTo(status));
    console.error('Then run `npm run codegen` again (or pass --spec-dir <dir>).');
    return 2;
  }
  const { files, table } = await generateWithReport(specDir === undefined ? {} : { specDir });
  for (const warning of table.warnings) console.warn(`warning: ${warning}`);

  const differences = compareWithDisk(files);
  if (values.check) {
    if (differences.length > 0) {
      console.error(describeDifferences(differences, REGENERATE_COMMAND));
      return 1;
    }
    console.log(`Generated files are current (${files.size} files, ${table.operations.length} operations).`);
    return 0;
  }

  for (const d of differences) {
    const absolute = absoluteOutputPath(d.path);
    if (d.problem === 'unexpected') {
      // Only remove what this generator wrote earlier; anything else is left for a human.
      if (existsSync(absolute) && readFileSync(absolute, 'utf8').startsWith('// GENERATED FILE: DO NOT EDIT BY HAND.')) {
        unlinkSync(absolute);
        console.log(`removed ${d.path}`);
      } else {
        console.warn(`warning: ${d.path} is in the generated folder but not generated; left as is`);
      }
      continue;
    }
    mkdirSync(path.dirname(absolute), { recursive: true });
    writeFileSync(absolute, files.get(d.path)!);
    console.log(`wrote ${d.path}`);
  }
  const counts = countByResponse(table.operations);
  console.log(
    `${table.operations.length} operations (${Object.entries(counts)
      .map(([kind, n]) => `${kind} ${n}`)
      .join(', ')}); ${differences.length === 0 ? 'nothing changed' : `${differences.length} file(s) updated`}.`,
  );
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 2;
  },
);
