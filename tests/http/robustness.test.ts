import fc from 'fast-check';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ProblemSchema } from '../../src/http/problem.js';
import { testApp } from './support.js';

/** The process never crashes on input, and every rejection is a catalogued problem, never a 500. */
describe('arbitrary input', () => {
  const { app } = testApp({ env: { MAX_NARRATIVE_CHARS: '2000', MAX_BATCH_ITEMS: '5', BODY_LIMIT: '16kb' } });

  const expectHandled = (res: request.Response): void => {
    expect([200, 400, 413, 415]).toContain(res.status);
    if (res.status !== 200) expect(ProblemSchema.safeParse(res.body).success).toBe(true);
  };

  it('answers 200 or a 4xx problem when the JSON body is any value', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom('/v1/classify', '/v1/classify/batch'), async (value, path) => {
        expectHandled(await request(app).post(path).set('content-type', 'application/json').send(JSON.stringify(value)));
      }),
      { numRuns: 150 },
    );
  });

  it('answers 200 or a 4xx problem when items and narratives are any values', async () => {
    const item = fc.oneof(fc.record({ narrative: fc.oneof(fc.string({ maxLength: 300 }), fc.jsonValue()), id: fc.option(fc.string(), { nil: undefined }) }), fc.jsonValue());
    await fc.assert(
      fc.asyncProperty(fc.array(item, { maxLength: 7 }), async (items) => {
        const res = await request(app).post('/v1/classify/batch').send({ items });
        expectHandled(res);
        if (res.status === 200) expect((res.body as { results: unknown[] }).results).toHaveLength(items.length);
      }),
      { numRuns: 100 },
    );
  });

  it('answers 200 or a 4xx problem when the raw body is any text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 400 }), async (text) => {
        expectHandled(await request(app).post('/v1/classify').set('content-type', 'application/json').send(text));
      }),
      { numRuns: 150 },
    );
  });

  it('classifies any narrative text without failing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 500 }).filter((s) => s.trim() !== ''), async (narrative) => {
        const res = await request(app).post('/v1/classify').send({ narrative });
        expect(res.status).toBe(200);
      }),
      { numRuns: 100 },
    );
  });

  it('answers a problem when the JSON nests deeply', async () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    expectHandled(await request(app).post('/v1/classify').set('content-type', 'application/json').send(deep));
    const deepItems = JSON.stringify({ items: [JSON.parse(`${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}`) as unknown] });
    expectHandled(await request(app).post('/v1/classify/batch').set('content-type', 'application/json').send(deepItems));
  });
});
