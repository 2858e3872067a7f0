import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Workspace root (the folder holding the root package.json). */
export const WORKSPACE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The official Engine API specs (moby's api/swagger.yaml, api/docs/v1.41.yaml and
 * api/docs/CHANGELOG.md) are not vendored into this repository: they are read from
 * DOCKLINE_SPEC_DIR, else from the project's shared folder beside the checkout
 * (`../shared/docker-api`), else beside the checkout this one was cloned from (a scratch
 * clone of a working copy, as when proving a CI run locally).
 */
export const DEFAULT_SPEC_DIR = findSpecDir();

function findSpecDir(): string {
  if (process.env.DOCKLINE_SPEC_DIR) return path.resolve(process.env.DOCKLINE_SPEC_DIR);
  const besideCheckout = path.resolve(WORKSPACE_ROOT, '..', 'shared', 'docker-api');
  if (existsSync(besideCheckout)) return besideCheckout;
  try {
    const origin = execFileSync('git', ['-C', WORKSPACE_ROOT, 'remote', 'get-url', 'origin'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const besideOrigin = path.resolve(origin, '..', 'shared', 'docker-api');
    if (path.isAbsolute(origin) && existsSync(besideOrigin)) return besideOrigin;
  } catch {
    // not a git checkout, or no origin: fall through
  }
  return besideCheckout; // missing: specStatus() says so and how to get the spec
}

/** The three files the generator reads, in the order a reader needs them. */
export function specFiles(): string[] {
  return [LATEST_SPEC_FILE, BASELINE_SPEC_FILE, CHANGELOG_FILE];
}

export interface SpecStatus {
  /** The folder searched (DOCKLINE_SPEC_DIR, ../shared/docker-api, or beside the origin clone). */
  dir: string;
  /** Spec files missing from `dir` (empty when the spec is available). */
  missing: string[];
  available: boolean;
}

/** Whether the Engine API spec files are present in `dir` (default: where the generator looks). */
export function specStatus(dir: string = DEFAULT_SPEC_DIR): SpecStatus {
  const missing = specFiles().filter((f) => !existsSync(path.join(dir, f)));
  return { dir, missing, available: missing.length === 0 };
}

/**
 * How to get the spec, for messages. The files are moby's, not vendored here (see
 * docs/decisions.md): a public clone has to fetch them once.
 */
export function specHowTo(status: SpecStatus): string {
  return [
    `The Engine API spec is not available: ${status.missing.join(', ')} missing in ${status.dir}.`,
    'Get it from moby/moby (commit b985e2313a86) into one folder and point DOCKLINE_SPEC_DIR at it:',
    '  v1.56.yaml   <- api/swagger.yaml',
    '  v1.41.yaml   <- api/docs/v1.41.yaml',
    '  CHANGELOG.md <- api/docs/CHANGELOG.md',
    '(or place that folder at ../shared/docker-api beside the checkout).',
  ].join('\n');
}

/** The newest Engine API spec: the source of every generated type and of the operation table. */
export const LATEST_SPEC_FILE = 'v1.56.yaml';

/**
 * The oldest API version dockline is checked against (what Debian 12's dockerd 20.10 and the
 * test daemon speak). An operation present in this spec gets no `minVersion`.
 */
export const BASELINE_SPEC_FILE = 'v1.41.yaml';
export const CHANGELOG_FILE = 'CHANGELOG.md';

/** Where the generated files go, relative to the workspace root (forward slashes). */
export const OUTPUT_DIR = 'packages/api/src/generated';

export const OUTPUT_FILES = {
  engineApi: `${OUTPUT_DIR}/engine-api.ts`,
  operations: `${OUTPUT_DIR}/operations.ts`,
  operationTypes: `${OUTPUT_DIR}/operation-types.ts`,
} as const;

export const REGENERATE_COMMAND = 'npx tsx tools/codegen/src/main.ts';
export const CHECK_COMMAND = 'npx tsx tools/codegen/src/main.ts --check';

/** Resolves a workspace-relative output path to an absolute one. */
export function absoluteOutputPath(relativePath: string, root: string = WORKSPACE_ROOT): string {
  return path.join(root, ...relativePath.split('/'));
}
