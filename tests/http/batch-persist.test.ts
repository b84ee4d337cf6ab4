import { join } from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { issueApiKey } from '../../src/auth/api-keys.js';
import { createAuth } from '../../src/auth/middleware.js';
import { loadConfig } from '../../src/config.js';
import { createApp } from '../../src/http/app.js';
import { createBatchMounts, type BatchJob, type BatchMounts } from '../../src/http/routes/batches.js';
import { createInlineExecutor, type BatchExecutor } from '../../src/batch/workers.js';
import { createLogger } from '../../src/logger.js';
import { createSqliteStore, type SqliteStore } from '../../src/store/sqlite-store.js';
import { batchApp, rawRequest, tempDir } from '../batch/helpers/http.js';
import { classifier, PERSIST_CSV as CSV } from '../batch/helpers/tag.js';

interface PersistApp {
  app: Express;
  store: SqliteStore;
  batches: BatchMounts;
  /** `Authorization` header values. */
  ingest: string;
  analyst: string;
}

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

interface PersistAppOptions {
  /** Job and case files (a second app on the same dir and store is a "restart"); default a new temp dir. */
  dir?: string;
  store?: SqliteStore;
  executor?: BatchExecutor;
  checkpointMs?: number;
}

/** The real batch mounts behind the real auth gate, on a temp case store with one ingest and one analyst key. */
async function persistApp(options: PersistAppOptions = {}): Promise<PersistApp> {
  let dir = options.dir;
  if (dir === undefined) {
    const t = tempDir();
    cleanups.push(t.cleanup);
    dir = t.dir;
  }
  let store = options.store;
  if (!store) {
    const s = createSqliteStore({ path: join(dir, 'cases.db') });
    cleanups.push(() => s.close());
    store = s;
  }
  const logger = createLogger({ level: 'silent', format: 'json' });
  const config = loadConfig({ STORE_PATH: join(dir, 'cases.db') });
  const executor = options.executor ?? createInlineExecutor(classifier());
  const batches = createBatchMounts({ classifier: classifier(), logger, config, store, executor: () => Promise.resolve(executor), checkpointMs: options.checkpointMs ?? 0, closeTimeoutMs: 50 });
  cleanups.push(() => batches.close());
  const auth = createAuth({ store, allowOpen: false });
  const app = createApp({ classifier: classifier(), logger, config, store, auth: auth.gate(), mounts: batches.mounts });
  const ingest = `Bearer ${(await issueApiKey(store, 'ingest-bot', 'ingest')).key}`;
  const analyst = `Bearer ${(await issueApiKey(store, 'alice', 'analyst')).key}`;
  return { app, store, batches, ingest, analyst };
}

/** Tags the first `batches` batches (256 rows each), then never answers: a process that stopped mid-job. */
function stallingExecutor(batches: number): BatchExecutor {
  const inner = createInlineExecutor(classifier());
  const stalled: ((err: Error) => void)[] = [];
  let n = 0;
  return {
    ...inner,
    run: (task) => (n++ < batches ? inner.run(task) : new Promise((_resolve, reject) => void stalled.push(reject))),
    close: () => {
      stalled.forEach((reject) => reject(new Error('closed')));
      return Promise.resolve();
    },
  };
}

