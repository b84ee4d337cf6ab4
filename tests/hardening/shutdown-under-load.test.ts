/**
 * Graceful shutdown under load: SIGTERM while 60 requests are in flight (bodies still uploading, then tens of
 * ms of classification each). Every request the server had received finishes with a complete 200; requests that arrive after the signal are refused at connect (never
 * cut mid-answer); the process exits 0 with the store closed.
 */
import { EventEmitter } from 'node:events';
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startServer, type SignalSource } from '../../src/http/start-server.js';
import { NARRATIVE } from './support.js';

interface Outcome {
  status: number;
  body: string;
  error?: string;
}

/**
 * One request on its own connection (no keep-alive pool, so no request can race an idle socket's close). With
 * `gate`, half the body is sent at once and the rest when the gate opens: the request is in flight meanwhile.
 */
function post(url: string, path: string, payload: unknown, gate?: Promise<void>): Promise<Outcome> {
  const body = JSON.stringify(payload);
  return new Promise((resolve) => {
    const req = httpRequest(`${url}${path}`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', (err) => resolve({ status: res.statusCode ?? 0, body: text, error: err.message }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ status: 0, body: '', error: err.code ?? err.message }));
    if (!gate) {
      req.end(body);
      return;
    }
    const half = Math.floor(body.length / 2);
    req.write(body.slice(0, half));
    void gate.then(() => req.end(body.slice(half)));
  });
}

describe('graceful shutdown under load', () => {
  it('completes every received request and refuses later ones when SIGTERM arrives mid-load', async () => {
    const signals = new EventEmitter();
    let resolveExit: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolve) => (resolveExit = resolve));
    const server = await startServer({
      env: { PORT: '0', STORE_PATH: ':memory:', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0' },
      signals: signals as unknown as SignalSource,
      exit: (code) => resolveExit(code),
    });
    let received = 0;
    server.server.on('request', () => received++);

    // Mixed load, every request still uploading its body: JSON batches (tens of ms of classification each,
    // yielding between slices) and single texts. The bodies complete only after the signal.
    const LOAD = 60;
    let openGate: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const items = Array.from({ length: 80 }, (_, i) => ({ id: `n${i}`, narrative: `${NARRATIVE} Case ${i}.` }));
    const inFlight: Promise<Outcome>[] = [];
    for (let i = 0; i < LOAD; i++) {
      inFlight.push(i % 3 === 0 ? post(server.url, '/v1/classify', { narrative: NARRATIVE, id: `single-${i}` }, gate) : post(server.url, '/v1/classify/batch', { items }, gate));
    }
    for (let i = 0; i < 1000 && received < LOAD; i++) await new Promise((r) => setTimeout(r, 10));
    expect(received).toBe(LOAD);

    signals.emit('SIGTERM', 'SIGTERM');
    expect(server.server.listening).toBe(false);
    const late = await Promise.all(Array.from({ length: 10 }, () => post(server.url, '/v1/classify', { narrative: NARRATIVE })));
    openGate();

    const outcomes = await Promise.all(inFlight);
    for (const [i, o] of outcomes.entries()) {
      expect(o.error, `request ${i}`).toBeUndefined();
      expect(o.status, `request ${i}`).toBe(200);
      const parsed = JSON.parse(o.body) as { results?: unknown[]; id?: string };
      if (i % 3 === 0) expect(parsed.id).toBe(`single-${i}`);
      else expect(parsed.results).toHaveLength(items.length);
    }
    for (const o of late) expect(o.error).toBe('ECONNREFUSED');
    expect(await exited).toBe(0);
    await expect(server.store?.ping()).rejects.toThrow();
  }, 60_000);
});
