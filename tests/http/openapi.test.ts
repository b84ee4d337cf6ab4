import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ClassificationSchema } from '../../src/classify/result-schema.js';
import { ERROR_CODES } from '../../src/errors.js';
import { testApp } from './support.js';

/**
 * Structural checks of an OpenAPI 3.1 document: the required fields of the objects this API uses, strict
 * (a misspelt member fails), plus the cross-document rules a JSON Schema of the spec cannot state.
 */
const Ref = z.strictObject({ $ref: z.string().startsWith('#/') });
const JsonSchema = z.record(z.string(), z.unknown());
const Media = z.strictObject({ schema: JsonSchema.optional(), example: z.unknown().optional() });
const Content = z.record(z.string().regex(/^[a-z]+\/[a-z0-9.+*-]+$/), Media);
const Header = z.strictObject({ description: z.string().optional(), schema: JsonSchema });
const Parameter = z
  .strictObject({
    name: z.string().min(1),
    in: z.enum(['query', 'header', 'path', 'cookie']),
    required: z.boolean().optional(),
    description: z.string().optional(),
    schema: JsonSchema,
  })
  .refine((p) => p.in !== 'path' || p.required === true, 'path parameters must be required');
const Response = z.strictObject({
  description: z.string().min(1),
  headers: z.record(z.string(), z.union([Ref, Header])).optional(),
  content: Content.optional(),
});
const Operation = z.strictObject({
  operationId: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/),
  summary: z.string().min(1),
  description: z.string().optional(),
  tags: z.array(z.string()).optional(),
  parameters: z.array(z.union([Ref, Parameter])).optional(),
  requestBody: z.strictObject({ description: z.string().optional(), required: z.boolean().optional(), content: Content }).optional(),
  responses: z.record(z.string().regex(/^([1-5](\d\d|XX)|default)$/), z.union([Ref, Response])).refine((r) => Object.keys(r).length > 0, 'no responses'),
  security: z.array(z.record(z.string(), z.array(z.string()))).optional(),
});
const PathItem = z.strictObject({
  get: Operation.optional(),
  put: Operation.optional(),
  post: Operation.optional(),
  delete: Operation.optional(),
  patch: Operation.optional(),
});
const OpenApi31 = z.strictObject({
  openapi: z.string().regex(/^3\.1\.\d+$/),
  info: z.strictObject({ title: z.string().min(1), version: z.string().min(1), description: z.string().optional() }),
  paths: z.record(z.string().startsWith('/'), PathItem),
  components: z.strictObject({
    schemas: z.record(z.string().regex(/^[A-Za-z0-9._-]+$/), JsonSchema),
    parameters: z.record(z.string(), Parameter),
    headers: z.record(z.string(), Header),
  }),
  tags: z.array(z.strictObject({ name: z.string() })),
});

const JSON_SCHEMA_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

function walk(node: unknown, visit: (obj: Record<string, unknown>, path: string) => void, path = '#'): void {
  if (Array.isArray(node)) node.forEach((n, i) => walk(n, visit, `${path}/${i}`));
  else if (typeof node === 'object' && node !== null) {
    visit(node as Record<string, unknown>, path);
    for (const [k, v] of Object.entries(node)) walk(v, visit, `${path}/${k}`);
  }
}

function resolvePointer(doc: unknown, ref: string): unknown {
  return ref
    .slice(2)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined), doc);
}

/** Every route the core app serves: the OpenAPI document must list exactly these. */
const ROUTES = [
  ['get', '/healthz'],
  ['get', '/readyz'],
  ['post', '/v1/classify'],
  ['post', '/v1/classify/batch'],
  ['get', '/v1/taxonomy'],
  ['get', '/v1/taxonomy/statutes/{code}'],
  ['get', '/openapi.json'],
  ['get', '/docs'],
] as const;

describe('GET /openapi.json', () => {
  const { app } = testApp({ env: { MAX_NARRATIVE_CHARS: '1234', MAX_BATCH_ITEMS: '77' } });

  async function fetchDoc(): Promise<z.infer<typeof OpenApi31>> {
    const res = await request(app).get('/openapi.json').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    return OpenApi31.parse(res.body);
  }

  it('is a structurally valid OpenAPI 3.1 document when generated', async () => {
    const doc = await fetchDoc();
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    for (const [path, item] of Object.entries(doc.paths)) {
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const op of Object.values(item)) {
        const declared = (op.parameters ?? []).flatMap((p) => ('in' in p && p.in === 'path' ? [p.name] : []));
        expect(declared.sort()).toEqual(templated.sort());
      }
    }
  });

  it('resolves every $ref and uses only JSON Schema types when generated', async () => {
    const doc = await fetchDoc();
    walk(doc, (obj, at) => {
      if (typeof obj.$ref === 'string') expect(resolvePointer(doc, obj.$ref), `${at}: ${obj.$ref}`).toBeDefined();
      if (at.includes('/schema') && 'type' in obj && typeof obj.type !== 'object') {
        const types = Array.isArray(obj.type) ? obj.type : [obj.type];
        for (const t of types) expect(JSON_SCHEMA_TYPES.has(String(t)), `${at}: type ${String(t)}`).toBe(true);
      }
    });
  });

  it('lists exactly the routes the app serves, and the app answers each of them', async () => {
    const doc = await fetchDoc();
    const listed = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m} ${path}`));
    expect(listed.sort()).toEqual(ROUTES.map(([m, p]) => `${m} ${p}`).sort());
    for (const [method, path] of ROUTES) {
      const res = await request(app)[method](path.replace('{code}', '1030'));
      expect([404, 405], `${method} ${path}`).not.toContain(res.status);
    }
  });

  it('documents the enforced limits because it is generated from the validating schemas', async () => {
    const doc = await fetchDoc();
    const classify = doc.components.schemas.ClassifyRequest as { properties: { narrative: { maxLength: number } }; required: string[]; additionalProperties: boolean };
    expect(classify.properties.narrative.maxLength).toBe(1234);
    expect(classify.required).toEqual(['narrative']);
    expect(classify.additionalProperties).toBe(false);
    const batch = doc.components.schemas.BatchRequest as { properties: { items: { maxItems: number; minItems: number } } };
    expect(batch.properties.items).toMatchObject({ maxItems: 77, minItems: 1 });
    await request(app).post('/v1/classify').send({ narrative: 'a'.repeat(1235) }).expect(413);
  });

  it('publishes the classification contract exactly as result-schema.ts defines it', async () => {
    const doc = await fetchDoc();
    const expected = z.toJSONSchema(ClassificationSchema, { target: 'draft-2020-12', io: 'output' }) as Record<string, unknown>;
    delete expected.$schema;
    expect(doc.components.schemas.Classification).toEqual(expected);
    expect(doc.paths['/v1/classify']?.post?.responses['200']).toMatchObject({ content: { 'application/json': { schema: { $ref: '#/components/schemas/Classification' } } } });
  });

  it('documents problem responses with the catalog codes when an operation declares them', async () => {
    const doc = await fetchDoc();
    const responses = doc.paths['/v1/classify']?.post?.responses ?? {};
    expect(Object.keys(responses).sort()).toEqual(['200', '400', '413', '415', '500']);
    expect(JSON.stringify(responses['413'])).toContain('NARRATIVE_TOO_LONG');
    expect(responses['400']).toMatchObject({ content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });
    const problem = doc.components.schemas.Problem as { properties: { code: { enum: string[] } } };
    expect(problem.properties.code.enum).toEqual(ERROR_CODES);
  });
});
