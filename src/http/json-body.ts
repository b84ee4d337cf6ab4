/**
 * JSON body parsing for one route (not app-wide, so routes that stream other media types — CSV uploads — are
 * untouched): the Content-Type must be JSON (else 415), the body must fit the byte limit (else 413, checked
 * against Content-Length before reading), and must parse (else 400). Errors become problems in problem.ts.
 */
import express, { type RequestHandler } from 'express';
import { AppError } from '../errors.js';

const JSON_TYPES = ['application/json', 'application/*+json'];

export interface JsonBodyOptions {
  /** Byte limit of the (decompressed) body. */
  limit: number;
}

export function jsonBody(options: JsonBodyOptions): RequestHandler {
  const parse = express.json({ limit: options.limit, strict: true, type: () => true });
  return (req, res, next) => {
    if (!req.is(JSON_TYPES)) {
      const given = req.headers['content-type'];
      const shown = given === undefined ? 'none' : `"${given.slice(0, 80)}"`;
      next(new AppError('UNSUPPORTED_MEDIA_TYPE', `Expected Content-Type application/json, got ${shown}.`));
      return;
    }
    parse(req, res, next);
  };
}
