/**
 * Engine API types: Swagger 2.0 -> OpenAPI 3.0 with swagger2openapi, then openapi-typescript v7.
 */
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import swagger2openapi from 'swagger2openapi';
import type { SwaggerDocument } from './spec.js';

export async function convertToOpenApi3(doc: SwaggerDocument): Promise<OpenAPI3> {
  // structuredClone: the converter annotates the object it is given.
  const { openapi } = await swagger2openapi.convertObj(structuredClone(doc), {
    // Strict: a spec that needs fixing up fails the generation instead of being patched silently.
    patch: false,
    warnOnly: false,
  });
  return openapi as unknown as OpenAPI3;
}

export async function renderEngineApiTypes(doc: SwaggerDocument): Promise<string> {
  const openapi = await convertToOpenApi3(doc);
  const ast = await openapiTS(openapi, {
    silent: true,
    // Defaults are applied by the daemon. With the v7 default (true) every property with a
    // `default` becomes required, so ContainerCreate would demand AttachStdin, Tty, ...
    defaultNonNullable: false,
    // `{type: object}` without properties means "any object" in this spec (e.g. the
    // `allOf: [ServiceSpec, {type: object, example}]` bodies). As Record<string, never> it
    // would intersect every property of ServiceSpec down to never.
    emptyObjectsUnknown: true,
    // Keep the spec's order: diffs of the generated file then follow diffs of the spec.
    alphabetize: false,
  });
  return astToString(ast);
}
