/**
 * What must never leave the process: narratives, reviewer notes and API keys in the log (captured at debug
 * level), and stack traces or file paths in any response. One walk over every route family of the full app —
 * classify, batches (JSON, CSV stream, CSV job), cases, decisions, exports, keys, stats — with successes,
 * validation errors, refused keys and an unexpected 500.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Router } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../../src/auth/api-keys.js';
import { createAuth } from '../../src/auth/middleware.js';
import { createInlineExecutor } from '../../src/batch/workers.js';
import { loadConfig } from '../../src/config.js';
import { createApp } from '../../src/http/app.js';
import { createBatchMounts, type BatchMounts } from '../../src/http/routes/batches.js';
import { createReviewMounts } from '../../src/http/routes/review.js';
import { createSqliteStore, type SqliteStore } from '../../src/store/sqlite-store.js';
import type { Role } from '../../src/store/store.js';
import { captureLogs, testClassifier } from '../http/support.js';

const MARKER = 'Qvxlorp-Witness-4417';
const NARRATIVE = `The suspect ${MARKER} wired $9,000 from the victim's account after phishing her bank password by email.`;
const NOTE_MARKER = 'Zebulon-Note-9921';
/** Stack frames, source files, absolute paths, node internals. */
const LEAK = /\bat [\w.<>$]+ \(|\bat file:|\.ts:\d+|\.js:\d+|node_modules|\/work\/|\/home\/|\/tmp\/|\/var\/|node:internal|[A-Z]:\\|SqliteError|TypeError|ReferenceError/;

interface Seen {
  status: number;
  text: string;
  what: string;
}

describe('no leaks', () => {
  let store: SqliteStore;
  let batches: BatchMounts;
  let logs: ReturnType<typeof captureLogs>;
  let dir: string;
  const keys = {} as Record<Role, string>;
  const responses: Seen[] = [];
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leaks-'));
    store = createSqliteStore({ path: join(dir, 'cases.db') });
    logs = captureLogs('debug');
    const config = loadConfig({ STORE_PATH: join(dir, 'cases.db') });
    const classifier = testClassifier();
    const auth = createAuth({ store, allowOpen: false });
    batches = createBatchMounts({ classifier, logger: logs.logger, config, executor: () => Promise.resolve(createInlineExecutor(classifier)), checkpointMs: 0 });
    const boom = Router();
    boom.get('/v1/test/boom', () => {
      throw Object.assign(new Error(`SQLITE_CANTOPEN: unable to open database file ${join(dir, 'cases.db')}`), { code: 'SQLITE_CANTOPEN' });
    });
    boom.get('/v1/test/reject', () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'classification')")));
    app = createApp({
      classifier,
      logger: logs.logger,
      config,
      store,
      auth: auth.gate(),
      mounts: [...createReviewMounts({ config, classifier, store, auth }), ...batches.mounts, { router: boom }],
    });
    for (const role of ['ingest', 'analyst', 'admin'] as const) keys[role] = (await issueApiKey(store, `${role}-owner`, role)).key;
  });

  afterAll(async () => {
    await batches.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function send(what: string, t: request.Test): Promise<request.Response> {
    const res = await t;
    responses.push({ status: res.status, text: res.text, what });
    return res;
  }
  const as = (role: Role) => (t: request.Test): request.Test => t.set('authorization', `Bearer ${keys[role]}`);

  it('walks every route family with good and bad requests', async () => {
    const ingest = as('ingest');
    const analyst = as('analyst');
    const admin = as('admin');
    await send('classify', ingest(request(app).post('/v1/classify')).send({ narrative: NARRATIVE }));
    await send('classify unknown field', ingest(request(app).post('/v1/classify')).send({ narrative: NARRATIVE, story: NARRATIVE }));
    await send('classify malformed', ingest(request(app).post('/v1/classify')).set('content-type', 'application/json').send(`{"narrative":"${NARRATIVE}",,}`));
    await send('classify wrong type', ingest(request(app).post('/v1/classify')).set('content-type', 'text/plain').send(NARRATIVE));
    await send('classify too long', ingest(request(app).post('/v1/classify')).send({ narrative: `${NARRATIVE} `.repeat(2000) }));
    await send('batch', ingest(request(app).post('/v1/classify/batch')).send({ items: [{ narrative: NARRATIVE }, { narrative: 7 }, { narrative: NARRATIVE, x: NARRATIVE }] }));
    await send('csv stream', ingest(request(app).post('/v1/batch/csv?format=jsonl')).set('content-type', 'text/csv').send(`id,narrative\n1,"${NARRATIVE}"\n2,\n3,"${NARRATIVE}",extra\n`));
    await send('csv missing column', ingest(request(app).post('/v1/batch/csv')).set('content-type', 'text/csv').send(`id,story\n1,"${NARRATIVE}"\n`));
    await send('csv unclosed quote', ingest(request(app).post('/v1/batch/csv')).set('content-type', 'text/csv').send(`id,narrative\n1,"${NARRATIVE}\n`));
    const job = await send('csv job', ingest(request(app).post('/v1/batches')).set('content-type', 'text/csv').send(`id,narrative\n1,"${NARRATIVE}"\n2,"${NARRATIVE}\n`));
    await batches.runner.idle();
    const jobId = (job.body as { id: string }).id;
    await send('job status', ingest(request(app).get(`/v1/batches/${jobId}`)));
    await send('job result', ingest(request(app).get(`/v1/batches/${jobId}/result`)));
    await send('job partial', ingest(request(app).get(`/v1/batches/${jobId}/result?partial=true`)));
    const created = await send('create case', ingest(request(app).post('/v1/cases')).send({ narrative: NARRATIVE, source: 'ic3', externalId: 'leak-1' }));
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    await send('create cases', ingest(request(app).post('/v1/cases')).send({ items: [{ narrative: NARRATIVE }, { narrative: '' }] }));
    await send('get case', analyst(request(app).get(`/v1/cases/${id}`)));
    await send('list cases by text', analyst(request(app).get(`/v1/cases?q=${encodeURIComponent(MARKER)}`)));
    await send('decide', analyst(request(app).post(`/v1/cases/${id}/decisions`)).send({ statute: '1343', decision: 'reject', reasonCode: 'OTHER', note: `${NOTE_MARKER} said so`, version: 1 }));
    await send('decide stale', analyst(request(app).post(`/v1/cases/${id}/decisions`)).send({ statute: '1343', decision: 'accept', note: NOTE_MARKER, version: 1 }));
    await send('decide invalid', analyst(request(app).post(`/v1/cases/${id}/decisions`)).send({ statute: '1343', decision: 'reject', note: NOTE_MARKER, version: 2 }));
    await send('export jsonl', analyst(request(app).get('/v1/cases/export')));
    await send('export csv', analyst(request(app).get('/v1/cases/export?format=csv')));
    await send('stats', analyst(request(app).get('/v1/stats')));
    const minted = await send('mint key', admin(request(app).post('/v1/keys')).send({ owner: 'new-system', role: 'ingest' }));
    const mintedKey = (minted.body as { key: string }).key;
    expect(mintedKey).toMatch(/^aicc_/);
    keys.ingest = mintedKey;
    await send('use minted key', as('ingest')(request(app).post('/v1/classify')).send({ narrative: NARRATIVE }));
    await send('list keys', admin(request(app).get('/v1/keys')));
    await send('wrong role', ingest(request(app).get(`/v1/cases/${id}`)));
    await send('bad key', request(app).get('/v1/cases').set('authorization', `Bearer ${mintedKey}x`));
    await send('key in x-api-key', request(app).get('/v1/stats').set('x-api-key', `${keys.analyst}`));
    await send('key in query', request(app).get(`/v1/nowhere?apiKey=${keys.admin}&narrative=${encodeURIComponent(NARRATIVE)}`));
    await send('malformed bearer', request(app).get('/v1/cases').set('authorization', `Basic ${Buffer.from(`u:${keys.admin}`).toString('base64')}`));
    await send('boom', analyst(request(app).get('/v1/test/boom')));
    await send('rejection', analyst(request(app).get('/v1/test/reject')));
    const status = Object.fromEntries(responses.map((r) => [r.what, r.status]));
    expect(status).toMatchObject({
      classify: 200,
      'classify malformed': 400,
      'csv stream': 200,
      'csv missing column': 400,
      'csv job': 202,
      'job partial': 200,
      decide: 201,
      'decide stale': 409,
      'decide invalid': 400,
      'export csv': 200,
      'mint key': 201,
      'use minted key': 200,
      'wrong role': 403,
      'bad key': 401,
      'key in x-api-key': 200,
      boom: 500,
      rejection: 500,
    });
  });

  it('never puts a stack trace, a file path or an internal error name in a response', () => {
    expect(responses.length).toBeGreaterThan(30);
    for (const r of responses) expect(r.text, `${r.what} (${r.status})`).not.toMatch(LEAK);
    for (const r of responses.filter((x) => x.status === 500)) {
      expect(r.text).not.toContain(MARKER);
      expect(r.text).toMatch(/"code":"INTERNAL_ERROR"/);
    }
  });

  it('never puts a narrative, a reviewer note or an API key in the log, at debug level', () => {
    const text = logs.text();
    expect(logs.lines.length).toBeGreaterThan(30);
    expect(text).not.toContain(MARKER);
    expect(text).not.toContain('phishing');
    expect(text).not.toContain(NOTE_MARKER);
    for (const key of Object.values(keys)) {
      expect(text).not.toContain(key);
      // Not even the secret part, cut anywhere after the shown prefix.
      expect(text).not.toContain(key.slice(11, 30));
    }
    // The unexpected errors are logged (that is where their cause belongs), by type and message only.
    expect(text).toMatch(/"msg":"unexpected error"/);
  });
});
