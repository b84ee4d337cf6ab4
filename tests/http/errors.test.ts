import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { Classifier } from '../../src/classify/classifier.js';
import { ProblemSchema, type Problem } from '../../src/http/problem.js';
import { NARRATIVE, testApp, testClassifier } from './support.js';

function problemOf(res: request.Response): Problem {
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const p = ProblemSchema.parse(res.body);
  expect(p.status).toBe(res.status);
  expect(p.type).toBe(`/docs#${p.code}`);
  expect(p.requestId).toBe(res.headers['x-request-id']);
  return p;
}

describe('problem+json errors', () => {
  const { app } = testApp({ env: { MAX_NARRATIVE_CHARS: '1000', BODY_LIMIT: '4kb' } });
  const post = (body: unknown) => request(app).post('/v1/classify').send(body as object);

  it.each([
    ['the narrative is missing', { id: 'x' }, 'narrative', 'invalid_type'],
    ['the narrative is empty', { narrative: '' }, 'narrative', 'too_small'],
    ['the narrative is blank', { narrative: ' \n\t ' }, 'narrative', 'custom'],
    ['the narrative is not a string', { narrative: 42 }, 'narrative', 'invalid_type'],
    ['the threshold is out of range', { narrative: NARRATIVE, threshold: 2 }, 'threshold', 'too_big'],
    ['the threshold is a string', { narrative: NARRATIVE, threshold: '0.5' }, 'threshold', 'invalid_type'],
    ['the id is empty', { narrative: NARRATIVE, id: '' }, 'id', 'too_small'],
    ['explain is not a boolean', { narrative: NARRATIVE, explain: 'no' }, 'explain', 'invalid_type'],
    ['an unknown field is sent', { narrative: NARRATIVE, narative: 'typo' }, '', 'unrecognized_keys'],
    ['the body is an array', [NARRATIVE], '', 'invalid_type'],
  ])('answers 400 INVALID_REQUEST with the field path when %s', async (_what, body, path, code) => {
    const res = await post(body).expect(400);
    const p = problemOf(res);
    expect(p.code).toBe('INVALID_REQUEST');
    expect(p.errors).toContainEqual(expect.objectContaining({ path, code }));
  });

  it('lists every failing field when several are wrong', async () => {
    const p = problemOf(await post({ narrative: 7, threshold: -1 }).expect(400));
    expect(p.errors?.map((e) => e.path).sort()).toEqual(['narrative', 'threshold']);
    expect(p.detail).toMatch(/\(and 1 more\)$/);
  });

  it('answers 413 NARRATIVE_TOO_LONG with the path when the narrative is over MAX_NARRATIVE_CHARS', async () => {
    const p = problemOf(await post({ narrative: 'a'.repeat(1001) }).expect(413));
    expect(p).toMatchObject({ code: 'NARRATIVE_TOO_LONG', errors: [{ path: 'narrative', pointer: '#/narrative', code: 'too_big' }] });
  });

  it('accepts a narrative of exactly MAX_NARRATIVE_CHARS', async () => {
    await post({ narrative: `${NARRATIVE} `.repeat(20).slice(0, 1000) }).expect(200);
  });

  it('answers 400 INVALID_REQUEST, not 413, when a size problem comes with another problem', async () => {
    const p = problemOf(await post({ narrative: 'a'.repeat(1001), threshold: 'high' }).expect(400));
    expect(p.code).toBe('INVALID_REQUEST');
  });

  it('answers 400 MALFORMED_JSON without echoing the body when the JSON is malformed', async () => {
    const res = await request(app).post('/v1/classify').set('content-type', 'application/json').send('{"narrative": "secret words", }').expect(400);
    const p = problemOf(res);
    expect(p.code).toBe('MALFORMED_JSON');
    expect(res.text).not.toContain('secret words');
  });

  it('answers 400 MALFORMED_JSON when the top level is not an object or array', async () => {
    const p = problemOf(await request(app).post('/v1/classify').set('content-type', 'application/json').send('"just a string"').expect(400));
    expect(p.code).toBe('MALFORMED_JSON');
  });

  it('answers 413 PAYLOAD_TOO_LARGE when the body is over BODY_LIMIT', async () => {
    const p = problemOf(await post({ narrative: 'a'.repeat(5000) }).expect(413));
    expect(p.code).toBe('PAYLOAD_TOO_LARGE');
    expect(p.detail).toContain('4096 bytes');
  });

  it('applies BODY_LIMIT to the decompressed size when the body is gzipped', async () => {
    const zipped = gzipSync(JSON.stringify({ narrative: 'a'.repeat(50_000) }));
    expect(zipped.length).toBeLessThan(4096);
    const res = await request(app)
      .post('/v1/classify')
      .set('content-type', 'application/json')
      .set('content-encoding', 'gzip')
      .serialize((b: Buffer) => b as unknown as string) // superagent would JSON-encode a Buffer
      .send(zipped)
      .expect(413);
    expect(problemOf(res).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers 400 INVALID_REQUEST when a gzip body cannot be decoded', async () => {
    const res = await request(app)
      .post('/v1/classify')
      .set('content-type', 'application/json')
      .set('content-encoding', 'gzip')
      .send('{"narrative": "not gzip"}')
      .expect(400);
    expect(problemOf(res)).toMatchObject({ code: 'INVALID_REQUEST', detail: 'The request body could not be read or decoded.' });
  });

  it.each([
    ['text/plain', 'narrative=x'],
    ['application/x-www-form-urlencoded', 'narrative=x'],
  ])('answers 415 UNSUPPORTED_MEDIA_TYPE when the Content-Type is %s', async (type, body) => {
    const p = problemOf(await request(app).post('/v1/classify').set('content-type', type).send(body).expect(415));
    expect(p.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers 415 UNSUPPORTED_MEDIA_TYPE when there is no Content-Type', async () => {
    const p = problemOf(await request(app).post('/v1/classify').expect(415));
    expect(p.detail).toContain('got none');
  });

  it('answers 415 UNSUPPORTED_MEDIA_TYPE when the charset is not a Unicode one', async () => {
    const res = await request(app).post('/v1/classify').set('content-type', 'application/json; charset=latin1').send(JSON.stringify({ narrative: NARRATIVE })).expect(415);
    expect(problemOf(res).code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('accepts a +json media type and an explicit utf-8 charset', async () => {
    await request(app).post('/v1/classify').set('content-type', 'application/vnd.intake+json; charset=utf-8').send(JSON.stringify({ narrative: NARRATIVE })).expect(200);
  });

  it('answers 404 NOT_FOUND for an unknown route', async () => {
    const p = problemOf(await request(app).get('/v1/nothing-here').expect(404));
    expect(p.code).toBe('NOT_FOUND');
  });

  it.each([
    ['get', '/v1/classify', 'OPTIONS, POST'],
    ['put', '/v1/classify/batch', 'OPTIONS, POST'],
    ['post', '/v1/taxonomy', 'GET, HEAD, OPTIONS'],
    ['delete', '/v1/taxonomy/statutes/1030', 'GET, HEAD, OPTIONS'],
    ['post', '/healthz', 'GET, HEAD, OPTIONS'],
  ] as const)('answers 405 with Allow when %s %s is not a method of the route', async (method, path, allow) => {
    const res = await request(app)[method](path).expect(405);
    expect(res.headers.allow).toBe(allow);
    expect(problemOf(res).code).toBe('METHOD_NOT_ALLOWED');
  });

  it('answers 500 INTERNAL_ERROR with the request id and no internals when the classifier throws', async () => {
    const broken: Classifier = { ...testClassifier(), classify: () => { throw new TypeError('cannot read properties of undefined (reading "weight") at score.ts:12'); } };
    const { app: brokenApp, logs } = testApp({ classifier: broken });
    const res = await request(brokenApp).post('/v1/classify').set('x-request-id', 'trace-500').send({ narrative: NARRATIVE }).expect(500);
    const p = problemOf(res);
    expect(p).toMatchObject({ code: 'INTERNAL_ERROR', requestId: 'trace-500' });
    expect(p.detail).toContain('trace-500');
    expect(res.text).not.toMatch(/weight|score\.ts|TypeError|at /);
    const logged = logs.records().find((r) => r.msg === 'unexpected error');
    expect(logged).toMatchObject({ reqId: 'trace-500', level: 50, error: { type: 'TypeError' } });
  });

  it('keeps serving when a request fails', async () => {
    await post('not json at all').expect(415);
    await post({ narrative: NARRATIVE }).expect(200);
  });
});

describe('batch errors', () => {
  const { app } = testApp({ env: { MAX_BATCH_ITEMS: '2', MAX_NARRATIVE_CHARS: '500' } });
  const batch = (body: unknown) => request(app).post('/v1/classify/batch').send(body as object);

  it.each([
    ['items is missing', {}, 'items', 'invalid_type'],
    ['items is empty', { items: [] }, 'items', 'too_small'],
    ['items is not an array', { items: 'x' }, 'items', 'invalid_type'],
    ['the threshold is wrong', { items: [{ narrative: NARRATIVE }], threshold: 'x' }, 'threshold', 'invalid_type'],
  ])('answers 400 INVALID_REQUEST for the whole batch when %s', async (_what, body, path, code) => {
    const p = ProblemSchema.parse((await batch(body).expect(400)).body);
    expect(p.errors).toContainEqual(expect.objectContaining({ path, code }));
  });

  it('gives an item that is not an object its own error entry', async () => {
    const res = await batch({ items: ['just text', { narrative: NARRATIVE }] }).expect(200);
    expect(res.body).toMatchObject({ failed: 1, results: [{ index: 0, error: { code: 'INVALID_REQUEST', errors: [{ path: 'items.0' }] } }, { suggestions: [{ statute: '1343' }] }] });
  });

  it('gives an item with an unknown field its own error entry and keeps its id', async () => {
    const res = await batch({ items: [{ id: 'k', narrative: NARRATIVE, extra: 1 }] }).expect(200);
    expect(res.body).toMatchObject({ failed: 1, results: [{ index: 0, id: 'k', error: { code: 'INVALID_REQUEST', errors: [{ path: 'items.0', code: 'unrecognized_keys' }] } }] });
  });
});
