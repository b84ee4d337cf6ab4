import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ClassificationSchema } from '../../src/classify/result-schema.js';
import { ERROR_CODES } from '../../src/errors.js';
import { createServerMounts } from '../../src/http/server-mounts.js';
import { startServer } from '../../src/http/start-server.js';
import { OpenApi31, openApiProblems } from './openapi-validator.js';
import { testApp } from './support.js';

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

  it('is a valid OpenAPI 3.1 document with resolvable refs when generated', async () => {
    const res = await request(app).get('/openapi.json').expect(200);
    expect(openApiProblems(res.body).problems).toEqual([]);
  });

  it('reports problems when the document is broken', () => {
    const { problems } = openApiProblems({
      openapi: '3.1.0',
      info: { title: 't', version: '1' },
      paths: {
        '/a/{id}': { get: { operationId: 'x', summary: 's', responses: { 200: { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Nope' } } } } } } },
        '/b': { get: { operationId: 'x', summary: 's', responses: { 200: { description: 'ok', content: { 'application/json': { schema: { type: 'text' } } } } } } },
      },
      components: { schemas: {}, parameters: {}, headers: {} },
      tags: [],
    });
    expect(problems).toEqual([
      'operationId x is used twice',
      'get /a/{id}: path parameters  ≠ template id',
      '#/paths/~1a~1{id}/get/responses/200/content/application~1json/schema: unresolved #/components/schemas/Nope'.replace(/~1/g, '/'),
      '#/paths//b/get/responses/200/content/application/json/schema: type text',
    ]);
    expect(openApiProblems({ openapi: '3.0.3', info: {}, paths: {} }).problems.length).toBeGreaterThan(0);
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
    expect(Object.keys(responses).sort()).toEqual(['200', '400', '413', '415', '500', '503']);
    expect(JSON.stringify(responses['413'])).toContain('NARRATIVE_TOO_LONG');
    expect(JSON.stringify(responses['503'])).toContain('NOT_READY');
    expect(responses['400']).toMatchObject({ content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });
    const problem = doc.components.schemas.Problem as { properties: { code: { enum: string[] } } };
    expect(problem.properties.code.enum).toEqual(ERROR_CODES);
  });
});

describe('GET /openapi.json of the full server (core API plus every mounted module)', () => {
  it('is a valid OpenAPI 3.1 document that lists the core routes and every mounted route table', async () => {
    const lines: string[] = [];
    const documented: string[] = [];
    const running = await startServer({
      env: { PORT: '0', STORE_PATH: ':memory:', LOG_FORMAT: 'json' },
      logDestination: { write: (s: string) => void lines.push(s) },
      mounts: (ctx) => {
        const mounts = createServerMounts(ctx);
        documented.push(...mounts.flatMap((m) => m.operations ?? []).map((op) => `${op.method} ${op.path}`));
        return mounts;
      },
      signals: null,
    });
    try {
      const res = await request(running.url).get('/openapi.json').expect(200);
      const { doc, problems } = openApiProblems(res.body);
      expect(problems).toEqual([]);
      const listed = Object.entries(doc?.paths ?? {}).flatMap(([path, item]) => Object.keys(item).map((m) => `${m} ${path}`));
      for (const [m, p] of ROUTES) expect(listed).toContain(`${m} ${p}`);
      expect(documented.length).toBeGreaterThan(5);
      for (const route of documented) expect(listed).toContain(route);
    } finally {
      expect(await running.shutdown('test')).toBe(0);
    }
  });
});
