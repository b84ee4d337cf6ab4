import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_CSP, DOCS_PAGE_CSP, REVIEW_PAGE_CSP, SECURITY_HEADERS } from '../../src/http/security-headers.js';
import { hardenedApp, NARRATIVE, type HardenedApp } from './support.js';

describe('security headers', () => {
  let h: HardenedApp;
  beforeAll(async () => {
    h = await hardenedApp();
  });
  afterAll(async () => {
    await h.store.close();
  });

  const bearer = (key: string): string => `Bearer ${key}`;

  /** Every kind of answer: success, each problem family, pages, the 404/405 fallback. */
  const answers: [string, (h: HardenedApp) => request.Test, number][] = [
    ['a classification', (x) => request(x.app).post('/v1/classify').set('authorization', bearer(x.keys.ingest)).send({ narrative: NARRATIVE }), 200],
    ['a validation problem', (x) => request(x.app).post('/v1/classify').set('authorization', bearer(x.keys.ingest)).send({}), 400],
    ['a 401', (x) => request(x.app).get('/v1/cases'), 401],
    ['a 403', (x) => request(x.app).get('/v1/cases').set('authorization', bearer(x.keys.ingest)), 403],
    ['a 404', (x) => request(x.app).get('/nowhere'), 404],
    ['a 405', (x) => request(x.app).delete('/v1/classify').set('authorization', bearer(x.keys.ingest)), 405],
    ['a 413', (x) => request(x.app).post('/v1/classify').set('authorization', bearer(x.keys.ingest)).set('content-type', 'application/json').send(`{"narrative":"${'a'.repeat(2 * 1024 ** 2)}"}`), 413],
    ['a 415', (x) => request(x.app).post('/v1/classify').set('authorization', bearer(x.keys.ingest)).set('content-type', 'text/plain').send('x'), 415],
    ['the health probe', (x) => request(x.app).get('/healthz'), 200],
    ['the OpenAPI document', (x) => request(x.app).get('/openapi.json'), 200],
  ];

  it.each(answers)('sets every helmet-style header and the strict API policy on %s', async (_name, send, status) => {
    const res = await send(h);
    expect(res.status).toBe(status);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers[name.toLowerCase()], name).toBe(value);
    expect(res.headers['content-security-policy']).toBe(API_CSP);
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('marks /v1 answers no-store, problems included, when the route sets no cache policy', async () => {
    const ok = await request(h.app).post('/v1/classify').set('authorization', bearer(h.keys.ingest)).send({ narrative: NARRATIVE });
    const bad = await request(h.app).get('/v1/cases');
    expect(ok.headers['cache-control']).toBe('no-store');
    expect(bad.headers['cache-control']).toBe('no-store');
  });

  it('keeps a route\'s own cache policy when it sets one', async () => {
    const res = await request(h.app).get('/v1/taxonomy').set('authorization', bearer(h.keys.analyst));
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it.each(['/review', '/review/review.js', '/review/review.css', '/review/favicon.svg'])('serves %s with the review page policy and the shared headers', async (path) => {
    const res = await request(h.app).get(path);
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toBe(REVIEW_PAGE_CSP);
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('gives the review page a policy without inline script, eval or third-party sources', () => {
    const directives = new Map(REVIEW_PAGE_CSP.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    expect(directives.get('default-src')).toEqual(["'none'"]);
    for (const d of ['script-src', 'style-src', 'connect-src', 'img-src']) expect(directives.get(d), d).toEqual(["'self'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(REVIEW_PAGE_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
  });

  it('serves /docs with its own policy: inline styles, no script', async () => {
    const res = await request(h.app).get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toBe(DOCS_PAGE_CSP);
    expect(DOCS_PAGE_CSP).not.toMatch(/script-src/);
  });
});

describe('CORS', () => {
  const ORIGIN = 'https://review.example.org';

  it('sends no CORS header and refuses a preflight when CORS_ORIGINS is not set', async () => {
    const { app, store } = await hardenedApp({ allowOpen: true, withKeys: false });
    const simple = await request(app).get('/v1/reason-codes').set('origin', ORIGIN);
    expect(simple.status).toBe(200);
    expect(Object.keys(simple.headers).filter((k) => k.startsWith('access-control-'))).toEqual([]);
    const preflight = await request(app).options('/v1/classify').set('origin', ORIGIN).set('access-control-request-method', 'POST');
    // Express answers OPTIONS itself with Allow; without CORS headers a browser still refuses the real request.
    expect(preflight.status).not.toBe(204);
    expect(Object.keys(preflight.headers).filter((k) => k.startsWith('access-control-'))).toEqual([]);
    await store.close();
  });

  it('answers a preflight from a listed origin before authentication and echoes the origin', async () => {
    const { app, store, keys } = await hardenedApp({ env: { CORS_ORIGINS: `${ORIGIN}, http://localhost:5173` } });
    const preflight = await request(app).options('/v1/cases/abc/decisions').set('origin', ORIGIN).set('access-control-request-method', 'POST').set('access-control-request-headers', 'authorization, content-type, if-match');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Authorization/);
    expect(preflight.headers['access-control-allow-headers']).toMatch(/If-Match/);
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
    const res = await request(app).get('/v1/reason-codes').set('origin', 'http://localhost:5173').set('authorization', `Bearer ${keys.analyst}`);
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(res.headers['access-control-expose-headers']).toMatch(/X-Request-Id/);
    expect(res.headers.vary).toMatch(/Origin/);
    await store.close();
  });

  it('sends no CORS header to an origin that is not listed, and does not answer its preflight', async () => {
    const { app, store, keys } = await hardenedApp({ env: { CORS_ORIGINS: ORIGIN } });
    for (const origin of ['https://evil.example.com', `${ORIGIN}.evil.example.com`, 'null', 'https://REVIEW.example.org']) {
      const res = await request(app).get('/v1/reason-codes').set('origin', origin).set('authorization', `Bearer ${keys.analyst}`);
      expect(res.headers['access-control-allow-origin'], origin).toBeUndefined();
      expect(res.headers.vary).toMatch(/Origin/);
      const preflight = await request(app).options('/v1/classify').set('origin', origin).set('access-control-request-method', 'POST');
      expect(preflight.status, origin).toBe(401);
      expect(Object.keys(preflight.headers).filter((k) => k.startsWith('access-control-')), origin).toEqual([]);
    }
    await store.close();
  });
});
