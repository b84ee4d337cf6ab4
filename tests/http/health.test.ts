import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { testApp, testClassifier } from './support.js';

describe('GET /healthz and /readyz', () => {
  it('answers ok on /healthz when the process is up', async () => {
    const { app } = testApp();
    const res = await request(app).get('/healthz').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('reports ready without a store when none is configured', async () => {
    const { app } = testApp();
    const res = await request(app).get('/readyz').expect(200);
    expect(res.body).toEqual({ status: 'ready', taxonomyVersion: testClassifier().taxonomyVersion, store: 'none' });
  });

  it('reports ready when the store answers its ping', async () => {
    const { app } = testApp({ store: { ping: () => Promise.resolve() } });
    expect((await request(app).get('/readyz').expect(200)).body).toMatchObject({ store: 'ok' });
  });

  it('answers 503 NOT_READY and logs the cause when the store ping fails', async () => {
    const { app, logs } = testApp({ store: { ping: () => Promise.reject(new Error('SQLITE_CANTOPEN')) } });
    const res = await request(app).get('/readyz').set('x-request-id', 'ready-1').expect(503);
    expect(res.body).toMatchObject({ code: 'NOT_READY', detail: 'The store does not answer.' });
    expect(res.text).not.toContain('SQLITE_CANTOPEN');
    const line = logs.records().find((r) => r.msg === 'store ping failed');
    expect(line).toMatchObject({ reqId: 'ready-1', level: 40, error: { message: 'SQLITE_CANTOPEN' } });
  });

  it('answers 503 NOT_READY and asks clients to close connections while draining', async () => {
    const lifecycle = { draining: false };
    const { app } = testApp({ lifecycle });
    await request(app).get('/readyz').expect(200);
    lifecycle.draining = true;
    const res = await request(app).get('/readyz').expect(503);
    expect(res.body).toMatchObject({ code: 'NOT_READY', detail: 'The server is shutting down.' });
    expect(res.headers.connection).toBe('close');
    await request(app).get('/healthz').expect(200);
  });
});
