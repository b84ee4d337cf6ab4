/**
 * Routes as data: each route is an {@link Operation} (method, path template, schemas, responses, error codes)
 * plus its handlers. The same list registers the express routes, generates `/openapi.json` and `/docs`, and
 * answers 405 with `Allow` — so a route cannot exist undocumented, and the docs cannot list a missing route.
 *
 * Other modules add routes the same way:
 *
 *   const t = createRouteTable();
 *   t.add({ method: 'get', path: '/v1/cases/{id}', operationId: 'getCase', summary: '…',
 *           pathParams: z.object({ id: z.string() }), responses: { 200: { description: '…', schema: CaseSchema } },
 *           errors: ['CASE_NOT_FOUND'] }, handler);
 *   createApp({ …, mounts: [t.mount()] });
 */
import { Router, type RequestHandler } from 'express';
import type { z } from 'zod';
import type { ErrorCode } from '../errors.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface OperationBody {
  /** zod schema of a JSON body; omit for a body the handler streams itself (CSV). */
  schema?: z.ZodType;
  /** Publish the schema under this name in `components.schemas` instead of inline. */
  schemaName?: string;
  /** Default `application/json`. */
  contentType?: string;
  description?: string;
  example?: unknown;
}

export interface Operation {
  method: HttpMethod;
  /** OpenAPI path template, absolute: `/v1/taxonomy/statutes/{code}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags?: string[];
  /** Path parameters (one key per `{name}` in the path). */
  pathParams?: z.ZodObject;
  query?: z.ZodObject;
  requestBody?: OperationBody & { required?: boolean };
  /** Success responses by status. */
  responses: Record<number, OperationBody & { description: string; headers?: Record<string, string> }>;
  /** Problem responses this operation can return (INTERNAL_ERROR is implied). */
  errors?: readonly ErrorCode[];
  /** OpenAPI security requirements, for routes behind API keys. */
  security?: Record<string, string[]>[];
}

/** A router plus the operations it serves, ready for `createApp({ mounts })`. */
export interface Mount {
  /** Where the router is mounted; default `/`. Operation paths stay absolute either way. */
  path?: string;
  router: Router | RequestHandler;
  /** The operations the router serves: documented in /openapi.json and /docs, and used for 405 answers. */
  operations?: readonly Operation[];
}

export interface RouteTable {
  readonly router: Router;
  readonly operations: readonly Operation[];
  /** Registers the operation's handlers on the router and records the operation. */
  add(operation: Operation, ...handlers: RequestHandler[]): RouteTable;
  mount(): Mount;
}

/** `/v1/cases/{id}` → `/v1/cases/:id` (express 5 / path-to-regexp 8 syntax). */
export function toExpressPath(template: string): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ':$1');
}

export function createRouteTable(): RouteTable {
  const router = Router();
  const operations: Operation[] = [];
  const table: RouteTable = {
    router,
    operations,
    add(operation, ...handlers) {
      if (handlers.length === 0) throw new Error(`operation ${operation.operationId} has no handler`);
      const route = operation.path;
      const mark: RequestHandler = (_req, res, next) => {
        res.locals.route = route;
        next();
      };
      router[operation.method](toExpressPath(route), mark, ...handlers);
      operations.push(operation);
      return table;
    },
    mount: () => ({ path: '/', router, operations }),
  };
  return table;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Which methods each documented path accepts, for 405 + `Allow`. Matching follows express's defaults:
 * case-insensitive, optional trailing slash, a parameter matches one non-empty segment.
 */
export function createAllowLookup(operations: readonly Operation[]): (path: string) => string[] {
  const entries = new Map<string, { re: RegExp; methods: Set<string> }>();
  for (const op of operations) {
    let entry = entries.get(op.path);
    if (!entry) {
      const source = op.path
        .split(/(\{[A-Za-z_][A-Za-z0-9_]*\})/)
        .map((part) => (part.startsWith('{') ? '[^/]+' : escapeRegex(part)))
        .join('');
      entry = { re: new RegExp(`^${source}/?$`, 'i'), methods: new Set() };
      entries.set(op.path, entry);
    }
    entry.methods.add(op.method.toUpperCase());
  }
  return (path) => {
    const allowed = new Set<string>();
    for (const { re, methods } of entries.values()) if (re.test(path)) for (const m of methods) allowed.add(m);
    if (allowed.size === 0) return [];
    if (allowed.has('GET')) allowed.add('HEAD');
    allowed.add('OPTIONS');
    return [...allowed].sort();
  };
}
