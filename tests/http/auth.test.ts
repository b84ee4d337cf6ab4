import request from 'supertest';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../../src/auth/api-keys.js';
import { decideAuthMode, isLoopbackHost, OpenNetworkError } from '../../src/auth/startup.js';
import { ProblemSchema } from '../../src/http/problem.js';
import { createReviewMounts } from '../../src/http/routes/review.js';
import { startServer, type RunningServer } from '../../src/http/start-server.js';
import { createSqliteStore } from '../../src/store/sqlite-store.js';
import type { Role } from '../../src/store/store.js';
import { reviewApp, WIRE, type ReviewApp } from './cases-support.js';

type Route = [method: 'get' | 'post' | 'delete', path: string, allowed: readonly Role[], body?: object];

/** Every protected route and the roles that may call it (admin may call everything). */
const ROUTES: Route[] = [
  ['post', '/v1/classify', ['ingest'], { narrative: WIRE }],
  ['post', '/v1/classify/batch', ['ingest'], { items: [{ narrative: WIRE }] }],
  // Batch routes are mounted by the server, not by this test app: the gate still answers 401/403 before the 404.
  ['post', '/v1/batch/csv', ['ingest']],
  ['get', '/v1/batches/job-1', ['ingest']],
  ['post', '/v1/cases', ['ingest'], { narrative: WIRE }],
  ['get', '/v1/cases', ['analyst']],
  ['get', '/v1/cases/CASE', ['analyst']],
  ['get', '/v1/cases/export', ['analyst']],
  ['post', '/v1/cases/CASE/decisions', ['analyst'], { statute: '1343', decision: 'needs-legal-review', version: 1 }],
  ['get', '/v1/stats', ['analyst']],
  ['get', '/v1/reason-codes', ['ingest', 'analyst']],
  ['get', '/v1/keys/current', ['ingest', 'analyst']],
  ['get', '/v1/taxonomy', ['ingest', 'analyst']],
  ['get', '/v1/keys', []],
  ['post', '/v1/keys', [], { owner: 'x', role: 'ingest' }],
  ['delete', '/v1/keys/key_nope', []],
  ['post', '/v1/reclassifications', [], {}],
];

