import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ClassificationSchema } from '../../src/classify/result-schema.js';
import { BatchResponseSchema } from '../../src/http/schemas.js';
import { ProblemSchema } from '../../src/http/problem.js';
import { NARRATIVE, testApp } from './support.js';

describe('POST /v1/classify', () => {
  const { app } = testApp();

  it('returns the classification contract with the caller id when the narrative is valid', async () => {
    const res = await request(app).post('/v1/classify').send({ id: 'case-42', narrative: NARRATIVE }).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = ClassificationSchema.parse(res.body);
    expect(body.id).toBe('case-42');
    expect(body.suggestions.map((s) => s.statute)).toContain('1343');
    const ev = body.suggestions[0]?.evidence[0];
    expect(ev && NARRATIVE.slice(ev.start, ev.end)).toBe(ev?.text);
  });

  it('generates a stable id when the id is absent', async () => {
    const a = await request(app).post('/v1/classify').send({ narrative: NARRATIVE }).expect(200);
    const b = await request(app).post('/v1/classify').send({ narrative: NARRATIVE }).expect(200);
    const idA = ClassificationSchema.parse(a.body).id;
    expect(idA).toMatch(/^[0-9a-f]{16}$/);
    expect(ClassificationSchema.parse(b.body).id).toBe(idA);
  });

  it('drops evidence spans when explain is false', async () => {
    const res = await request(app).post('/v1/classify').send({ narrative: NARRATIVE, explain: false }).expect(200);
    const body = ClassificationSchema.parse(res.body);
    expect(body.suggestions.length).toBeGreaterThan(0);
    expect(body.suggestions.every((s) => s.evidence.length === 0)).toBe(true);
  });

  it('applies the request threshold when one is given', async () => {
    const res = await request(app).post('/v1/classify').send({ narrative: NARRATIVE, threshold: 1 }).expect(200);
    expect(ClassificationSchema.parse(res.body).suggestions).toEqual([]);
  });
});

describe('POST /v1/classify/batch', () => {
  const { app } = testApp({ env: { MAX_BATCH_ITEMS: '3', MAX_NARRATIVE_CHARS: '200' } });

  it('classifies valid items and gives invalid ones their own error entry, in input order', async () => {
    const res = await request(app)
      .post('/v1/classify/batch')
      .send({ items: [{ id: 'a', narrative: NARRATIVE }, { id: 'b', narrative: '' }, { narrative: 'x'.repeat(201) }] })
      .expect(200);
    const body = BatchResponseSchema.parse(res.body);
    expect(body).toMatchObject({ count: 3, failed: 2 });
    expect(body.results[0]).toMatchObject({ id: 'a', suggestions: [{ statute: '1343' }] });
    expect(body.results[1]).toMatchObject({ index: 1, id: 'b', error: { status: 400, code: 'INVALID_REQUEST', errors: [{ path: 'items.1.narrative', code: 'too_small' }] } });
    expect(body.results[2]).toMatchObject({ index: 2, error: { status: 413, code: 'NARRATIVE_TOO_LONG', errors: [{ path: 'items.2.narrative', code: 'too_big' }] } });
    expect(ProblemSchema.safeParse((body.results[1] as { error: unknown }).error).success).toBe(true);
  });

  it('answers 413 TOO_MANY_ITEMS with the items path when the batch is over the maximum', async () => {
    const items = Array.from({ length: 4 }, () => ({ narrative: NARRATIVE }));
    const res = await request(app).post('/v1/classify/batch').send({ items }).expect(413);
    expect(res.body).toMatchObject({ code: 'TOO_MANY_ITEMS', errors: [{ path: 'items', pointer: '#/items', code: 'too_big' }] });
  });
});
