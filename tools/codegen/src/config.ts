import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Workspace root (the folder holding the root package.json). */
export const WORKSPACE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The official Engine API specs (moby's api/swagger.yaml, api/docs/v1.41.yaml and
 * api/docs/CHANGELOG.md) are not vendored into this repository: they are read from the
 * project's shared folder beside the checkout (`../shared/docker-api`), or from
 * DOCKLINE_SPEC_DIR.
 */
export const DEFAULT_SPEC_DIR = process.env.DOCKLINE_SPEC_DIR
  ? path.resolve(process.env.DOCKLINE_SPEC_DIR)
  : fileURLToPath(new URL('../../../../shared/docker-api/', import.meta.url));

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