describe('roles on every route', () => {
  let t: ReviewApp;
  let caseId: string;
  beforeAll(async () => {
    t = await reviewApp();
    const [r] = await t.store.createCases([{ narrative: WIRE, classification: (await import('./support.js')).testClassifier().classify(WIRE) }]);
    caseId = r?.case.id ?? '';
  });

  const call = (method: Route[0], path: string, body?: object) => {
    const r = request(t.app)[method](path.replace('CASE', caseId));
    return body === undefined ? r : r.send(body);
  };

  it.each(ROUTES)('%s %s answers 401 problem+json with a challenge when no key is sent', async (method, path, _allowed, body) => {
    const res = await call(method, path, body).expect(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="ai-crime-classifier"');
    expect(ProblemSchema.parse(JSON.parse(res.text)).code).toBe('UNAUTHORIZED');
  });

  it.each(ROUTES)('%s %s answers 401 when the key is unknown', async (method, path, _allowed, body) => {
    await call(method, path, body).set('Authorization', 'Bearer aicc_not-a-real-key').expect(401);
  });

  it.each(ROUTES.flatMap(([m, p, allowed, b]) => (['ingest', 'analyst', 'admin'] as const).map((role) => [m, p, role, allowed.includes(role) || role === 'admin', b] as const)))(
    '%s %s with the %s role is allowed: %s',
    async (method, path, role, allowed, body) => {
      const res = await call(method, path, body).set('Authorization', t.auth[role]);
      if (allowed) {
        expect([401, 403]).not.toContain(res.status);
        expect(res.status).toBeLessThan(500);
      } else {
        expect(res.status).toBe(403);
        expect(ProblemSchema.parse(JSON.parse(res.text)).code).toBe('FORBIDDEN');
      }
    },
  );

  it.each(['/healthz', '/readyz', '/openapi.json', '/review'])('serves %s without a key', async (path) => {
    await request(t.app).get(path).expect(200);
  });

  it.each([
    ['Basic YWxpY2U6c2VjcmV0', /must be "Bearer <API key>"/],
    ['Bearer', /must be "Bearer <API key>"/],
    [`Bearer ${'x'.repeat(5000)}`, /not valid or was revoked/],
  ])('answers 401 for the Authorization header %s', async (header, detail) => {
    const res = await request(t.app).get('/v1/cases').set('Authorization', header).expect(401);
    expect(ProblemSchema.parse(JSON.parse(res.text)).detail).toMatch(detail);
  });

  it('accepts the key in X-API-Key and a lower-case bearer scheme', async () => {
    await request(t.app).get('/v1/cases').set('X-API-Key', t.keys.analyst).expect(200);
    await request(t.app).get('/v1/cases').set('Authorization', `bearer ${t.keys.analyst}`).expect(200);
  });
});

describe('open mode', () => {
  it('lets requests without a key act as open-mode admin while no key exists, and closes when one is created', async () => {
    const t = await reviewApp({ allowOpen: true, withKeys: false });
    const me = await request(t.app).get('/v1/keys/current').expect(200);
    expect(me.body).toEqual({ owner: 'open-mode', role: 'admin', keyId: null, open: true });
    const c = await request(t.app).post('/v1/cases').send({ narrative: WIRE }).expect(201);
    const d = await request(t.app).post(`/v1/cases/${(c.body as { id: string }).id}/decisions`).send({ statute: '1343', decision: 'accept', version: 1 }).expect(201);
    expect((d.body as { decisions: { reviewer: string }[] }).decisions[0]?.reviewer).toBe('open-mode');
    const created = await request(t.app).post('/v1/keys').send({ owner: 'first-admin', role: 'admin' }).expect(201);
    await request(t.app).get('/v1/cases').expect(401);
    await request(t.app).get('/v1/cases').set('Authorization', `Bearer ${(created.body as { key: string }).key}`).expect(200);
  });

  it('is never open when the server is not on loopback, even with no keys', async () => {
    const t = await reviewApp({ allowOpen: false, withKeys: false });
    await request(t.app).get('/v1/cases').expect(401);
  });
});

describe('start-up rule', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.5', false],
    ['example.org', false],
    ['128.0.0.1', false],
  ])('calls %s loopback: %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });

  it('refuses an open API on a non-loopback address and allows it on loopback or with keys', () => {
    expect(() => decideAuthMode('0.0.0.0', 0)).toThrow(OpenNetworkError);
    expect(() => decideAuthMode('0.0.0.0', 0)).toThrow(/refusing to listen on 0.0.0.0 with no API keys/);
    expect(decideAuthMode('127.0.0.1', 0)).toBe('open');
    expect(decideAuthMode('0.0.0.0', 2)).toBe('keys');
  });

  let running: RunningServer | undefined;
  afterEach(async () => {
    await running?.shutdown('test');
    running = undefined;
  });

  function logSink() {
    const lines: string[] = [];
    return { lines, destination: { write: (s: string) => void lines.push(s) } };
  }

  it('does not start on 0.0.0.0 without keys, and closes its store', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    const log = logSink();
    await expect(
      startServer({ env: { HOST: '0.0.0.0', PORT: '0' }, openStore: () => store, logDestination: log.destination, signals: null, mounts: createReviewMounts }),
    ).rejects.toThrow(OpenNetworkError);
    await expect(store.ping()).rejects.toThrow(/not open/);
  });

  it('starts open on loopback and logs that it is open', async () => {
    const log = logSink();
    running = await startServer({ env: { PORT: '0', STORE_PATH: ':memory:' }, logDestination: log.destination, signals: null, mounts: createReviewMounts });
    expect(log.lines.join('')).toMatch(/"auth":"open".*the API is OPEN/);
    const res = await fetch(`${running.url}/v1/keys/current`);
    expect(await res.json()).toMatchObject({ open: true });
  });

  it('starts on 0.0.0.0 when a key exists and then requires it', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    const { key } = await issueApiKey(store, 'alice', 'analyst');
    const log = logSink();
    running = await startServer({ env: { HOST: '0.0.0.0', PORT: '0' }, openStore: () => store, logDestination: log.destination, signals: null, mounts: createReviewMounts });
    expect(log.lines.join('')).toMatch(/"auth":"keys","activeKeys":1/);
    const port = new URL(running.url).port;
    expect((await fetch(`http://127.0.0.1:${port}/v1/cases`)).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${port}/v1/cases`, { headers: { Authorization: `Bearer ${key}` } })).status).toBe(200);
    expect(log.lines.join('')).not.toContain(key);
  });
});
