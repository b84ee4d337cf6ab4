/**
 * Helmet-style response headers, in one place for every response (API answers, problems, 404s, the pages):
 * no MIME sniffing, no framing, no referrer, no cross-origin embedding of responses, and a Content-Security-
 * Policy. API responses get the strictest policy (`default-src 'none'`: a JSON body never needs to load
 * anything); the two HTML pages replace it with their own, defined here so all policies sit side by side:
 * the review page ({@link REVIEW_PAGE_CSP}: its own script, style and API only) and the docs page
 * ({@link DOCS_PAGE_CSP}: inline styles only, no script).
 *
 * Why not the helmet package: the dozen headers below are all it would set for this app, and it would be one
 * more runtime dependency to audit. `Strict-Transport-Security` is left to the TLS-terminating proxy: this
 * server speaks plain HTTP (loopback by default), where browsers ignore HSTS.
 */
import type { RequestHandler, Response } from 'express';

/** API responses (JSON, problems, CSV): nothing to load, nothing to frame. */
export const API_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** `/review`: scripts and styles only from this origin, no inline code, API calls only to this origin. */
export const REVIEW_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** `/docs`: a self-contained page with inline styles, no script at all. */
export const DOCS_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Set on every response before any route runs. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': API_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Origin-Agent-Cluster': '?1',
  'X-DNS-Prefetch-Control': 'off',
  'X-Download-Options': 'noopen',
  'X-Permitted-Cross-Domain-Policies': 'none',
  // The legacy XSS auditor is itself an injection vector; "0" turns it off (helmet's and OWASP's advice).
  'X-XSS-Protection': '0',
});

const HEADER_ENTRIES = Object.entries(SECURITY_HEADERS);

/**
 * The first headers of every response. `/v1` answers also get `Cache-Control: no-store` unless the route
 * sets its own: they carry narratives, evidence and reviewer names, which no shared cache may keep.
 */
export function securityHeaders(): RequestHandler {
  return (req, res, next) => {
    for (const [name, value] of HEADER_ENTRIES) res.setHeader(name, value);
    if (req.path.startsWith('/v1/')) res.setHeader('Cache-Control', 'no-store');
    next();
  };
}

/** For a route serving an HTML page: replaces the API policy with the page's own. */
export function setPagePolicy(res: Response, csp: string): void {
  res.setHeader('Content-Security-Policy', csp);
}
