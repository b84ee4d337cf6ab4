/**
 * A table of hostile or broken requests, each with the 4xx it must get. The app-level rows run in-process with
 * supertest; the rows node's HTTP parser answers before express (unknown methods, oversized headers, smuggling
 * framing, slow requests) go over a raw socket to a real server.
 */
import { connect } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProblemSchema } from '../../src/http/problem.js';
import { startServer, type RunningServer } from '../../src/http/start-server.js';
import { batchApp, rawRequest, tempDir } from '../batch/helpers/http.js';
import { hardenedApp, NARRATIVE, type HardenedApp } from './support.js';

/** What no error body may contain: a stack frame, a source path, node internals. */
const LEAK = /\bat [\w.<>]+ \(|\.ts:\d+|\.js:\d+|node_modules|\/work\/|\/home\/|\/tmp\/|node:internal|Error: /;

/** The parts of an answer the table checks; supertest's Response and rawRequest's both fit. */
interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function expectProblem(res: Answer, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = ProblemSchema.parse(JSON.parse(res.text));
  expect(problem.code).toBe(code);
  expect(res.text).not.toMatch(LEAK);
}

describe('bad requests (in-process)', () => {
  let h: HardenedApp;
  beforeAll(async () => {
    h = await hardenedApp({ env: { BODY_LIMIT: '64kb', BATCH_BODY_LIMIT: '128kb' } });
  });
  afterAll(async () => {
    await h.store.close();
  });
  const ingest = (t: request.Test): request.Test => t.set('authorization', `Bearer ${h.keys.ingest}`);
  const analyst = (t: request.Test): request.Test => t.set('authorization', `Bearer ${h.keys.analyst}`);
  const json = (t: request.Test, body: string): request.Test => t.set('content-type', 'application/json').send(body);
  const bomb = 'a'.repeat(8 * 1024 ** 2);
  const bombJson = `{"narrative":"${bomb}"}`;

  /** Bytes exactly as given (supertest would serialise a Buffer sent as JSON into `{"type":"Buffer",…}`). */
  const bytes = async (path: string, data: Buffer | string, headers: Record<string, string>): Promise<Answer> => {
    const r = await rawRequest(h.app, 'POST', path, data, { authorization: `Bearer ${h.keys.ingest}`, ...headers });
    return { status: r.status, headers: r.headers, text: r.body };
  };
  const JSON_TYPE = { 'content-type': 'application/json' };

  const table: [name: string, send: () => PromiseLike<Answer>, status: number, code: string][] = [
    // Wrong verbs
    ['PUT on the classify route', () => ingest(request(h.app).put('/v1/classify')).send({ narrative: NARRATIVE }), 405, 'METHOD_NOT_ALLOWED'],
    ['PATCH on a case', () => analyst(request(h.app).patch('/v1/cases/x')).send({}), 405, 'METHOD_NOT_ALLOWED'],
    ['DELETE on the case list', () => analyst(request(h.app).delete('/v1/cases')), 405, 'METHOD_NOT_ALLOWED'],
    ['GET on the batch classify route', () => ingest(request(h.app).get('/v1/classify/batch')), 405, 'METHOD_NOT_ALLOWED'],
    ['POST on the health probe', () => request(h.app).post('/healthz').send({}), 405, 'METHOD_NOT_ALLOWED'],
    ['TRACE on the classify route', () => ingest(request(h.app).trace('/v1/classify')), 405, 'METHOD_NOT_ALLOWED'],
    // Compressed bodies: accepted, but the limit counts the inflated bytes
    ['a gzip bomb', () => bytes('/v1/classify', gzipSync(bombJson), { ...JSON_TYPE, 'content-encoding': 'gzip' }), 413, 'PAYLOAD_TOO_LARGE'],
    ['a deflate bomb', () => bytes('/v1/classify', deflateSync(bombJson), { ...JSON_TYPE, 'content-encoding': 'deflate' }), 413, 'PAYLOAD_TOO_LARGE'],
    ['a brotli bomb to the batch route', () => bytes('/v1/classify/batch', brotliCompressSync(`{"items":[{"narrative":"${bomb}"}]}`), { ...JSON_TYPE, 'content-encoding': 'br' }), 413, 'PAYLOAD_TOO_LARGE'],
    ['a gzip bomb creating cases', () => bytes('/v1/cases', gzipSync(bombJson), { ...JSON_TYPE, 'content-encoding': 'gzip' }), 413, 'PAYLOAD_TOO_LARGE'],
    ['gzip that is not gzip', () => bytes('/v1/classify', 'not compressed at all', { ...JSON_TYPE, 'content-encoding': 'gzip' }), 400, 'INVALID_REQUEST'],
    ['an unknown Content-Encoding', () => bytes('/v1/classify', '{}', { ...JSON_TYPE, 'content-encoding': 'compress' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    // Charsets and media types
    ['a latin1 JSON body', () => bytes('/v1/classify', Buffer.from(`{"narrative":"caf\xe9"}`, 'latin1'), { 'content-type': 'application/json; charset=latin1' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['a koi8-r JSON body', () => bytes('/v1/classify', '{}', { 'content-type': 'application/json; charset=koi8-r' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['invalid UTF-8 bytes declared as UTF-8', () => bytes('/v1/classify', Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { 'content-type': 'application/json; charset=utf-8' }), 400, 'INVALID_REQUEST'],
    ['UTF-16 bytes declared as UTF-8', () => bytes('/v1/classify', Buffer.from(JSON.stringify({ narrative: NARRATIVE }), 'utf16le'), JSON_TYPE), 400, 'MALFORMED_JSON'],
    ['form-encoded data', () => ingest(request(h.app).post('/v1/classify')).type('form').send({ narrative: NARRATIVE }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['multipart data', () => ingest(request(h.app).post('/v1/classify')).field('narrative', NARRATIVE), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['no Content-Type at all', () => bytes('/v1/classify', JSON.stringify({ narrative: NARRATIVE }), {}), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    // NUL bytes
    ['a raw NUL byte inside a JSON string', () => bytes('/v1/classify', `{"narrative":"abc\u0000def"}`, JSON_TYPE), 400, 'MALFORMED_JSON'],
    ['a NUL byte outside any string', () => bytes('/v1/classify', `{"narrative":"abc"}\u0000`, JSON_TYPE), 400, 'MALFORMED_JSON'],
    ['a NUL byte in the path', () => ingest(request(h.app).get('/v1/taxonomy/statutes/1030%00')), 404, 'STATUTE_NOT_FOUND'],
    ['a NUL byte in a case id', () => analyst(request(h.app).get('/v1/cases/abc%00def')), 404, 'CASE_NOT_FOUND'],
    // Broken framing and syntax
    ['bad percent-encoding in the path', () => ingest(request(h.app).get('/v1/taxonomy/statutes/%E0%A4%A')), 400, 'INVALID_REQUEST'],
    ['a JSON string at the top level', () => json(ingest(request(h.app).post('/v1/classify')), '"just a string"'), 400, 'MALFORMED_JSON'],
    ['a truncated JSON body', () => json(ingest(request(h.app).post('/v1/classify')), '{"narrative": "She wired'), 400, 'MALFORMED_JSON'],
    ['a body over the limit with an honest Content-Length', () => json(ingest(request(h.app).post('/v1/classify')), `{"narrative":"${'b'.repeat(70 * 1024)}"}`), 413, 'PAYLOAD_TOO_LARGE'],
    ['a narrative number where text is expected', () => ingest(request(h.app).post('/v1/classify')).send({ narrative: 12 }), 400, 'INVALID_REQUEST'],
    ['an unknown query parameter on the case list', () => analyst(request(h.app).get('/v1/cases?__proto__[x]=1')), 400, 'INVALID_REQUEST'],
  ];

  it.each(table)('answers %s with the right problem', async (_name, send, status, code) => {
    expectProblem(await send(), status, code);
  });

  it('classifies a small gzip or deflate body when the inflated size is under the limit', async () => {
    const body = JSON.stringify({ narrative: NARRATIVE });
    for (const [coding, data] of [['gzip', gzipSync(body)], ['deflate', deflateSync(body)], ['br', brotliCompressSync(body)]] as const) {
      const res = await bytes('/v1/classify', data, { ...JSON_TYPE, 'content-encoding': coding });
      expect(res.status, coding).toBe(200);
    }
  });

  it('answers 200 when a narrative holds an escaped NUL and other control characters', async () => {
    const res = await ingest(request(h.app).post('/v1/classify')).send({ narrative: `She wired money\u0000 after \u0007an\u202e email \u200d posed as her bank.` });
    expect(res.status).toBe(200);
  });
});

describe('prototype-pollution keys in JSON', () => {
  let h: HardenedApp;
  beforeAll(async () => {
    h = await hardenedApp();
  });
  afterAll(async () => {
    await h.store.close();
  });

  const PAYLOADS: [name: string, body: string][] = [
    ['__proto__ at the top', `{"narrative":"${NARRATIVE}","__proto__":{"polluted":"yes","isAdmin":true}}`],
    ['constructor.prototype at the top', `{"narrative":"${NARRATIVE}","constructor":{"prototype":{"polluted":"yes"}}}`],
    ['__proto__ only', `{"__proto__":{"polluted":"yes"}}`],
    ['__proto__ in a batch item', `{"items":[{"narrative":"${NARRATIVE}","__proto__":{"polluted":"yes"}}]}`],
    ['__proto__ as the items array', `{"__proto__":[{"narrative":"x"}],"items":[{"narrative":"${NARRATIVE}"}]}`],
    ['__proto__ in a case', `{"narrative":"${NARRATIVE}","source":"ic3","externalId":"pp-1","__proto__":{"polluted":"yes"}}`],
    ['__proto__ in a decision', `{"statute":"1343","decision":"accept","version":1,"__proto__":{"reviewer":"mallory","polluted":"yes"}}`],
  ];
  const ROUTES: [string, string, 'ingest' | 'analyst'][] = [
    ['/v1/classify', 'classify', 'ingest'],
    ['/v1/classify/batch', 'batch', 'ingest'],
    ['/v1/cases', 'cases', 'ingest'],
  ];

  function prototypeIsClean(): void {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(CLEAN_PROTOTYPE);
    const probe: Record<string, unknown> = {};
    expect(probe.polluted).toBeUndefined();
    expect(probe.isAdmin).toBeUndefined();
  }
  const CLEAN_PROTOTYPE = Object.getOwnPropertyNames(Object.prototype).sort();

  it.each(PAYLOADS)('leaves Object.prototype untouched and still answers when the body has %s', async (_name, body) => {
    for (const [path, , role] of ROUTES) {
      const res = await request(h.app).post(path).set('authorization', `Bearer ${h.keys[role]}`).set('content-type', 'application/json').send(body);
      // Handled: a result, or a catalogued problem naming the unknown key; never a 500.
      expect([200, 201, 400], `${path}: ${res.text.slice(0, 200)}`).toContain(res.status);
      if (res.status === 400) expect(ProblemSchema.parse(res.body).code).toBe('INVALID_REQUEST');
      prototypeIsClean();
    }
  });

  it('refuses __proto__ as an unknown key and records the decision under the key\'s owner when one is smuggled in', async () => {
    const created = await request(h.app).post('/v1/cases').set('authorization', `Bearer ${h.keys.ingest}`).send({ narrative: NARRATIVE, source: 'ic3', externalId: 'pp-2' });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    const res = await request(h.app)
      .post(`/v1/cases/${id}/decisions`)
      .set('authorization', `Bearer ${h.keys.analyst}`)
      .set('content-type', 'application/json')
      .send('{"statute":"1343","decision":"accept","version":1,"__proto__":{"reviewer":"mallory"},"reviewer":"mallory"}');
    expect(res.status).toBe(400);
    expect((res.body as { errors: { code: string }[] }).errors.map((e) => e.code)).toContain('unrecognized_keys');
    const c = await request(h.app).get(`/v1/cases/${id}`).set('authorization', `Bearer ${h.keys.analyst}`);
    expect((c.body as { decisions: unknown[] }).decisions).toEqual([]);
    prototypeIsClean();
  });
});

describe('CSV uploads: compressed and mislabelled bodies', () => {
  it('answers 413 when a gzip bomb inflates past the upload limit and 415 for an unknown encoding or charset', async () => {
    const { dir, cleanup } = tempDir();
    const b = batchApp(dir, { maxUploadBytes: 256 * 1024 });
    try {
      // 2 MB of CSV in about 6 kB of gzip: refused once the inflated stream passes 256 kB.
      const csv = gzipSync(`narrative\n${`${NARRATIVE}\n`.repeat(25_000)}`);
      // The job endpoint stores before answering: a plain 413.
      const r = await rawRequest(b.app, 'POST', '/v1/batches', csv, { 'content-type': 'text/csv', 'content-encoding': 'gzip' });
      expectProblem({ status: r.status, headers: r.headers, text: r.body }, 413, 'PAYLOAD_TOO_LARGE');
      // The streaming endpoint has begun its 200 answer when the limit is passed: the connection is cut, so
      // the client sees a failure, never a complete-looking result.
      await expect(rawRequest(b.app, 'POST', '/v1/batch/csv', csv, { 'content-type': 'text/csv', 'content-encoding': 'gzip' })).rejects.toThrow(/aborted|ECONNRESET|socket hang up/);
      expect(b.logLines.join('')).toMatch(/"route":"\/v1\/batch\/csv".*"errorCode":"PAYLOAD_TOO_LARGE"/);
      for (const path of ['/v1/batch/csv', '/v1/batches']) {
        const odd = await request(b.app).post(path).set('content-type', 'text/csv').set('content-encoding', 'zstd').send('narrative\nx\n');
        expectProblem(odd, 415, 'UNSUPPORTED_MEDIA_TYPE');
        const sjis = await request(b.app).post(path).set('content-type', 'text/csv; charset=shift_jis').send('narrative\nx\n');
        expectProblem(sjis, 415, 'UNSUPPORTED_MEDIA_TYPE');
        const xlsx = await request(b.app).post(path).set('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(Buffer.from('PK\u0003\u0004'));
        expectProblem(xlsx, 415, 'UNSUPPORTED_MEDIA_TYPE');
      }
      expect(b.batches.jobs.list(['receiving', 'queued', 'running', 'done', 'failed'])).toEqual([]);
    } finally {
      await b.batches.close();
      cleanup();
    }
  });
});

/** Writes raw bytes to the server and returns everything it answers until it closes the connection. */
function raw(url: string, data: string | Buffer, options: { endAfterWrite?: boolean; timeoutMs?: number } = {}): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let out = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${options.timeoutMs ?? 10_000} ms; got ${JSON.stringify(out.slice(0, 200))}`));
    }, options.timeoutMs ?? 10_000);
    socket.on('data', (c: Buffer) => (out += c.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.write(data);
    if (options.endAfterWrite) socket.end();
  });
}

function statusOf(response: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
}

/** The problem+json body of a raw response, after checking its content type. */
function problemOf(response: string): { status: number; code: string; type: string; title: string; detail: string } {
  const split = response.indexOf('\r\n\r\n');
  expect(response.slice(0, split)).toMatch(/\r\nContent-Type: application\/problem\+json\r\n/i);
  return JSON.parse(response.slice(split + 4)) as { status: number; code: string; type: string; title: string; detail: string };
}

describe('bad requests (raw sockets, real server)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({
      env: { PORT: '0', STORE_PATH: ':memory:', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0', REQUEST_TIMEOUT_MS: '1000', HEADERS_TIMEOUT_MS: '1000' },
      signals: null,
    });
  });
  afterAll(async () => {
    await server.shutdown('test');
  });

  const body = JSON.stringify({ narrative: NARRATIVE });
  const rows: [name: string, data: () => string, status: number][] = [
    ['an unknown method', () => 'BREW /v1/classify HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['a header section over 16 KiB', () => `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`, 431],
    ['three thousand small headers', () => `GET /healthz HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\n\r\n`, 431],
    ['a 20 KiB URL', () => `GET /v1/taxonomy/${'a'.repeat(20 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431],
    ['Content-Length and Transfer-Encoding together (request smuggling)', () => `POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400],
    ['two different Content-Lengths', () => `POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n{"a":1}`, 400],
    ['a NUL byte in a header value', () => `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Evil: a\u0000b\r\n\r\n`, 400],
    ['a bare LF inside a header name', () => `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Ev\nil: 1\r\n\r\n`, 400],
    ['an invalid chunk size', () => `POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`, 400],
  ];

  it.each(rows)('answers %s with the right 4xx problem and closes the connection', async (_name, data, status) => {
    const res = await raw(server.url, data());
    expect(statusOf(res)).toBe(status);
    const p = problemOf(res);
    expect(p).toMatchObject({ status, code: status === 431 ? 'HEADERS_TOO_LARGE' : 'MALFORMED_REQUEST', type: `/docs#${p.code}` });
    expect(res).toMatch(/\r\nConnection: close\r\n/i);
    expect(res).not.toMatch(LEAK);
  });

  it('answers 408 and closes the connection when a request body stalls past REQUEST_TIMEOUT_MS', async () => {
    const head = `POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const res = await raw(server.url, head + body.slice(0, 10), { timeoutMs: 8000 });
    expect(statusOf(res)).toBe(408);
    expect(problemOf(res)).toMatchObject({ status: 408, code: 'REQUEST_TIMEOUT' });
    // The server is still serving others.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('answers 408 when the headers themselves trickle in too slowly', async () => {
    const res = await raw(server.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ', { timeoutMs: 8000 });
    expect(statusOf(res)).toBe(408);
    expect(problemOf(res)).toMatchObject({ status: 408, code: 'REQUEST_TIMEOUT' });
  });
});
