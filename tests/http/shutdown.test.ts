import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Router } from 'express';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { startServer, type SignalSource } from '../../src/http/start-server.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { NARRATIVE } from './support.js';

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** An in-process server with a route that blocks until the test releases it. */
async function startWithSlowRoute(env: Record<string, string> = {}) {
  const signals = new EventEmitter();
  const exited = deferred<number>();
  const entered = deferred();
  const release = deferred();
  const lines: string[] = [];
  const router = Router();
  router.get('/test/slow', async (_req, res) => {
    entered.resolve();
    await release.promise;
    res.type('text/plain').send('done');
  });
  const running = await startServer({
    env: { PORT: '0', STORE_PATH: ':memory:', LOG_LEVEL: 'info', LOG_FORMAT: 'json', ...env },
    logDestination: { write: (s: string) => void lines.push(s) },
    signals: signals as unknown as SignalSource,
    exit: (code) => exited.resolve(code),
    mounts: () => [{ router }],
  });
  return { running, signals, exited, entered, release, lines };
}

describe('graceful shutdown (in-process)', () => {
  it('finishes the in-flight request, refuses new connections, closes the store and exits 0 when SIGTERM arrives', async () => {
    const { running, signals, exited, entered, release, lines } = await startWithSlowRoute();
    const inFlight = get(`${running.url}/test/slow`);
    await entered.promise;
    signals.emit('SIGTERM', 'SIGTERM');
    await expect(get(`${running.url}/healthz`)).rejects.toThrow(/ECONNREFUSED/);
    release.resolve();
    await expect(inFlight).resolves.toEqual({ status: 200, body: 'done' });
    await expect(exited.promise).resolves.toBe(0);
    await expect(running.store?.ping()).rejects.toThrow();
    const msgs = lines.map((l) => JSON.parse(l) as { msg: string; code?: number });
    expect(msgs.map((m) => m.msg)).toEqual(expect.arrayContaining(['listening', 'shutting down: no new connections, draining in-flight requests', 'stopped']));
    expect(msgs.find((m) => m.msg === 'stopped')?.code).toBe(0);
  });

  it('runs shutdown hooks after in-flight requests and before the store closes, in reverse order', async () => {
    const events: string[] = [];
    const signals = new EventEmitter();
    const exited = deferred<number>();
    const release = deferred();
    const entered = deferred();
    const router = Router();
    router.get('/test/slow', async (_req, res) => {
      entered.resolve();
      await release.promise;
      events.push('response');
      res.end();
    });
    const running = await startServer({
      env: { PORT: '0', STORE_PATH: ':memory:', LOG_LEVEL: 'silent' },
      signals: signals as unknown as SignalSource,
      exit: (code) => exited.resolve(code),
      mounts: (ctx) => {
        ctx.onShutdown(() => void events.push('first registered'));
        ctx.onShutdown(async () => {
          await ctx.store?.ping(); // the store is still open
          events.push('second registered');
        });
        return [{ router }];
      },
    });
    const inFlight = get(`${running.url}/test/slow`);
    await entered.promise;
    signals.emit('SIGTERM', 'SIGTERM');
    setTimeout(() => release.resolve(), 50);
    await inFlight;
    await expect(exited.promise).resolves.toBe(0);
    expect(events).toEqual(['response', 'second registered', 'first registered']);
  });

  it('exits 1 when a shutdown hook fails', async () => {
    const signals = new EventEmitter();
    const exited = deferred<number>();
    await startServer({
      env: { PORT: '0', STORE_PATH: ':memory:', LOG_LEVEL: 'silent' },
      signals: signals as unknown as SignalSource,
      exit: (code) => exited.resolve(code),
      mounts: (ctx) => {
        ctx.onShutdown(() => {
          throw new Error('worker pool stuck');
        });
        return [];
      },
    });
    signals.emit('SIGTERM', 'SIGTERM');
    await expect(exited.promise).resolves.toBe(1);
  });

  it('handles SIGINT the same way when nothing is in flight', async () => {
    const { signals, exited } = await startWithSlowRoute();
    signals.emit('SIGINT', 'SIGINT');
    await expect(exited.promise).resolves.toBe(0);
  });

  it('cuts the request and exits 1 when it outlives SHUTDOWN_TIMEOUT_MS', async () => {
    const { running, signals, exited, entered, release } = await startWithSlowRoute({ SHUTDOWN_TIMEOUT_MS: '200' });
    const inFlight = get(`${running.url}/test/slow`);
    await entered.promise;
    signals.emit('SIGTERM', 'SIGTERM');
    await expect(inFlight).rejects.toThrow(/socket hang up|ECONNRESET/);
    await expect(exited.promise).resolves.toBe(1);
    release.resolve();
  });

  it('rejects with a one-line ConfigError naming the variable when the environment is invalid', async () => {
    await expect(startServer({ env: { PORT: 'abc' }, signals: null })).rejects.toThrow(ConfigError);
    await expect(startServer({ env: { PORT: 'abc' }, signals: null })).rejects.toThrow(/^invalid configuration: PORT must be a whole number \(got "abc"\)$/);
  });
});

const BUILT_SERVER = join(PACKAGE_ROOT, 'dist', 'src', 'server.js');

/** The built entry (`npm start`), with a real SIGTERM; `npm install` builds dist/ through `prepare`. */
describe.skipIf(!existsSync(BUILT_SERVER))('graceful shutdown (built server, real signal)', () => {
  it('completes a request whose body is still uploading when SIGTERM arrives, then exits 0', async () => {
    const child = spawn(process.execPath, [BUILT_SERVER], {
      env: { ...process.env, PORT: '0', STORE_PATH: ':memory:', LOG_FORMAT: 'json', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let out = '';
    const progress = new EventEmitter();
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      progress.emit('data');
    });
    const seen = (text: string): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => {
          if (!out.includes(text)) return;
          progress.off('data', check);
          resolve();
        };
        progress.on('data', check);
        check();
      });
    try {
      await seen('"msg":"listening"');
      const url = /"url":"([^"]+)"/.exec(out)?.[1] ?? '';
      const body = JSON.stringify({ id: 'in-flight', narrative: NARRATIVE });
      const half = Math.floor(body.length / 2);
      const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(`${url}/v1/classify`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
        req.write(body.slice(0, half));
        setTimeout(() => {
          child.kill('SIGTERM');
          void seen('shutting down').then(() => req.end(body.slice(half)));
        }, 100);
      });
      const res = await response;
      expect(res.status).toBe(200);
      expect((JSON.parse(res.body) as { id: string }).id).toBe('in-flight');
      expect(await exit).toBe(0);
      expect(out).toContain('"msg":"stopped"');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('prints one line naming the variable and exits 2 when the configuration is invalid', async () => {
    const child = spawn(process.execPath, [BUILT_SERVER], { env: { ...process.env, PORT: '99999' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(err).toBe('ai-crime-classifier: invalid configuration: PORT must be at most 65535 (got "99999")\n');
  });
});
