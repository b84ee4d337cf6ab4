import { Router } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { Classifier } from '../../src/classify/classifier.js';
import { createLogger, prettyLine, REDACTED } from '../../src/logger.js';
import { testApp, testClassifier } from './support.js';

/** A narrative with a marker no log line may ever contain, and credentials that must not leak either. */
const MARKER = 'Zyxwvut-Qrs-7731';
const SECRET_NARRATIVE = `The suspect ${MARKER} wired $9,000 from the victim's account after phishing her password by email.`;
const API_KEY = 'ak_live_9f8e7d6c5b4a39281706';
const BEARER = `Bearer ${API_KEY}`;

describe('request logging', () => {
  it('writes exactly one structured line per request with method, route, status, duration, id and sizes', async () => {
    const { app, logs } = testApp();
    await request(app).post('/v1/classify').set('x-request-id', 'line-1').send({ narrative: SECRET_NARRATIVE }).expect(200);
    const lines = logs.records();
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? {};
    expect(line).toMatchObject({ level: 30, msg: 'request', reqId: 'line-1', method: 'POST', route: '/v1/classify', status: 200 });
    expect(typeof line.ms).toBe('number');
    expect(line.reqBytes).toBeGreaterThan(SECRET_NARRATIVE.length);
    expect(line.resBytes).toBeGreaterThan(100);
  });

  it('logs the route template, not the concrete path, when a route has parameters', async () => {
    const { app, logs } = testApp();
    await request(app).get('/v1/taxonomy/statutes/1030?token=abc').expect(200);
    expect(logs.records()[0]).toMatchObject({ route: '/v1/taxonomy/statutes/{code}' });
    expect(logs.text()).not.toContain('token=abc');
  });

  it('logs the path without its query string and the error code when no route matches', async () => {
    const { app, logs } = testApp();
    await request(app).get('/v1/nowhere?apiKey=secret123').expect(404);
    expect(logs.records()[0]).toMatchObject({ level: 40, path: '/v1/nowhere', status: 404, errorCode: 'NOT_FOUND' });
    expect(logs.text()).not.toContain('secret123');
  });

  it('never writes the narrative, the body or authorization headers when requests succeed or fail', async () => {
    const broken: Classifier = { ...testClassifier(), classify: () => { throw new Error('scoring failed'); } };
    for (const classifier of [testClassifier(), broken]) {
      const { app, logs } = testApp({ classifier });
      const withAuth = (r: request.Test) => r.set('authorization', BEARER).set('x-api-key', API_KEY).set('cookie', `session=${API_KEY}`);
      await withAuth(request(app).post('/v1/classify')).send({ narrative: SECRET_NARRATIVE });
      await withAuth(request(app).post('/v1/classify/batch')).send({ items: [{ narrative: SECRET_NARRATIVE }, { narrative: 3 }] });
      await withAuth(request(app).post('/v1/classify')).set('content-type', 'application/json').send(`{"narrative": "${SECRET_NARRATIVE}",}`);
      await withAuth(request(app).post('/v1/classify')).send({ narrative: SECRET_NARRATIVE, unknown: SECRET_NARRATIVE });
      await withAuth(request(app).post('/v1/classify')).set('content-type', 'text/plain').send(SECRET_NARRATIVE);
      await withAuth(request(app).get('/v1/taxonomy'));
      const text = logs.text();
      expect(logs.lines.length).toBeGreaterThanOrEqual(6);
      expect(text).not.toContain(MARKER);
      expect(text).not.toContain('phishing');
      expect(text).not.toContain(API_KEY);
      expect(text.toLowerCase()).not.toContain('authorization');
    }
  });

  it('redacts narratives, bodies and credentials when code logs them by mistake', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', format: 'json', destination: { write: (s: string) => void lines.push(s) } });
    logger.info({ narrative: SECRET_NARRATIVE, item: { narrative: SECRET_NARRATIVE }, body: { x: 1 }, req: { headers: { authorization: BEARER, 'x-api-key': API_KEY } }, apiKey: API_KEY }, 'oops');
    logger.error({ err: { message: 'parse failed', body: SECRET_NARRATIVE } }, 'parser error');
    const text = lines.join('');
    expect(text).not.toContain(MARKER);
    expect(text).not.toContain(API_KEY);
    expect(text.split(REDACTED).length - 1).toBeGreaterThanOrEqual(6);
  });

  it('keeps the body out of the log when a parse error reaches a handler that logs it', async () => {
    const router = Router();
    const { app, logs } = testApp({ mounts: [{ router }] });
    router.post('/test/log-error', (req, res) => {
      req.log.error({ err: Object.assign(new Error('bad'), { body: SECRET_NARRATIVE }) }, 'handler logged an error');
      res.status(204).end();
    });
    await request(app).post('/test/log-error').expect(204);
    expect(logs.text()).toContain('handler logged an error');
    expect(logs.text()).not.toContain(MARKER);
  });
});

describe('log format', () => {
  it('writes JSON when the format is auto and the destination is not a terminal', () => {
    const lines: string[] = [];
    createLogger({ level: 'info', format: 'auto', isTTY: false, destination: { write: (s: string) => void lines.push(s) } }).info({ a: 1 }, 'hello');
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ msg: 'hello', a: 1 });
  });

  it('writes human-readable lines when the format is auto and a terminal is attached', () => {
    const lines: string[] = [];
    createLogger({ level: 'info', format: 'auto', isTTY: true, destination: { write: (s: string) => void lines.push(s) } }).info({ a: 1, reqId: 'r1' }, 'hello');
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}hello a=1 reqId=r1\n$/);
  });

  it('prints an error stack on its own lines when pretty-printing an error', () => {
    const line = prettyLine(JSON.stringify({ level: 50, time: '2026-01-01T10:00:00.000Z', msg: 'boom', error: { type: 'Error', message: 'x', stack: 'Error: x\n    at f' } }));
    expect(line).toBe('10:00:00.000 ERROR boom error={"type":"Error","message":"x"}\n    Error: x\n        at f\n');
  });
});
