// The few parts of swagger2openapi (CommonJS, untyped) that the generator calls.
// @types/swagger2openapi exists on npm and could replace this file.
declare module 'swagger2openapi' {
  interface ConvertOptions {
    /** Fix up small spec errors instead of failing. */
    patch?: boolean;
    /** Record unfixable problems as x-s2o-warning instead of failing. */
    warnOnly?: boolean;
    [option: string]: unknown;
  }
  interface ConvertResult {
    openapi: Record<string, unknown>;
    /** How many fix-ups were counted (includes harmless ones such as x-nullable -> nullable). */
    patches: number;
  }
  const swagger2openapi: {
    convertObj(swagger: object, options: ConvertOptions): Promise<ConvertResult>;
  };
  export default swagger2openapi;
}
