/**
 * `/v1/classify` and `/v1/classify/batch` on the server's worker pool (as `npm start` runs them) against the
 * same app classifying on the event loop: the bytes of every answer must be the same, errors included.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInlineExecutor, createWorkerPool, type Executor } from '../../src/batch/workers.js';
import { buildWorker, removeBuiltWorker } from '../batch/helpers/build-worker.js';
import { NARRATIVE, testApp, testClassifier } from './support.js';

const NARRATIVES = [
  NARRATIVE,
  'Someone brute-forced my email password and read all my messages, then sent invoices from my account.',
  'A caller cloned my grandson\'s voice with AI and I sent $9,000 by Zelle for his bail.',
  'The assistant read a hidden instruction in a web page and emailed my saved passwords to an outside address.',
  'Nothing happened; I just want to know how to set up two-factor authentication.',
];

describe('classification on the worker pool', () => {
  let pool: Executor;
  const env = { MAX_BATCH_ITEMS: '8', MAX_NARRATIVE_CHARS: '300' };
  const inline = testApp({ env });

  beforeAll(async () => {
    pool = await createWorkerPool({ size: 2, workerUrl: buildWorker(), expectedVersion: testClassifier().taxonomyVersion });
  }, 30_000);
  afterAll(async () => {
    await pool.close();
    removeBuiltWorker();
  });

  it('answers POST /v1/classify with the same bytes as the event loop, for every option', async () => {
    const pooled = testApp({ env, classifyExecutor: pool });
    for (const [i, narrative] of NARRATIVES.entries()) {
      for (const extra of [{}, { id: `c${i}` }, { explain: false }, { threshold: 0.9 }]) {
        const body = { narrative, ...extra };
        const a = await request(inline.app).post('/v1/classify').send(body).expect(200);
        const b = await request(pooled.app).post('/v1/classify').send(body).expect(200);
        expect(b.headers['content-type']).toBe(a.headers['content-type']);
        expect(b.text).toBe(a.text);
      }
    }
  });

  it('answers a batch with invalid items in input order, byte for byte as the event loop does', async () => {
    const pooled = testApp({ env, classifyExecutor: pool });
    const items = [...NARRATIVES.map((narrative, i) => ({ id: `n${i}`, narrative })), { id: 'empty', narrative: '' }, { narrative: 'x'.repeat(301) }, 42];
    const body = { items, threshold: 0.4 };
    const a = await request(inline.app).post('/v1/classify/batch').send(body).expect(200);
    const b = await request(pooled.app).post('/v1/classify/batch').send(body).expect(200);
    expect(b.text).toBe(a.text);
    expect(JSON.parse(b.text)).toMatchObject({ count: 8, failed: 3 });
  });

  it('keeps the request errors on the event loop (validation happens before any worker is asked)', async () => {
    const pooled = testApp({ env, classifyExecutor: pool });
    const res = await request(pooled.app).post('/v1/classify').send({ narrative: '' }).expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('answers 500 problem+json, not a crash, when the executor fails', async () => {
    const failing: Executor = { ...createInlineExecutor(testClassifier()), classifyJson: () => Promise.reject(new Error('worker died')) };
    const { app, logs } = testApp({ env, classifyExecutor: failing });
    const res = await request(app).post('/v1/classify').send({ narrative: NARRATIVE }).expect(500);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.text).not.toContain('worker died');
    expect(logs.text()).not.toContain(NARRATIVE);
  });

  it('is not ready (503 NOT_READY) once the pool has no worker left, and ready while it has one', async () => {
    const small = await createWorkerPool({ size: 1, workerUrl: buildWorker(), expectedVersion: testClassifier().taxonomyVersion });
    const { app } = testApp({ env, classifyExecutor: small });
    await request(app).get('/readyz').expect(200);
    await small.close();
    const res = await request(app).get('/readyz').expect(503);
    expect(res.body).toMatchObject({ code: 'NOT_READY', detail: 'No classification worker is running.' });
    const failed = await request(app).post('/v1/classify').send({ narrative: NARRATIVE }).expect(503);
    expect(failed.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(failed.body).toMatchObject({ code: 'NOT_READY' });
    await request(app).post('/v1/classify/batch').send({ items: [{ narrative: NARRATIVE }] }).expect(503);
  }, 30_000);
});
