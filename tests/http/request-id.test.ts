import { Router } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { isValidRequestId } from '../../src/http/request-id.js';
import { NARRATIVE, testApp } from './support.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('X-Request-Id', () => {
  it.each(['abc-123', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'req:2024/07/01+x=y@host', 'a'.repeat(128)])(
    'keeps and echoes the client id when it is %s',
    async (id) => {
      const { app, logs } = testApp();
      const res = await request(app).post('/v1/classify').set('x-request-id', id).send({ narrative: NARRATIVE }).expect(200);
      expect(res.headers['x-request-id']).toBe(id);
      expect(logs.records().filter((r) => r.msg === 'request').map((r) => r.reqId)).toEqual([id]);
    },
  );

  it.each([
    ['empty', ''],
    ['too long', 'a'.repeat(129)],
    ['with spaces', 'a b'],
    ['with a newline escape', 'a\\nb'],
    ['with quotes', '"x"'],
    ['with non-ASCII', 'idé'],
  ])('replaces the client id with a UUID when it is %s', async (_what, id) => {
    const { app } = testApp();
    const res = await request(app).get('/healthz').set('x-request-id', id).expect(200);
    expect(res.headers['x-request-id']).toMatch(UUID);
  });

  it('generates a different UUID per request when none is sent', async () => {
    const { app } = testApp();
    const a = (await request(app).get('/healthz')).headers['x-request-id'];
    const b = (await request(app).get('/healthz')).headers['x-request-id'];
    expect(a).toMatch(UUID);
    expect(b).toMatch(UUID);
    expect(a).not.toBe(b);
  });

  it('echoes the id on problem responses, in the body too, when the request fails', async () => {
    const { app } = testApp();
    const res = await request(app).get('/v1/missing').set('x-request-id', 'fail-1').expect(404);
    expect(res.headers['x-request-id']).toBe('fail-1');
    expect(res.body).toMatchObject({ requestId: 'fail-1' });
  });

  it('puts the id on every log line of the request when a handler logs through req.log', async () => {
    const router = Router();
    router.get('/test/chatty', (req, res) => {
      req.log.info('first');
      req.log.warn({ step: 2 }, 'second');
      res.json({ ok: true });
    });
    const { app, logs } = testApp({ mounts: [{ router }] });
    await request(app).get('/test/chatty').set('x-request-id', 'chatty-1').expect(200);
    const lines = logs.records();
    expect(lines.map((l) => l.msg)).toEqual(['first', 'second', 'request']);
    expect(lines.every((l) => l.reqId === 'chatty-1')).toBe(true);
  });

  it('accepts exactly the documented character set', () => {
    expect(isValidRequestId('A-Za-z0-9._~:/+=@-')).toBe(true);
    expect(isValidRequestId('a,b')).toBe(false);
    expect(isValidRequestId(['a'])).toBe(false);
  });
});
