/**
 * Authentication and role checks for express. A key arrives as `Authorization: Bearer <key>` or
 * `X-API-Key: <key>`; it is hashed and looked up in the store on each request, so a key revoked with the CLI
 * stops working at once, even in a running server. Missing or unknown key → 401 UNAUTHORIZED; a key whose role
 * is not allowed → 403 FORBIDDEN (both problem+json through the app's error handler).
 *
 * Open mode: while the store holds no active key AND the server listens on loopback (`allowOpen`), requests
 * without a key run as the `open-mode` admin. Open mode is re-checked per request: creating the first key
 * closes it without a restart, and revoking every key on a non-loopback server locks it instead of opening it.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AppError } from '../errors.js';
import type { CaseStore, Role } from '../store/store.js';
import { hashApiKey } from './api-keys.js';
import { hasRole, type Principal } from './roles.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- declaration merging into express's global namespace
  namespace Express {
    interface Request {
      /** The authenticated caller, once an auth middleware ran. */
      principal?: Principal;
    }
  }
}

export const OPEN_MODE_OWNER = 'open-mode';
const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="ai-crime-classifier"' };
/** Longer than any key we issue; longer input is refused before hashing. */
const MAX_KEY_LENGTH = 200;

export interface AuthDeps {
  store: Pick<CaseStore, 'findApiKeyByHash' | 'countActiveApiKeys'>;
  /** Whether open mode is allowed at all: true only when the server listens on loopback. */
  allowOpen: boolean;
}

/** A route's role rule for {@link Auth.gate}: the first rule whose method and pattern match applies. */
export interface RoleRule {
  /** Upper-case method, or `*`. */
  method: string;
  pattern: RegExp;
  /** Allowed roles (admin is always allowed); empty: any authenticated caller; `public`: no key needed. */
  roles: readonly Role[] | 'public';
}

/**
 * Rules for routes this module does not register itself (the core API and batches). Routes mounted with
 * {@link Auth.require} check their own roles; every other `/v1` path needs some valid key.
 */
export const DEFAULT_RULES: readonly RoleRule[] = [
  { method: 'POST', pattern: /^\/v1\/classify(\/batch)?\/?$/i, roles: ['ingest'] },
  { method: '*', pattern: /^\/v1\/batch(es)?(\/|$)/i, roles: ['ingest'] },
  { method: '*', pattern: /^\/v1(\/|$)/i, roles: [] },
  // Health, docs, the OpenAPI document and the review page's static files carry nothing secret.
  { method: '*', pattern: /^/, roles: 'public' },
];

export interface Auth {
  /** Resolves the caller (or answers 401) and checks one of `roles` (or answers 403). */
  require(...roles: Role[]): RequestHandler;
  /** One middleware for the whole app, applying `rules` by method and path (default {@link DEFAULT_RULES}). */
  gate(rules?: readonly RoleRule[]): RequestHandler;
  /** The caller of a request, or an AppError to answer with. */
  resolve(req: Request): Promise<Principal | AppError>;
}

function credentials(req: Request): string | undefined | AppError {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!m?.[1]) return new AppError('UNAUTHORIZED', 'The Authorization header must be "Bearer <API key>".', undefined, { headers: CHALLENGE });
    return m[1];
  }
  const key = req.headers['x-api-key'];
  if (typeof key === 'string' && key.trim() !== '') return key.trim();
  return undefined;
}

export function createAuth(deps: AuthDeps): Auth {
  const { store, allowOpen } = deps;
  const openPrincipal: Principal = Object.freeze({ owner: OPEN_MODE_OWNER, role: 'admin', keyId: null, open: true });

  async function isOpen(): Promise<boolean> {
    return allowOpen && (await store.countActiveApiKeys()) === 0;
  }

  async function resolve(req: Request): Promise<Principal | AppError> {
    if (req.principal) return req.principal;
    const key = credentials(req);
    if (key instanceof AppError) return key;
    if (key !== undefined && key.length <= MAX_KEY_LENGTH) {
      const record = await store.findApiKeyByHash(hashApiKey(key));
      if (record) return (req.principal = { owner: record.owner, role: record.role, keyId: record.id, open: false });
    }
    // In open mode no key can be valid (there are none), so whatever was sent is ignored rather than refused.
    if (await isOpen()) return (req.principal = openPrincipal);
    return new AppError(
      'UNAUTHORIZED',
      key === undefined ? 'This endpoint needs an API key (Authorization: Bearer <key> or X-API-Key).' : 'The API key is not valid or was revoked.',
      undefined,
      { headers: CHALLENGE },
    );
  }

  function check(roles: readonly Role[]): (req: Request, res: Response, next: NextFunction) => void {
    return (req, _res, next) => {
      resolve(req).then(
        (p) => {
          if (p instanceof AppError) return next(p);
          if (roles.length > 0 && !hasRole(p, roles)) {
            return next(new AppError('FORBIDDEN', `This needs the ${roles.join(' or ')} role; the key of ${p.owner} has the ${p.role} role.`));
          }
          next();
        },
        (err: unknown) => next(err),
      );
    };
  }

  return {
    resolve,
    require: (...roles) => check(roles),
    gate(rules = DEFAULT_RULES) {
      const checks = new Map<RoleRule, RequestHandler>();
      for (const r of rules) if (r.roles !== 'public') checks.set(r, check(r.roles));
      return (req, res, next) => {
        const rule = rules.find((r) => (r.method === '*' || r.method === req.method) && r.pattern.test(req.path));
        const handler = rule && checks.get(rule);
        if (!handler) return next();
        handler(req, res, next);
      };
    },
  };
}
