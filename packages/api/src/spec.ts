/**
 * Everything generated from the Engine API spec: the openapi-typescript types, the runtime
 * operation table and the typed-params helpers. `import { operations } from '@dockline/api/spec'`.
 */
export type { components, paths, operations as EngineOperations } from './generated/engine-api.js';
export * from './generated/operations.js';
export * from './generated/operation-types.js';
