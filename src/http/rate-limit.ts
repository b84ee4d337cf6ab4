/**
 * Rate limiting: a token bucket per caller, so one runaway intake system or script cannot starve the others.
 * The caller is the API key when the request carries a valid one, else the client address (open mode, public
 * pages, and every request whose key was refused). A bucket holds `burst` requests and refills at
 * `perMinute / 60` a second; an empty bucket answers 429 `RATE_LIMITED` (problem+json) with `Retry-After`
 * in whole seconds.
 *
 * It runs after authentication, so it knows the key; a refused key (401) is charged to the client address by
 * the error half of {@link RateLimiter.handlers}, so guessing keys is rate limited too, and sending made-up
 * keys never earns a fresh bucket. Health probes are exempt: an orchestrator must always see the process.
 *
 * Memory is bounded: buckets are kept in least-recently-used order, one that has refilled completely is the
 * same as a new one and is dropped, and past `maxBuckets` the least recently used is dropped. IPv6 clients
 * are grouped by /64 (one host usually owns a whole /64, so per-address buckets would be free to multiply).
 *
 * The address is the TCP peer: behind a reverse proxy every client shares the proxy's address, so give each
 * client system its own API key there (SECURITY.md).
 */
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { AppError } from '../errors.js';

export interface RateLimitOptions {
  /** Steady rate per caller; must be > 0 (a disabled limit is no limiter at all). */
  perMinute: number;
  /** Bucket size: requests a caller may send at once after being idle. */
  burst: number;
  /** Most callers tracked at once (default 10,000). */
  maxBuckets?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

export interface RateLimiter {
  /** Mount right after authentication: `[charge the caller, charge refused keys to their address]`. */
  readonly handlers: readonly [RequestHandler, ErrorRequestHandler];
  /** Callers currently tracked (for tests). */
  size(): number;
}

interface Bucket {
  tokens: number;
  at: number;
}

const EXEMPT = new Set(['/healthz', '/readyz']);
const DEFAULT_MAX_BUCKETS = 10_000;
/** How many stale buckets an insertion looks at (amortised clean-up, no timer). */
const SWEEP = 4;

/** `::ffff:10.0.0.1` → `10.0.0.1`; an IPv6 address → its /64 prefix; anything else as given. */
export function clientKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (!address.includes(':')) return address;
  const [head = '', tail] = (address.toLowerCase().split('%')[0] ?? '').split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...new Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

function callerOf(req: Request): string {
  const p = req.principal;
  if (p && !p.open && p.keyId !== null) return `key:${p.keyId}`;
  return `addr:${clientKey(req.socket.remoteAddress)}`;
}

export function createRateLimiter(options: RateLimitOptions): RateLimiter {
  if (!(options.perMinute > 0)) throw new RangeError('perMinute must be > 0');
  if (!(options.burst >= 1)) throw new RangeError('burst must be >= 1');
  const perMs = options.perMinute / 60_000;
  const burst = options.burst;
  const maxBuckets = options.maxBuckets ?? DEFAULT_MAX_BUCKETS;
  const now = options.now ?? (() => performance.now());
  const buckets = new Map<string, Bucket>();

  /** Takes one token; returns 0 when granted, else the whole seconds until one is available. */
  function take(caller: string): number {
    const t = now();
    let b = buckets.get(caller);
    if (b) {
      buckets.delete(caller);
      b.tokens = Math.min(burst, b.tokens + (t - b.at) * perMs);
      b.at = t;
    } else {
      b = { tokens: burst, at: t };
      // Look at a few least recently used buckets: drop those refilled to full, and the oldest while at capacity.
      let looked = 0;
      for (const [k, old] of buckets) {
        if (buckets.size >= maxBuckets || old.tokens + (t - old.at) * perMs >= burst) buckets.delete(k);
        if (++looked >= SWEEP && buckets.size < maxBuckets) break;
      }
    }
    buckets.set(caller, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000));
  }

  function limited(seconds: number): AppError {
    return new AppError('RATE_LIMITED', `Too many requests from this caller (limit ${options.perMinute} a minute, bursts of ${burst}); retry in ${seconds} s.`, undefined, {
      headers: { 'Retry-After': String(seconds) },
    });
  }

  const charge: RequestHandler = (req, _res, next) => {
    if (EXEMPT.has(req.path)) return next();
    const wait = take(callerOf(req));
    next(wait === 0 ? undefined : limited(wait));
  };

  const chargeRefused: ErrorRequestHandler = (err: unknown, req, _res, next) => {
    if (err instanceof AppError && err.code === 'UNAUTHORIZED') {
      const wait = take(`addr:${clientKey(req.socket.remoteAddress)}`);
      if (wait !== 0) return next(limited(wait));
    }
    next(err);
  };

  return { handlers: [charge, chargeRefused], size: () => buckets.size };
}
