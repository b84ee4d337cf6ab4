import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { TaxonomySummarySchema } from '../../src/http/schemas.js';
import { StatuteFileSchema } from '../../src/taxonomy/schema.js';
import { testApp, testClassifier } from './support.js';

describe('GET /v1/taxonomy', () => {
  const { app } = testApp();
  const version = testClassifier().taxonomyVersion;

  it('lists statutes, subsections, elements, AI kinds and exfiltration patterns with ATLAS ids when called', async () => {
    const res = await request(app).get('/v1/taxonomy').expect(200);
    const body = TaxonomySummarySchema.strict().parse(res.body);
    expect(body.version).toBe(version);
    expect(body.statutes.map((s) => s.statute)).toEqual(['1028', '1030', '1343']);
    const s1030 = body.statutes.find((s) => s.statute === '1030');
    expect(s1030?.elements.map((e) => e.id)).toContain('unauthorized-access');
    expect(s1030?.subsections.length).toBeGreaterThan(0);
    expect(body.aiKinds.length).toBeGreaterThan(0);
    expect(body.exfiltrationPatterns.length).toBeGreaterThan(0);
    for (const p of body.exfiltrationPatterns) for (const a of p.atlas) expect(a.id).toMatch(/^AML\.T\d{4}(\.\d{3})?$/);
    expect(body.exfiltrationPatterns.some((p) => p.atlas.some((a) => a.name !== undefined))).toBe(true);
  });

  it('answers 304 when If-None-Match carries the taxonomy version', async () => {
    const first = await request(app).get('/v1/taxonomy').expect(200);
    expect(first.headers.etag).toBe(`"${version}"`);
    await request(app).get('/v1/taxonomy').set('if-none-match', `"${version}"`).expect(304);
    await request(app).get('/v1/taxonomy').set('if-none-match', '"something-else"').expect(200);
  });
});

describe('GET /v1/taxonomy/statutes/{code}', () => {
  const { app } = testApp();

  it.each(['1028', '1030', '1343'])('returns the full statute file with its rules when the code is %s', async (code) => {
    const res = await request(app).get(`/v1/taxonomy/statutes/${code}`).expect(200);
    const body = StatuteFileSchema.parse(res.body);
    expect(body.statute).toBe(code);
    expect(body.elements[0]?.rules.length).toBeGreaterThan(0);
  });

  it.each(['9999', '1028A', 'abc'])('answers 404 STATUTE_NOT_FOUND when the code is %s', async (code) => {
    const res = await request(app).get(`/v1/taxonomy/statutes/${code}`).expect(404);
    expect(res.body).toMatchObject({ code: 'STATUTE_NOT_FOUND', status: 404 });
    expect((res.body as { detail: string }).detail).toContain('known: 1028, 1030, 1343');
  });
});
