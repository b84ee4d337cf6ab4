/**
 * Request validation → AppError. Schema violations answer 400 INVALID_REQUEST with every failing field; when
 * the ONLY problems are sizes (a narrative over MAX_NARRATIVE_CHARS, more than MAX_BATCH_ITEMS items) the
 * answer is 413 with its own code, so a client can tell "split this up" from "fix this".
 */
import type { z } from 'zod';
import { AppError, issuesFromZod } from '../errors.js';
import { isSizeIssue } from './schemas.js';

export function validationError(error: z.ZodError, prefix: readonly PropertyKey[] = []): AppError {
  const issues = issuesFromZod(error, prefix);
  const first = issues[0];
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  const detail = first ? `${first.path || '(body)'}: ${first.message}${more}` : 'The request is invalid.';
  if (error.issues.length > 0 && error.issues.every(isSizeIssue)) {
    const tooMany = error.issues.some((i) => i.path.length === 1 && i.path[0] === 'items');
    return new AppError(tooMany ? 'TOO_MANY_ITEMS' : 'NARRATIVE_TOO_LONG', detail, issues);
  }
  return new AppError('INVALID_REQUEST', detail, issues);
}

/** Parses `value` with `schema` or throws the AppError above. */
export function parseRequest<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw validationError(r.error);
}
