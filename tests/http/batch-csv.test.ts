import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { OUTPUT_COLUMNS } from '../../src/batch/csv-out.js';
import { batchApp, rawRequest, tempDir } from '../batch/helpers/http.js';
import { classifier, fixture, parseOutput } from '../batch/helpers/tag.js';

const tmp = tempDir();
const { app, logLines, batches } = batchApp(tmp.dir);
afterAll(async () => {
  await batches.close();
  tmp.cleanup();
});

const MARKER = 'Zyxwvut-marker-narrative';
const big = (rows: number, tail = ''): string =>
  `case_id,narrative\n${Array.from({ length: rows }, (_, i) => `C${i},"${MARKER} ${i}: she wired $4500 after an email that posed as her bank"`).join('\n')}\n${tail}`;

describe('POST /v1/batch/csv', () => {
  it('streams the input rows back with the result columns when the body is a CSV', async () => {
    const res = await request(app).post('/v1/batch/csv').set('Content-Type', 'text/csv').send(fixture('crlf.csv').toString('utf8')).expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['x-text-column']).toBe('narrative');
    expect(res.headers['x-text-column-source']).toBe('detected');
    expect(res.headers['x-taxonomy-version']).toBe(classifier().taxonomyVersion);
    const rows = parseOutput(res.text);
    expect(rows[0]).toEqual(['case_id', 'narrative', 'agency', ...OUTPUT_COLUMNS]);
    expect(rows.slice(1).map((r) => r[0])).toEqual(['C1', 'C2']);
    expect(rows[1]?.[3]).toContain('1343');
  });

  it('ends with the trailer X-Batch-Status: complete and the counts when every row is written', async () => {
    const res = await rawRequest(app, 'POST', '/v1/batch/csv', fixture('empty-narrative.csv'), { 'content-type': 'text/csv' });
    expect(res.status).toBe(200);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.headers.trailer).toContain('X-Batch-Status');
    expect(res.trailers).toMatchObject({ 'x-batch-status': 'complete', 'x-batch-rows': '3', 'x-batch-errors': '2' });
  });

  it('answers 400 CSV_MISSING_COLUMN listing the columns when no narrative column is found', async () => {
    const res = await request(app).post('/v1/batch/csv').set('Content-Type', 'text/csv').send(fixture('missing-column.csv').toString('utf8')).expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'CSV_MISSING_COLUMN', status: 400 });
    expect((res.body as { detail: string }).detail).toContain('columns found: "case_id", "reported_at", "agency"');
  });

  it('uses the named column when textColumn is given', async () => {
    const res = await request(app).post('/v1/batch/csv?textColumn=agency').set('Content-Type', 'text/csv').send(fixture('crlf.csv').toString('utf8')).expect(200);
    expect(res.headers['x-text-column']).toBe('agency');
    expect(res.headers['x-text-column-source']).toBe('given');
  });

  it.each([
    ['unclosed-quote.csv', /^unclosed quote: a quoted field that begins after line 2/],
    ['binary.xlsx', /^binary data at line 1/],
  ])('answers 400 CSV_MALFORMED naming the line when %s cannot be parsed before any output', async (name, detail) => {
    const res = await request(app).post('/v1/batch/csv').set('Content-Type', 'text/csv').send(fixture(name)).expect(400);
    expect(res.body).toMatchObject({ code: 'CSV_MALFORMED' });
    expect((res.body as { detail: string }).detail).toMatch(detail);
  });

  it('ends with an error row and X-Batch-Status: failed when the CSV breaks after streaming began', async () => {
    const res = await rawRequest(app, 'POST', '/v1/batch/csv', big(1200, 'C9999,"never closed\nmore\n'), { 'content-type': 'text/csv' });
    expect(res.status).toBe(200);
    const rows = parseOutput(res.body);
    expect(rows).toHaveLength(1202);
    expect(rows.at(-1)?.at(-1)).toMatch(/^CSV_MALFORMED: unclosed quote: a quoted field that begins after line 1201 /);
    expect(res.trailers).toMatchObject({ 'x-batch-status': 'failed', 'x-batch-error': 'CSV_MALFORMED', 'x-batch-rows': '1200', 'x-batch-error-line': '1202' });
  });

  it('writes JSON lines with the full contract when format=jsonl', async () => {
    const res = await request(app).post('/v1/batch/csv?format=jsonl&idColumn=case_id').set('Content-Type', 'text/csv').send(fixture('crlf.csv').toString('utf8')).expect(200);
    expect(res.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    const lines = res.text.trimEnd().split('\n').map((l) => JSON.parse(l) as { id: string; row: number; input: Record<string, string>; suggestions: unknown[] });
    expect(lines.map((l) => [l.row, l.id, l.input.agency])).toEqual([
      [1, 'C1', 'FBI'],
      [2, 'C2', 'NYPD'],
    ]);
    expect(lines[0]?.suggestions.length).toBeGreaterThan(0);
  });

  it('decodes the body with the charset of the Content-Type', async () => {
    const res = await request(app).post('/v1/batch/csv').set('Content-Type', 'text/csv; charset=ISO-8859-1').send(fixture('latin1.csv')).expect(200);
    expect(parseOutput(res.text)[1]?.[1]).toContain('Herr Müller');
  });

  it('reads a gzip-compressed body when Content-Encoding is gzip', async () => {
    const res = await request(app).post('/v1/batch/csv').set('Content-Type', 'text/csv').set('Content-Encoding', 'gzip').send(gzipSync(fixture('semicolon.csv'))).expect(200);
    expect(parseOutput(res.text, ';').map((r) => r[0])).toEqual(['case_id', 'C1', 'C2']);
  });

  it.each([
    ['application/json', /Content-Type must be text\/csv/],
    ['text/csv; charset=koi8-r', /Unsupported charset "koi8-r"/],
  ])('answers 415 when the Content-Type is %s', async (type, detail) => {
    const res = await request(app).post('/v1/batch/csv').set('Content-Type', type).send('a,b\n').expect(415);
    expect(res.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect((res.body as { detail: string }).detail).toMatch(detail);
  });

  it('answers 400 INVALID_REQUEST with every bad query parameter', async () => {
    const res = await request(app).post('/v1/batch/csv?format=xml&delimiter=%3A%3A&threshold=2&nope=1').set('Content-Type', 'text/csv').send('a\n').expect(400);
    expect(res.body).toMatchObject({ code: 'INVALID_REQUEST' });
    expect((res.body as { errors: { path: string }[] }).errors.map((e) => e.path).sort()).toEqual(['', 'delimiter', 'format', 'threshold']);
  });

  it('answers 413 before reading when Content-Length is over the limit', async () => {
    const t = tempDir();
    try {
      const small = batchApp(t.dir, { maxUploadBytes: 100 });
      const res = await request(small.app).post('/v1/batch/csv').set('Content-Type', 'text/csv').send(big(5)).expect(413);
      expect(res.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
      await small.batches.close();
    } finally {
      t.cleanup();
    }
  });

  it('writes no narrative text into the log when it tags a file', async () => {
    await request(app).post('/v1/batch/csv').set('Content-Type', 'text/csv').send(big(20)).expect(200);
    await request(app).post('/v1/batch/csv').set('Content-Type', 'text/csv').send(big(3, `X,"${MARKER} open`)).expect(400);
    expect(logLines.join('')).not.toContain(MARKER);
    expect(logLines.some((l) => l.includes('csv batch tagged'))).toBe(true);
  });

  it('is documented in /openapi.json with its query parameters', async () => {
    const doc = (await request(app).get('/openapi.json').expect(200)).body as { paths: Record<string, Record<string, { parameters: { name: string }[] }>> };
    const op = doc.paths['/v1/batch/csv']?.post;
    expect(op?.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(['textColumn', 'idColumn', 'delimiter', 'encoding', 'format', 'threshold']));
  });
});
