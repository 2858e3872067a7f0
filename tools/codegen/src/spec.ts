import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';

/** The part of a Swagger 2.0 document that the generator reads. */
export interface SwaggerDocument {
  swagger: string;
  info: { title: string; version: string };
  basePath?: string;
  produces?: string[];
  consumes?: string[];
  paths: Record<string, SwaggerPathItem>;
  definitions?: Record<string, unknown>;
  parameters?: Record<string, SwaggerParameter>;
}

export type SwaggerPathItem = Partial<Record<HttpMethodLower, SwaggerOperation>> & {
  parameters?: SwaggerParameterOrRef[];
};

export interface SwaggerOperation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  produces?: string[];
  consumes?: string[];
  parameters?: SwaggerParameterOrRef[];
  responses: Record<string, SwaggerResponse>;
}

export interface SwaggerParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'body' | 'formData';
  required?: boolean;
  type?: string;
  format?: string;
  schema?: SwaggerSchema;
}

export type SwaggerParameterOrRef = SwaggerParameter | { $ref: string };

export interface SwaggerSchema {
  type?: string;
  format?: string;
  $ref?: string;
  [key: string]: unknown;
}

export interface SwaggerResponse {
  description?: string;
  schema?: SwaggerSchema;
  headers?: Record<string, unknown>;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;
export type HttpMethodLower = (typeof HTTP_METHODS)[number];

/** One operation of the spec, flattened, with path-level parameters merged in. */
export interface SpecOperation {
  operationId: string;
  method: Uppercase<HttpMethodLower>;
  path: string;
  summary: string | undefined;
  tags: string[];
  /** Operation-level `produces`, else the document's. */
  produces: string[];
  /** Operation-level `consumes`, else the document's. */
  consumes: string[];
  /** Whether `produces` / `consumes` were declared on the operation itself. */
  declaresProduces: boolean;
  declaresConsumes: boolean;
  parameters: SwaggerParameter[];
  responses: Record<string, SwaggerResponse>;
}

export interface LoadedSpec {
  fileName: string;
  text: string;
  sha256: string;
  document: SwaggerDocument;
}

export async function loadSpec(dir: string, fileName: string): Promise<LoadedSpec> {
  const text = await readFile(path.join(dir, fileName), 'utf8');
  return parseSpec(fileName, text);
}

export function parseSpec(fileName: string, text: string): LoadedSpec {
  // uniqueKeys (the default) makes a duplicated path or response code an error, not a silent overwrite.
  const document = parse(text, { uniqueKeys: true }) as SwaggerDocument;
  if (document?.swagger !== '2.0') {
    throw new Error(`${fileName}: expected a Swagger 2.0 document, found swagger=${String(document?.swagger)}`);
  }
  if (!document.paths || typeof document.paths !== 'object') {
    throw new Error(`${fileName}: the document has no paths`);
  }
  const sha256 = createHash('sha256').update(text).digest('hex');
  return { fileName, text, sha256, document };
}

function resolveParameter(doc: SwaggerDocument, p: SwaggerParameterOrRef, where: string): SwaggerParameter {
  if ('$ref' in p) {
    const prefix = '#/parameters/';
    const target = p.$ref.startsWith(prefix) ? doc.parameters?.[p.$ref.slice(prefix.length)] : undefined;
    if (!target) throw new Error(`${where}: cannot resolve parameter ${p.$ref}`);
    return target;
  }
  return p;
}

/** Every operation in document order (paths in file order, methods in file order). */
export function listOperations(doc: SwaggerDocument): SpecOperation[] {
  const result: SpecOperation[] = [];
  const seen = new Set<string>();
  for (const [route, item] of Object.entries(doc.paths)) {
    const shared = (item.parameters ?? []).map((p) => resolveParameter(doc, p, route));
    for (const [key, op] of Object.entries(item)) {
      if (!(HTTP_METHODS as readonly string[]).includes(key)) continue;
      const operation = op as SwaggerOperation;
      const method = key.toUpperCase() as Uppercase<HttpMethodLower>;
      const where = `${method} ${route}`;
      if (!operation.operationId) throw new Error(`${where}: operation has no operationId`);
      if (seen.has(operation.operationId)) throw new Error(`${where}: duplicate operationId ${operation.operationId}`);
      seen.add(operation.operationId);
      const own = (operation.parameters ?? []).map((p) => resolveParameter(doc, p, where));
      // An operation-level parameter overrides a path-level one with the same name and location.
      const merged = [
        ...shared.filter((s) => !own.some((o) => o.name === s.name && o.in === s.in)),
        ...own,
      ];
      result.push({
        operationId: operation.operationId,
        method,
        path: route,
        summary: operation.summary,
        tags: operation.tags ?? [],
        produces: operation.produces ?? doc.produces ?? [],
        consumes: operation.consumes ?? doc.consumes ?? [],
        declaresProduces: operation.produces !== undefined,
        declaresConsumes: operation.consumes !== undefined,
        parameters: merged,
        responses: operation.responses ?? {},
      });
    }
  }
  return result;
}

/** Status codes of the success responses (1xx upgrades, 2xx and 3xx), in spec order. */
export function successStatuses(op: SpecOperation): string[] {
  return Object.keys(op.responses).filter((code) => /^[123]\d\d$/.test(code));
}
