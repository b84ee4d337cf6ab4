import { Router } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../../src/errors.js';
import { jsonBody } from '../../src/http/json-body.js';
import { createRouteTable } from '../../src/http/route-table.js';
import { parseRequest } from '../../src/http/validate.js';
import { testApp } from './support.js';

describe('mounting routers from other modules', () => {
  const NoteSchema = z.strictObject({ text: z.string().min(1) });
  const notes = createRouteTable();
  notes.add(
    {
      method: 'get',
      path: '/v1/notes/{id}',
      operationId: 'getNote',
      summary: 'One note',
      pathParams: z.object({ id: z.string() }),
      responses: { 200: { description: 'The note', schema: NoteSchema, schemaName: 'Note' } },
      errors: ['CASE_NOT_FOUND'],
    },
    (req, res) => {
      if (req.params.id !== '1') throw new AppError('CASE_NOT_FOUND', 'No such note.');
      res.json({ text: 'hello' });
    },
  );
  notes.add(
    {
      method: 'post',
      path: '/v1/notes',
      operationId: 'createNote',
      summary: 'Create a note',
      requestBody: { schema: NoteSchema, schemaName: 'Note' },
      responses: { 201: { description: 'Created', schema: NoteSchema, schemaName: 'Note' } },
      errors: ['INVALID_REQUEST', 'MALFORMED_JSON', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE'],
    },
    jsonBody({ limit: 1024 }),
    (req, res) => {
      res.status(201).json(parseRequest(NoteSchema, req.body));
    },
  );
  const raw = Router();
  raw.get('/plain', (_req, res) => {
    res.type('text/plain').send('plain');
  });
  const { app, logs } = testApp({ mounts: [notes.mount(), { path: '/v1/raw', router: raw }] });

  it('serves a mounted route table with the shared error handling when requests come in', async () => {
    expect((await request(app).get('/v1/notes/1').expect(200)).body).toEqual({ text: 'hello' });
    expect((await request(app).get('/v1/notes/2').expect(404)).body).toMatchObject({ code: 'CASE_NOT_FOUND', type: '/docs#CASE_NOT_FOUND' });
    expect((await request(app).post('/v1/notes').send({ text: '' }).expect(400)).body).toMatchObject({ code: 'INVALID_REQUEST', errors: [{ path: 'text' }] });
    await request(app).post('/v1/notes').send({ text: 'x'.repeat(2000) }).expect(413);
    await request(app).post('/v1/notes').send({ text: 'hi' }).expect(201);
  });

  it('answers 405 with Allow for a mounted operation path when the method is wrong', async () => {
    const res = await request(app).delete('/v1/notes/1').expect(405);
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
  });

  it('serves a plain router at its mount path', async () => {
    expect((await request(app).get('/v1/raw/plain').expect(200)).text).toBe('plain');
  });

  it('documents mounted operations in /openapi.json and /docs', async () => {
    const doc = (await request(app).get('/openapi.json').expect(200)).body as { paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } };
    expect(Object.keys(doc.paths['/v1/notes/{id}'] ?? {})).toEqual(['get']);
    expect(Object.keys(doc.paths['/v1/notes'] ?? {})).toEqual(['post']);
    expect(doc.components.schemas.Note).toBeDefined();
    const html = (await request(app).get('/docs').expect(200)).text;
    expect(html).toContain('id="getNote"');
  });

  it('logs mounted routes by their template', async () => {
    logs.lines.length = 0;
    await request(app).get('/v1/notes/1').expect(200);
    await request(app).get('/v1/raw/plain').expect(200);
    expect(logs.records().map((r) => r.route)).toEqual(['/v1/notes/{id}', '/v1/raw/plain']);
  });

  it('refuses two different schemas published under one name', async () => {
    const clash = createRouteTable();
    clash.add({ method: 'get', path: '/v1/clash', operationId: 'clash', summary: 'x', responses: { 200: { description: 'x', schema: z.object({ a: z.string() }), schemaName: 'Note' } } }, (_q, r) => {
      r.end();
    });
    const { app: bad } = testApp({ mounts: [notes.mount(), clash.mount()] });
    const res = await request(bad).get('/openapi.json').expect(500);
    expect(res.body).toMatchObject({ code: 'INTERNAL_ERROR' });
  });
});
