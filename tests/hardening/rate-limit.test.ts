import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ProblemSchema } from '../../src/http/problem.js';
import { clientKey, createRateLimiter } from '../../src/http/rate-limit.js';
import { startServer } from '../../src/http/start-server.js';
import { hardenedApp, NARRATIVE } from './support.js';

/** A clock the test moves by hand, so no assertion depends on timing. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

describe('rate limit', () => {
  it('answers 429 RATE_LIMITED problem+json with Retry-After when a key empties its bucket, then refills', async () => {
    const clock = manualClock();
    const { app, store, keys } = await hardenedApp({ rateLimit: createRateLimiter({ perMinute: 60, burst: 3, now: clock.now }) });
    const classify = () => request(app).post('/v1/classify').set('authorization', `Bearer ${keys.ingest}`).send({ narrative: NARRATIVE });
    for (let i = 0; i < 3; i++) expect((await classify()).status).toBe(200);
    const limited = await classify();
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(limited.headers['retry-after']).toBe('1');
    expect(ProblemSchema.parse(limited.body)).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    clock.advance(999);
    expect((await classify()).status).toBe(429);
    clock.advance(1);
    expect((await classify()).status).toBe(200);
    await store.close();
  });

  it('says how many whole seconds to wait when the rate is slow', async () => {
    const clock = manualClock();
    const { app, store, keys } = await hardenedApp({ rateLimit: createRateLimiter({ perMinute: 2, burst: 1, now: clock.now }) });
    const get = () => request(app).get('/v1/reason-codes').set('x-api-key', keys.analyst);
    expect((await get()).status).toBe(200);
    expect((await get()).headers['retry-after']).toBe('30');
    clock.advance(10_500);
    expect((await get()).headers['retry-after']).toBe('20');
    await store.close();
  });

  it('keeps a separate bucket per API key when two keys call from the same address', async () => {
    const clock = manualClock();
    const { app, store, keys } = await hardenedApp({ rateLimit: createRateLimiter({ perMinute: 60, burst: 2, now: clock.now }) });
    const get = (key: string) => request(app).get('/v1/reason-codes').set('authorization', `Bearer ${key}`);
    expect((await get(keys.analyst)).status).toBe(200);
    expect((await get(keys.analyst)).status).toBe(200);
    expect((await get(keys.analyst)).status).toBe(429);
    expect((await get(keys.admin)).status).toBe(200);
    expect((await get(keys.ingest)).status).toBe(200);
    await store.close();
  });

  it('limits by client address in open mode, whatever key header a client makes up', async () => {
    const clock = manualClock();
    const { app, store } = await hardenedApp({ allowOpen: true, withKeys: false, rateLimit: createRateLimiter({ perMinute: 60, burst: 2, now: clock.now }) });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await request(app).get('/v1/reason-codes').set('x-api-key', `made-up-${i}`)).status);
    expect(statuses).toEqual([200, 200, 429, 429]);
    await store.close();
  });

  it('charges refused keys to the client address, so guessing keys is limited too', async () => {
    const clock = manualClock();
    const { app, store } = await hardenedApp({ rateLimit: createRateLimiter({ perMinute: 60, burst: 3, now: clock.now }) });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await request(app).get('/v1/cases').set('authorization', `Bearer aicc_guess${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    // Unauthenticated pages share that address bucket.
    expect((await request(app).get('/docs')).status).toBe(429);
    await store.close();
  });

  it('never limits the health probes when the caller is over its limit', async () => {
    const clock = manualClock();
    const { app, store } = await hardenedApp({ rateLimit: createRateLimiter({ perMinute: 1, burst: 1, now: clock.now }) });
    expect((await request(app).get('/openapi.json')).status).toBe(200);
    expect((await request(app).get('/openapi.json')).status).toBe(429);
    for (let i = 0; i < 5; i++) {
      expect((await request(app).get('/healthz')).status).toBe(200);
      expect((await request(app).get('/readyz')).status).toBe(200);
    }
    await store.close();
  });

  it('keeps at most maxBuckets callers and drops buckets that have refilled when many addresses pass by', () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ perMinute: 60, burst: 5, maxBuckets: 100, now: clock.now });
    const [charge] = limiter.handlers;
    const call = (address: string): unknown => {
      let error: unknown = 'not called';
      const req = { path: '/v1/classify', socket: { remoteAddress: address } } as unknown as Parameters<typeof charge>[0];
      charge(req, {} as Parameters<typeof charge>[1], (err?: unknown) => void (error = err));
      return error;
    };
    for (let i = 0; i < 10_000; i++) expect(call(`10.0.${i >> 8}.${i & 255}`)).toBeUndefined();
    expect(limiter.size()).toBeLessThanOrEqual(100);
    clock.advance(60_000);
    call('192.0.2.1');
    call('192.0.2.2');
    expect(limiter.size()).toBeLessThan(100);
  });

  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::99', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    [undefined, 'unknown'],
  ])('groups address %s as %s', (address, key) => {
    expect(clientKey(address)).toBe(key);
  });

  it('refuses a limiter without a rate when it is built', () => {
    expect(() => createRateLimiter({ perMinute: 0, burst: 1 })).toThrow(RangeError);
    expect(() => createRateLimiter({ perMinute: 10, burst: 0 })).toThrow(RangeError);
  });

  it('applies RATE_LIMIT_PER_MINUTE and RATE_LIMIT_BURST in the server, and 0 turns the limit off', async () => {
    const limited = await startServer({ env: { PORT: '0', STORE_PATH: ':memory:', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '1', RATE_LIMIT_BURST: '2' }, signals: null });
    const open = await startServer({ env: { PORT: '0', STORE_PATH: ':memory:', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0' }, signals: null });
    try {
      const statuses = async (url: string): Promise<number[]> => {
        const out: number[] = [];
        for (let i = 0; i < 4; i++) out.push((await fetch(`${url}/v1/taxonomy`)).status);
        return out;
      };
      expect(await statuses(limited.url)).toEqual([200, 200, 429, 429]);
      expect(await statuses(open.url)).toEqual([200, 200, 200, 200]);
    } finally {
      await limited.shutdown('test');
      await open.shutdown('test');
    }
  });
});
