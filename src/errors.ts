/**
 * The catalog of stable error codes (Fastify-style): one place says which HTTP status and title each code has,
 * so the HTTP edge, the CSV batch and the review UI report the same failure the same way. Codes are API: never
 * rename or reuse one; add a new code instead. Every code must be documented in README `## HTTP API` and on
 * the `/docs` page (tests/http/error-catalog.test.ts fails otherwise).
 */
import type { z } from 'zod';

/** One catalog entry. `description` says when the code is returned; it is rendered on `/docs`. */
export interface ErrorDef {
  readonly status: number;
  readonly title: string;
  readonly description: string;
}

export const ERROR_CATALOG = {
  INVALID_REQUEST: {
    status: 400,
    title: 'The request does not match the schema',
    description: 'A field is missing, empty, of the wrong type, out of range or unknown; `errors[]` lists every failing field path.',
  },
  MALFORMED_REQUEST: {
    status: 400,
    title: 'The request is not valid HTTP',
    description: 'Node\'s HTTP parser refused the request before the app saw it: an unknown method, a malformed header or chunk, or ambiguous framing (`Content-Length` with `Transfer-Encoding`, two lengths). The connection is closed.',
  },
  MALFORMED_JSON: {
    status: 400,
    title: 'The request body is not valid JSON',
    description: 'The body could not be parsed as JSON, or its top level is not an object or array.',
  },
  UNAUTHORIZED: {
    status: 401,
    title: 'Authentication is required',
    description: 'The request has no valid credentials (API key) for an endpoint that needs them.',
  },
  FORBIDDEN: {
    status: 403,
    title: 'The credentials do not allow this action',
    description: 'The authenticated caller lacks the role this endpoint needs.',
  },
  NOT_FOUND: {
    status: 404,
    title: 'No such resource',
    description: 'No route matches the path.',
  },
  STATUTE_NOT_FOUND: {
    status: 404,
    title: 'No such statute in the taxonomy',
    description: 'The statute code in the path is not one the loaded taxonomy defines.',
  },
  CASE_NOT_FOUND: {
    status: 404,
    title: 'No such case',
    description: 'The case id in the path does not exist in the store.',
  },
  BATCH_NOT_FOUND: {
    status: 404,
    title: 'No such batch',
    description: 'The batch id in the path does not exist in the store.',
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    title: 'Method not allowed on this resource',
    description: 'The path exists but does not accept this method; the `Allow` header lists the methods it does accept.',
  },
  REQUEST_TIMEOUT: {
    status: 408,
    title: 'The request took too long to arrive',
    description: 'The headers did not arrive within `HEADERS_TIMEOUT_MS`, or the whole request within `REQUEST_TIMEOUT_MS`. The connection is closed.',
  },
  BATCH_NOT_READY: { status: 409, title: 'The batch has no result yet', description: 'The batch job is still receiving, queued or running (retry after `Retry-After` seconds), or it failed (fetch its finished rows with `?partial=true`).' },
  VERSION_CONFLICT: {
    status: 409,
    title: 'The resource was changed by someone else',
    description: 'The version the client based its change on is no longer current; reload and retry.',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    title: 'The request body is too large',
    description: 'The body exceeds the configured byte limit (`BODY_LIMIT`, `BATCH_BODY_LIMIT` for batches, `CSV_UPLOAD_LIMIT` for CSV uploads).',
  },
  NARRATIVE_TOO_LONG: {
    status: 413,
    title: 'The narrative is too long',
    description: 'A narrative exceeds `MAX_NARRATIVE_CHARS` characters; `errors[]` gives its path. In a batch the item gets this error and the others are still classified.',
  },
  TOO_MANY_ITEMS: {
    status: 413,
    title: 'Too many items in the batch',
    description: 'The batch has more than `MAX_BATCH_ITEMS` items.',
  },
  HEADERS_TOO_LARGE: {
    status: 431,
    title: 'The request headers are too large',
    description: 'The request line and headers together exceed node\'s limit (16 KiB), or there are too many headers. The connection is closed.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    title: 'Unsupported request content type',
    description: 'The `Content-Type` (or its charset or `Content-Encoding`) is not one the endpoint accepts.',
  },
  CSV_MALFORMED: {
    status: 400,
    title: 'The CSV upload cannot be parsed',
    description: 'The CSV is not well formed (unbalanced quotes, inconsistent columns) where no row-level recovery is possible.',
  },
  CSV_MISSING_COLUMN: {
    status: 400,
    title: 'The CSV upload lacks a required column',
    description: 'The header row does not contain a required column (such as `narrative`).',
  },
  RATE_LIMITED: {
    status: 429,
    title: 'Too many requests',
    description: 'The caller exceeded its request rate; retry after the number of seconds in `Retry-After`.',
  },
  INTERNAL_ERROR: {
    status: 500,
    title: 'Internal server error',
    description: 'An unexpected failure. The response carries only the request id; the cause is in the server log under that id.',
  },
  NOT_READY: {
    status: 503,
    title: 'The service is not ready',
    description: 'Returned by `GET /readyz` while the taxonomy or the store is unavailable, or while the server is shutting down.',
  },
} as const satisfies Record<string, ErrorDef>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export const ERROR_CODES = Object.keys(ERROR_CATALOG) as ErrorCode[];

/** One failing field, kept as data (never joined into one string) so clients can point at the field. */
export interface ErrorIssue {
  /** Dotted path into the request body, e.g. `items.3.narrative`; empty for the body itself. */
  path: string;
  /** RFC 6901 JSON Pointer to the same field, as a URI fragment: `#/items/3/narrative`. */
  pointer: string;
  /** Machine-readable reason, e.g. zod's `invalid_type`, `too_big`, `unrecognized_keys`. */
  code: string;
  message: string;
}

export interface AppErrorOptions {
  /** Response headers that belong to the error (`Allow` for 405, `Retry-After` for 429, `WWW-Authenticate` for 401). */
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * A failure with a stable code. `detail` is shown to the client, so it must never contain narrative text,
 * request bodies or secrets.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly detail: string;
  readonly issues: readonly ErrorIssue[] | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(code: ErrorCode, detail: string, issues?: readonly ErrorIssue[], options: AppErrorOptions = {}) {
    super(`${code}: ${detail}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.detail = detail;
    this.issues = issues;
    this.headers = options.headers;
  }

  get status(): number {
    return ERROR_CATALOG[this.code].status;
  }
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Turns a path like `['items', 3, 'narrative']` into the two forms an {@link ErrorIssue} carries. */
export function formatPath(path: readonly PropertyKey[]): { path: string; pointer: string } {
  const parts = path.map((p) => (typeof p === 'symbol' ? (p.description ?? '') : String(p)));
  return { path: parts.join('.'), pointer: `#${parts.map((p) => `/${escapePointer(p)}`).join('')}` };
}

/**
 * Zod issues → {@link ErrorIssue}s, optionally under a prefix (a batch item's index). Only zod's message is
 * kept, never the rejected input, so a narrative cannot leak through an error.
 */
export function issuesFromZod(error: z.ZodError, prefix: readonly PropertyKey[] = []): ErrorIssue[] {
  return error.issues.map((i) => ({ ...formatPath([...prefix, ...i.path]), code: i.code, message: i.message }));
}
