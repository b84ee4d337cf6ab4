/**
 * CORS, off unless `CORS_ORIGINS` names origins. Off means no `Access-Control-*` header at all, so a browser
 * page from another origin can neither read an answer nor send a preflighted request (JSON bodies, API-key
 * headers): the API is for intake systems and the same-origin review page.
 *
 * On, for an `Origin` that is listed EXACTLY (no wildcard: the API holds personal data): the origin is echoed
 * with `Vary: Origin`, and a preflight (`OPTIONS` with `Access-Control-Request-Method`) is answered 204 before
 * authentication (browsers send no credentials on a preflight). Credentials are API-key headers, never
 * cookies, so `Access-Control-Allow-Credentials` is not sent. An unlisted origin gets no CORS headers, and its
 * preflight falls through to the usual 405/404.
 */
import type { RequestHandler } from 'express';

const ALLOWED_METHODS = 'GET, POST, DELETE';
const ALLOWED_HEADERS = 'Authorization, X-API-Key, Content-Type, Content-Encoding, If-Match, X-Request-Id';
/** Headers a cross-origin script may read besides the CORS-safelisted ones. */
const EXPOSED_HEADERS = 'X-Request-Id, ETag, Location, Retry-After, X-Batch-State';
const PREFLIGHT_MAX_AGE_S = '600';

export interface CorsOptions {
  /** Exact origins (`https://review.example.org`); empty turns CORS off. */
  origins: readonly string[];
}

export function cors(options: CorsOptions): RequestHandler | undefined {
  if (options.origins.length === 0) return undefined;
  const allowed = new Set(options.origins);
  return (req, res, next) => {
    const origin = req.headers.origin;
    // Every answer depends on Origin once CORS is on, so caches must key on it even when it is refused.
    res.vary('Origin');
    if (origin === undefined || !allowed.has(origin)) return next();
    res.setHeader('Access-Control-Allow-Origin', origin);
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      res.setHeader('Access-Control-Allow-Methods', ALLOWED_METHODS);
      res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      res.setHeader('Access-Control-Max-Age', PREFLIGHT_MAX_AGE_S);
      res.status(204).end();
      return;
    }
    res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    next();
  };
}
