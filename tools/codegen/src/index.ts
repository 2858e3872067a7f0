export { generate, generateWithReport, buildOperationTable } from './generate.js';
export type { GenerateOptions, GenerateResult, OperationTable } from './generate.js';
export { compareWithDisk, describeDifferences } from './check.js';
export type { FileDifference } from './check.js';
