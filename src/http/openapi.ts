/**
 * Generates the OpenAPI 3.1 document from the route table's operations and their zod schemas (z.toJSONSchema,
 * JSON Schema 2020-12, which OpenAPI 3.1 uses as is). Nothing here is hand-written per route: a route's
 * request schema is the one its handler validates with, its response schema the contract it returns.
 */
import { z } from 'zod';
import { ERROR_CATALOG, type ErrorCode } from '../errors.js';
import { PROBLEM_CONTENT_TYPE, ProblemSchema } from './problem.js';
import { REQUEST_ID_PATTERN } from './request-id.js';
import type { Operation, OperationBody } from './route-table.js';

export type JsonObject = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, JsonObject>>;
  components: { schemas: Record<string, JsonObject>; parameters: Record<string, JsonObject>; headers: Record<string, JsonObject> };
  tags: { name: string }[];
}

export interface OpenApiOptions {
  title: string;
  version: string;
  description?: string;
  operations: readonly Operation[];
}

/** zod → JSON Schema 2020-12. Requests are described in their input form, responses in their output form. */
export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const js = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonObject;
  delete js.$schema;
  return js;
}

function describeCodes(codes: readonly ErrorCode[]): string {
  return codes.map((c) => `\`${c}\` (${ERROR_CATALOG[c].title})`).join('; ');
}

export function createOpenApiDocument(options: OpenApiOptions): OpenApiDocument {
  const schemas: Record<string, JsonObject> = { Problem: toJsonSchema(ProblemSchema, 'output') };
  const owners = new Map<string, z.ZodType>([['Problem', ProblemSchema]]);
  const requestIdHeader = { $ref: '#/components/headers/RequestId' };

  const schemaRef = (body: OperationBody, io: 'input' | 'output'): JsonObject | undefined => {
    if (!body.schema) return undefined;
    if (body.schemaName === undefined) return toJsonSchema(body.schema, io);
    const owner = owners.get(body.schemaName);
    if (owner !== undefined && owner !== body.schema) throw new Error(`two different schemas are published as ${body.schemaName}`);
    if (owner === undefined) {
      owners.set(body.schemaName, body.schema);
      schemas[body.schemaName] = toJsonSchema(body.schema, io);
    }
    return { $ref: `#/components/schemas/${body.schemaName}` };
  };

  const content = (body: OperationBody, io: 'input' | 'output'): JsonObject => {
    const media: JsonObject = {};
    const schema = schemaRef(body, io);
    if (schema) media.schema = schema;
    if (body.example !== undefined) media.example = body.example;
    return { [body.contentType ?? 'application/json']: media };
  };

  const parameters = (schema: z.ZodObject | undefined, where: 'path' | 'query'): JsonObject[] =>
    Object.entries(schema?.shape ?? {}).map(([name, s]) => {
      const js = toJsonSchema(s as z.ZodType, 'input');
      const p: JsonObject = { name, in: where, required: where === 'path' || !(s as z.ZodType).safeParse(undefined).success, schema: js };
      if (typeof js.description === 'string') p.description = js.description;
      return p;
    });

  const paths: OpenApiDocument['paths'] = {};
  const tags = new Set<string>();
  for (const op of options.operations) {
    const item = (paths[op.path] ??= {});
    if (item[op.method]) throw new Error(`${op.method.toUpperCase()} ${op.path} is defined twice`);
    for (const t of op.tags ?? []) tags.add(t);

    const responses: JsonObject = {};
    for (const [status, r] of Object.entries(op.responses)) {
      const headers: JsonObject = { 'X-Request-Id': requestIdHeader };
      for (const [h, d] of Object.entries(r.headers ?? {})) headers[h] = { description: d, schema: { type: 'string' } };
      const resp: JsonObject = { description: r.description, headers };
      if (r.schema || r.contentType) resp.content = content(r, 'output');
      responses[status] = resp;
    }
    const byStatus = new Map<number, ErrorCode[]>();
    for (const code of [...(op.errors ?? []), 'INTERNAL_ERROR' as const]) {
      const s = ERROR_CATALOG[code].status;
      const list = byStatus.get(s) ?? [];
      if (!list.includes(code)) list.push(code);
      byStatus.set(s, list);
    }
    for (const [status, codes] of [...byStatus].sort((a, b) => a[0] - b[0])) {
      responses[String(status)] = {
        description: `Problem: ${describeCodes(codes)}`,
        headers: { 'X-Request-Id': requestIdHeader },
        content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } },
      };
    }

    const operation: JsonObject = {
      operationId: op.operationId,
      summary: op.summary,
      parameters: [...parameters(op.pathParams, 'path'), ...parameters(op.query, 'query'), { $ref: '#/components/parameters/RequestId' }],
      responses,
    };
    if (op.description !== undefined) operation.description = op.description;
    if (op.tags) operation.tags = op.tags;
    if (op.security) operation.security = op.security;
    if (op.requestBody) {
      const body: JsonObject = { required: op.requestBody.required ?? true, content: content(op.requestBody, 'input') };
      if (op.requestBody.description !== undefined) body.description = op.requestBody.description;
      operation.requestBody = body;
    }
    item[op.method] = operation;
  }

  const requestIdSchema = { type: 'string', pattern: REQUEST_ID_PATTERN.source };
  return {
    openapi: '3.1.0',
    info: { title: options.title, version: options.version, ...(options.description ? { description: options.description } : {}) },
    paths,
    components: {
      schemas,
      parameters: {
        RequestId: {
          name: 'X-Request-Id',
          in: 'header',
          required: false,
          description: 'Correlation id, kept when it matches the pattern, otherwise replaced by a generated UUID; echoed in the response and in every log line of the request',
          schema: requestIdSchema,
        },
      },
      headers: { RequestId: { description: 'The request id (the client\'s valid X-Request-Id or a generated UUID)', schema: requestIdSchema } },
    },
    tags: [...tags].sort().map((name) => ({ name })),
  };
}
