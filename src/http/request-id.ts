/**
 * `X-Request-Id`: a client's id is kept when it is safe to log and echo (1–128 characters of
 * `A-Z a-z 0-9 . _ ~ : / + = @ -`, so it cannot forge log lines or inject headers); otherwise, or when absent,
 * a UUID is generated. The id is echoed on every response and carried by every log line of the request.
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

export const REQUEST_ID_HEADER = 'X-Request-Id';
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._~:/+=@-]{1,128}$/;

export function isValidRequestId(value: unknown): value is string {
  return typeof value === 'string' && REQUEST_ID_PATTERN.test(value);
}

export interface RequestIdOptions {
  /** While true (shutdown), responses ask clients to close keep-alive connections so the server can drain. */
  isDraining?: () => boolean;
}

/** First middleware of the app: assigns `req.id`, echoes it, and sets headers every response shares. */
export function requestId(options: RequestIdOptions = {}): RequestHandler {
  const isDraining = options.isDraining ?? (() => false);
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = isValidRequestId(given) ? given : randomUUID();
    req.id = id;
    res.setHeader(REQUEST_ID_HEADER, id);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (isDraining()) res.setHeader('Connection', 'close');
    next();
  };
}
