/**
 * The generator: reads the vendored spec files and returns every generated file's content.
 * Pure apart from reading its inputs, so tests can run it in memory.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseChangelog } from './changelog.js';
import {
  classifyOperation,
  EMPTY_DESPITE_SCHEMA,
  LONG_RUNNING_EXTRA,
  NDJSON_DESPITE_JSON,
  NDJSON_UNDECLARED,
  NOTES,
  type ClassifiedOperation,
} from './classify.js';
import {
  BASELINE_SPEC_FILE,
  CHANGELOG_FILE,
  DEFAULT_SPEC_DIR,
  LATEST_SPEC_FILE,
  OUTPUT_FILES,
} from './config.js';
import { renderEngineApiTypes } from './engine-api.js';
import { generatedHeader, type HashedInput } from './header.js';
import { resolveMinVersions, type MinVersionResult } from './min-version.js';
import { renderOperationTypes } from './render-operation-types.js';
import { renderOperations } from './render-operations.js';
import { listOperations, loadSpec, type LoadedSpec } from './spec.js';

export interface GenerateOptions {
  /** Folder holding the spec files; defaults to DEFAULT_SPEC_DIR (config.ts). */
  specDir?: string;
}

export interface OperationTable {
  latest: LoadedSpec;
  baseline: LoadedSpec;
  changelog: HashedInput;
  operations: ClassifiedOperation[];
  minVersions: Map<string, MinVersionResult>;
  warnings: string[];
}

/** Builds the classified operation table (no TypeScript generation; fast). */
export async function buildOperationTable(options: GenerateOptions = {}): Promise<OperationTable> {
  const specDir = options.specDir ?? DEFAULT_SPEC_DIR;
  const [latest, baseline, changelogText] = await Promise.all([
    loadSpec(specDir, LATEST_SPEC_FILE),
    loadSpec(specDir, BASELINE_SPEC_FILE),
    readFile(path.join(specDir, CHANGELOG_FILE), 'utf8'),
  ]);
  const latestOps = listOperations(latest.document);
  const baselineOps = listOperations(baseline.document);
  const { results: minVersions, warnings } = resolveMinVersions(
    latestOps,
    baselineOps,
    baseline.document.info.version,
    parseChangelog(changelogText),
  );

  // A judgement about an operation the spec no longer has is stale: fail rather than drop it silently.
  const ids = new Set(latestOps.map((op) => op.operationId));
  for (const [table, entries] of Object.entries({
    NDJSON_DESPITE_JSON,
    NDJSON_UNDECLARED,
    EMPTY_DESPITE_SCHEMA,
    LONG_RUNNING_EXTRA,
    NOTES,
  })) {
    for (const id of Object.keys(entries)) {
      if (!ids.has(id)) throw new Error(`classify.ts ${table} names ${id}, which ${latest.fileName} does not have`);
    }
  }

  const operations = latestOps.map((op) => {
    const classified = classifyOperation(op);
    const min = minVersions.get(op.operationId);
    if (min?.minVersion !== undefined) {
      classified.spec.minVersion = min.minVersion;
      classified.notes.push(
        min.source === 'changelog'
          ? `minVersion ${min.minVersion}: not in v${baseline.document.info.version}; CHANGELOG.md v${min.minVersion}: "${firstSentence(min.evidence ?? '')}"`
          : `minVersion ${min.minVersion}: not in v${baseline.document.info.version} and no CHANGELOG.md entry; assumed the first version after it`,
      );
    }
    return classified;
  });
  const changelog = { fileName: CHANGELOG_FILE, sha256: createHash('sha256').update(changelogText).digest('hex') };
  return { latest, baseline, changelog, operations, minVersions, warnings };
}

export interface GenerateResult {
  /** Workspace-relative path (forward slashes) -> file content. */
  files: Map<string, string>;
  table: OperationTable;
}

export async function generateWithReport(options: GenerateOptions = {}): Promise<GenerateResult> {
  const table = await buildOperationTable(options);
  const { latest, baseline } = table;

  const engineApi =
    generatedHeader('Engine API types from the official spec (openapi-typescript).', [latest]) +
    '\n' +
    (await renderEngineApiTypes(latest.document));
  const operations = renderOperations({
    header: generatedHeader('Runtime table of Engine API operations.', [latest, baseline, table.changelog]),
    operations: table.operations,
    maxApiVersion: latest.document.info.version,
    baselineApiVersion: baseline.document.info.version,
  });
  const operationTypes = renderOperationTypes(
    generatedHeader('Typed-escape-hatch helpers over engine-api.ts and operations.ts.', [], [
      'tools/codegen/src/render-operation-types.ts (a fixed template)',
    ]),
  );

  const files = new Map<string, string>([
    [OUTPUT_FILES.engineApi, normalize(engineApi)],
    [OUTPUT_FILES.operations, normalize(operations)],
    [OUTPUT_FILES.operationTypes, normalize(operationTypes)],
  ]);
  return { files, table };
}

/** Every generated file, keyed by workspace-relative path. */
export async function generate(options: GenerateOptions = {}): Promise<Map<string, string>> {
  return (await generateWithReport(options)).files;
}

function firstSentence(text: string): string {
  const end = text.search(/\.(\s|$)/);
  return end === -1 ? text : text.slice(0, end + 1);
}

/** LF line endings, no trailing spaces, exactly one final newline: stable across platforms. */
function normalize(text: string): string {
  return `${text.replace(/\r\n/g, '\n').replace(/[ \t]+$/gm, '').replace(/\n+$/, '')}\n`;
}
