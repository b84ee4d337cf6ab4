/**
 * RFC 9457 `application/problem+json` at the HTTP edge: every failure — ours (AppError), express's body parser's,
 * or an unexpected throw — becomes one shape with `type`, `title`, `status`, `detail`, the stable `code`, the
 * `requestId`, and for validation the failing fields as a list. Unexpected errors answer 500 with a generic
 * detail; their cause goes only to the log, under the request id.
 */
import type { ErrorRequestHandler, Request, Response } from 'express';
import { z } from 'zod';
import { AppError, ERROR_CATALOG, ERROR_CODES, type ErrorCode, type ErrorIssue } from '../errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The problem `type` of a code: a URI reference to its entry on the `/docs` page. */
export function problemType(code: ErrorCode): string {
  return `/docs#${code}`;
}

export const ProblemIssueSchema = z.object({
  path: z.string().describe('Dotted path of the failing field in the request body, e.g. `items.3.narrative`; empty for the body itself'),
  pointer: z.string().describe('The same field as an RFC 6901 JSON Pointer fragment, e.g. `#/items/3/narrative`'),
  code: z.string().describe('Machine-readable reason (zod issue code), e.g. `invalid_type`, `too_big`, `unrecognized_keys`'),
  message: z.string(),
});

export const ProblemSchema = z.object({
  type: z.string().describe('URI reference identifying the problem type; it resolves to the entry for `code` on the /docs page'),
  title: z.string().describe('Short summary of the problem type; the same for every occurrence of a code'),
  status: z.number().int().min(400).max(599),
  detail: z.string().describe('What went wrong in this occurrence (never echoes narrative text)'),
  code: z.enum(ERROR_CODES as [ErrorCode, ...ErrorCode[]]).describe('Stable error code from the catalog'),
  requestId: z.string().optional().describe('The X-Request-Id of the request: quote it when reporting a 500'),
  errors: z.array(ProblemIssueSchema).optional().describe('Every failing field, for validation errors'),
});
export type Problem = z.infer<typeof ProblemSchema>;

export function problemFrom(error: AppError, requestId?: string): Problem {
  const def = ERROR_CATALOG[error.code];
  const p: Problem = { type: problemType(error.code), title: def.title, status: def.status, detail: error.detail, code: error.code };
  if (requestId !== undefined) p.requestId = requestId;
  if (error.issues && error.issues.length > 0) p.errors = [...error.issues];
  return p;
}

/** A problem for a code without throwing, e.g. for a batch item's own error entry. */
export function problem(code: ErrorCode, detail: string, issues?: readonly ErrorIssue[], requestId?: string): Problem {
  return problemFrom(new AppError(code, detail, issues), requestId);
}

interface HttpishError {
  type?: unknown;
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
  limit?: unknown;
  charset?: unknown;
  encoding?: unknown;
}

/**
 * Maps errors raised by express and its body parser (http-errors with a `type`) to catalog codes. Their own
 * messages are NOT reused: a JSON parse error's message quotes the body, and the body may be a narrative.
 */
export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  // The router's decodeURIComponent of a path parameter ("%E0%A4%A") throws a URIError marked status 400 but not
  // `expose`: the client's fault, not a 500.
  if (err instanceof URIError) return new AppError('INVALID_REQUEST', 'The path contains invalid percent-encoding.');
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as HttpishError;
  switch (e.type) {
    case 'entity.parse.failed':
      return new AppError('MALFORMED_JSON', 'The body is not valid JSON (a JSON object is expected).');
    case 'entity.too.large':
      return new AppError('PAYLOAD_TOO_LARGE', `The body exceeds the limit of ${typeof e.limit === 'number' ? e.limit : '?'} bytes.`);
    case 'charset.unsupported':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', `Unsupported charset${typeof e.charset === 'string' ? ` "${e.charset.slice(0, 40)}"` : ''}; send UTF-8.`);
    case 'encoding.unsupported':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported Content-Encoding; send identity, gzip, deflate or br.');
    case 'request.aborted':
      return new AppError('INVALID_REQUEST', 'The request was aborted before its body was complete.');
    case 'request.size.invalid':
      return new AppError('INVALID_REQUEST', 'The body length does not match Content-Length.');
    default:
      break;
  }
  // Any other http-errors error that is safe to expose (4xx): keep its status class, drop its message.
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (status === 400 && e.expose === true) return new AppError('INVALID_REQUEST', 'The request body could not be read or decoded.');
  if (status !== undefined && status >= 400 && status < 500 && e.expose === true) {
    const code = (ERROR_CODES.find((c) => ERROR_CATALOG[c].status === status) ?? 'INVALID_REQUEST');
    return new AppError(code, ERROR_CATALOG[code].title);
  }
  return undefined;
}

/** Writes a problem response; the code also goes into the request log line. */
export function sendProblem(req: Request, res: Response, error: AppError): void {
  res.locals.errorCode = error.code;
  if (error.headers) for (const [k, v] of Object.entries(error.headers)) res.setHeader(k, v);
  res.status(error.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problemFrom(error, req.id)));
}

/** Only the error's own name, message, code and stack: never its other properties (a parse error carries the body). */
export function safeErrorFields(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { type: typeof err, message: 'non-Error value thrown' };
  const code = (err as { code?: unknown }).code;
  return { type: err.name, message: err.message, code: typeof code === 'string' ? code : undefined, stack: err.stack };
}

/** The app's last middleware: every error becomes a problem response; the process never crashes on input. */
export function errorHandler(): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    let appError = toAppError(err);
    if (appError === undefined) {
      req.log.error({ error: safeErrorFields(err) }, 'unexpected error');
      appError = new AppError('INTERNAL_ERROR', `An unexpected error occurred. Quote request id ${req.id} when reporting it.`);
    }
    if (res.headersSent) {
      // Part of a response is out: a problem body cannot follow it. Cut the connection so the client sees a failure.
      res.locals.errorCode = appError.code;
      req.socket.destroy();
      return;
    }
    sendProblem(req, res, appError);
  };
}