async function waitFor(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const bigCsv = (rows: number): string =>
  `case_id,narrative\n${Array.from({ length: rows }, (_, i) => `C${i},"Case ${i}: she wired $${i}00 after an email that posed as her bank"`).join('\n')}\n`;

function postCsv(p: PersistApp, query: string, auth = p.ingest) {
  return rawRequest(p.app, 'POST', `/v1/batch/csv${query}`, CSV, { 'Content-Type': 'text/csv', Authorization: auth });
}

describe('batch persist over HTTP', () => {
  it('stores each classified row as a case with its result and reports the counts as trailers when persist=true', async () => {
    const p = await persistApp();
    const res = await postCsv(p, '?persist=true&idColumn=case_id&source=intake-2026');
    expect(res.status).toBe(200);
    expect(res.trailers).toMatchObject({ 'x-batch-status': 'complete', 'x-batch-rows': '3', 'x-batch-errors': '1', 'x-batch-cases-created': '2', 'x-batch-cases-existing': '0' });
    const page = await p.store.listCases({}, { limit: 10 });
    // The error row (A2, empty narrative) is not a case.
    expect(page.items.map((c) => c.externalId).sort()).toEqual(['A1', 'A3']);
    expect(page.items.every((c) => c.source === 'intake-2026')).toBe(true);
    const a1 = page.items.find((c) => c.externalId === 'A1');
    const detail = await p.store.getCase(a1?.id ?? '');
    expect(detail?.narrative).toBe('She wired $4,500 after an email that posed as her bank.');
    expect(detail?.taxonomyVersion).toBe(classifier().taxonomyVersion);
    expect({ ...detail?.classification, id: 'A1' }).toEqual(classifier().classify(detail?.narrative ?? '', { id: 'A1', explain: true }));
  });

  it('creates no case and counts the rows as existing when the same CSV is posted again', async () => {
    const p = await persistApp();
    await postCsv(p, '?persist=true&idColumn=case_id');
    const again = await postCsv(p, '?persist=1&idColumn=case_id&format=jsonl');
    expect(again.trailers).toMatchObject({ 'x-batch-cases-created': '0', 'x-batch-cases-existing': '2' });
    const page = await p.store.listCases({}, { limit: 10 });
    expect(page.items).toHaveLength(2);
    expect(page.items.every((c) => c.source === 'batch')).toBe(true);
  });

  it('stores nothing and sends no case trailers when persist is absent or false', async () => {
    const p = await persistApp();
    for (const query of ['', '?persist=false']) {
      const res = await postCsv(p, query);
      expect(res.status).toBe(200);
      expect(res.trailers['x-batch-cases-created']).toBeUndefined();
    }
    expect((await p.store.listCases({}, { limit: 10 })).items).toHaveLength(0);
  });

  it('refuses persist with 400 problem+json when the value is not a boolean', async () => {
    const p = await persistApp();
    const res = await request(p.app).post('/v1/batch/csv?persist=yes').set('Authorization', p.ingest).set('Content-Type', 'text/csv').send(CSV).expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'INVALID_REQUEST', errors: [{ path: 'persist' }] });
  });

  it('reports casesCreated in the job when a batch job runs with persist=true', async () => {
    const p = await persistApp();
    const submit = async (): Promise<BatchJob> => {
      const res = await request(p.app).post('/v1/batches?persist=true&idColumn=case_id').set('Authorization', p.ingest).set('Content-Type', 'text/csv').send(CSV).expect(202);
      await p.batches.runner.idle();
      return (await request(p.app).get(`/v1/batches/${(res.body as BatchJob).id}`).set('Authorization', p.ingest).expect(200)).body as BatchJob;
    };
    const first = await submit();
    expect(first).toMatchObject({ state: 'done', options: { persist: true, source: 'batch' }, progress: { rowsDone: 3, errors: 1, casesCreated: 2, casesExisting: 0 } });
    const second = await submit();
    expect(second.progress).toMatchObject({ casesCreated: 0, casesExisting: 2 });
    expect((await p.store.listCases({}, { limit: 10 })).items).toHaveLength(2);
  });

  it('reports null case counts when a job runs without persist', async () => {
    const p = await persistApp();
    const res = await request(p.app).post('/v1/batches').set('Authorization', p.ingest).set('Content-Type', 'text/csv').send(CSV).expect(202);
    await p.batches.runner.idle();
    const job = (await request(p.app).get(`/v1/batches/${(res.body as BatchJob).id}`).set('Authorization', p.ingest).expect(200)).body as BatchJob;
    expect(job.progress).toMatchObject({ rowsDone: 3, casesCreated: null, casesExisting: null });
    expect((await p.store.listCases({}, { limit: 10 })).items).toHaveLength(0);
  });

  it.each(['/v1/batch/csv', '/v1/batches'])('answers 400 problem+json and keeps no job when %s gets persist=true and the server has no store', async (path) => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const b = batchApp(t.dir);
    cleanups.push(() => b.batches.close());
    const res = await request(b.app).post(`${path}?persist=true`).set('Content-Type', 'text/csv').send(CSV).expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'INVALID_REQUEST' });
    expect((res.body as { detail: string }).detail).toMatch(/case store/);
    expect(b.batches.jobs.list(['receiving', 'queued', 'running', 'done', 'failed'])).toHaveLength(0);
  });

  it('lets the ingest role persist and answers 403 to the analyst role', async () => {
    const p = await persistApp();
    const denied = await request(p.app).post('/v1/batch/csv?persist=true').set('Authorization', p.analyst).set('Content-Type', 'text/csv').send(CSV).expect(403);
    expect(denied.body).toMatchObject({ code: 'FORBIDDEN' });
    await request(p.app).post('/v1/batches?persist=true').set('Authorization', p.analyst).set('Content-Type', 'text/csv').send(CSV).expect(403);
    expect((await p.store.listCases({}, { limit: 10 })).items).toHaveLength(0);
    const allowed = await postCsv(p, '?persist=true');
    expect(allowed.status).toBe(200);
    expect(allowed.trailers['x-batch-cases-created']).toBe('2');
  });

  it.each([
    { name: 'continues the checkpoint counts', checkpointMs: 0, created: 1000, existing: 0 },
    { name: 'counts rows stored after the last checkpoint as existing', checkpointMs: 3_600_000, created: 488, existing: 512 },
  ])('$name when a persist job is resumed after a restart', async ({ checkpointMs, created, existing }) => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const store = createSqliteStore({ path: join(t.dir, 'cases.db') });
    cleanups.push(() => store.close());
    const stalling = stallingExecutor(2);
    cleanups.push(() => stalling.close());
    const first = await persistApp({ dir: t.dir, store, executor: stalling, checkpointMs });
    const res = await request(first.app).post('/v1/batches?persist=true&idColumn=case_id').set('Authorization', first.ingest).set('Content-Type', 'text/csv').send(bigCsv(1000)).expect(202);
    const id = (res.body as BatchJob).id;
    await waitFor(async () => (await store.listCases({}, { limit: 1000 })).items.length === 512);
    await first.batches.close();

    // "Restart": a new app on the same files and store recovers the job.
    const second = await persistApp({ dir: t.dir, store });
    await second.batches.runner.idle();
    const job = (await request(second.app).get(`/v1/batches/${id}`).set('Authorization', second.ingest).expect(200)).body as BatchJob;
    expect(job).toMatchObject({ state: 'done', attempts: 2, progress: { rowsDone: 1000, casesCreated: created, casesExisting: existing } });
    expect((await store.listCases({}, { limit: 1000 })).items).toHaveLength(1000);
  });
});
