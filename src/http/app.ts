/**
 * The app factory shared by the server entry, the tests and the benchmark. No side effects on import; every
 * dependency comes in through {@link AppDeps}.
 *
 * Order of the pipeline: request id → request log line → security headers → CORS (when configured) → auth →
 * rate limit → routes (core, then `mounts`) → 405/404 → problem errors. Routes parse their own bodies (json-body.ts), so a mounted router may stream another media type.
 *
 * Adding routes from another module without editing this file — pass `mounts`:
 *
 *   import { createRouteTable } from './route-table.js';
 *   const cases = createRouteTable();
 *   cases.add({ method: 'get', path: '/v1/cases/{id}', operationId: 'getCase', summary: 'One case',
 *               pathParams: z.object({ id: z.string() }), responses: { 200: { description: 'The case', schema: CaseSchema } },
 *               errors: ['CASE_NOT_FOUND'] },
 *             requireRole('reviewer'), async (req, res) => { … throw new AppError('CASE_NOT_FOUND', '…') … });
 *   createApp({ classifier, logger, config, store, mounts: [cases.mount()] });
 *
 * Operations of a route table are documented in /openapi.json and /docs and get 405 + Allow for wrong methods.
 * A plain express Router may be mounted too (`{ path: '/review', router }`); pass `operations` to document it.
 * Throw `AppError(code, detail, issues?)` (src/errors.ts) or call `sendProblem` (problem.ts) for errors; use
 * `jsonBody({ limit })` and `parseRequest(schema, req.body)` for JSON bodies; `req.id` / `req.log` are set.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { ClassifyExecutor } from '../batch/workers.js';
import type { Classifier } from '../classify/classifier.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { PACKAGE_ROOT } from '../paths.js';
import { cors } from './cors.js';
import { createOpenApiDocument } from './openapi.js';
import { errorHandler, sendProblem } from './problem.js';
import { installRequestLog } from './request-context.js';
import { requestId } from './request-id.js';
import { requestLogger } from './request-log.js';
import type { RateLimiter } from './rate-limit.js';
import { createAllowLookup, createRouteTable, type Mount, type Operation } from './route-table.js';
import { addClassifyRoutes } from './routes/classify.js';
import { addDocsRoutes } from './routes/docs.js';
import { addHealthRoutes, type ReadinessProbe } from './routes/health.js';
import { addTaxonomyRoutes } from './routes/taxonomy.js';
import { createRequestSchemas } from './schemas.js';
import { securityHeaders } from './security-headers.js';

export type AppConfig = Pick<Config, 'bodyLimit' | 'batchBodyLimit' | 'maxNarrativeChars' | 'maxBatchItems'> & Partial<Pick<Config, 'corsOrigins' | 'csvUploadLimit'>>;

/** Shared with the server: set `draining` on shutdown so /readyz fails and keep-alive clients are told to close. */
export interface AppLifecycle {
  draining: boolean;
}

export interface AppDeps {
  classifier: Classifier;
  logger: Logger;
  config: AppConfig;
  /** Optional store: readiness pings it. */
  store?: ReadinessProbe;
  /** Runs before every route, core and mounted: authentication and the role policy (src/auth/middleware.ts). */
  auth?: RequestHandler;
  /** Routers of other modules, mounted after the core routes and before the 404/405 fallback. */
  mounts?: readonly Mount[];
  lifecycle?: AppLifecycle;
  /**
   * Replaces the one-line request logger (request-log.ts). Only the HTTP benchmark uses it, to measure
   * pino-http and no logger inside the otherwise identical app; keep the default everywhere else.
   */
  requestLog?: RequestHandler;
  /** Per-caller rate limit (src/http/rate-limit.ts), mounted right after `auth`; the server builds it from config. */
  rateLimit?: RateLimiter;
  /** Classifies `/v1/classify` narratives off the event loop (the server's worker pool); inline when absent. */
  classifyExecutor?: ClassifyExecutor;
}

let packageVersion: string | undefined;
function version(): string {
  packageVersion ??= (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  return packageVersion;
}

export function createApp(deps: AppDeps): Express {
  const { classifier, logger, config } = deps;
  const lifecycle = deps.lifecycle ?? { draining: false };
  const isDraining = (): boolean => lifecycle.draining;
  const app = express();
  app.disable('x-powered-by');
  // Per-response ETags would hash every classification body; the cacheable routes set their own.
  app.set('etag', false);
  installRequestLog(app, logger);
  app.use(requestId({ isDraining }));
  app.use(deps.requestLog ?? requestLogger(logger));
  app.use(securityHeaders());
  const corsHandler = cors({ origins: config.corsOrigins ?? [] });
  if (corsHandler) app.use(corsHandler);
  if (deps.auth) app.use(deps.auth);
  if (deps.rateLimit) app.use(...deps.rateLimit.handlers);

  const core = createRouteTable();
  const schemas = createRequestSchemas(config);
  addHealthRoutes(core, { classifier, store: deps.store, isDraining, executor: deps.classifyExecutor });
  addClassifyRoutes(core, { classifier, schemas, bodyLimit: config.bodyLimit, batchBodyLimit: config.batchBodyLimit, executor: deps.classifyExecutor });
  addTaxonomyRoutes(core, classifier.taxonomy.source);

  const mounts = deps.mounts ?? [];
  const operations = (): Operation[] => [...core.operations, ...mounts.flatMap((m) => m.operations ?? [])];
  addDocsRoutes(core, {
    document: () =>
      createOpenApiDocument({
        title: 'ai-crime-classifier',
        version: version(),
        description:
          'Transparent rule-and-keyword triage of cyber-crime narratives to 18 U.S.C. §§ 1028/1028A, 1030 and 1343/1349, with AI-involvement and AI-agent exfiltration flags mapped to MITRE ATLAS. Suggestions are leads for an analyst, not legal conclusions. ' +
          `Taxonomy version ${classifier.taxonomyVersion}.`,
        operations: operations(),
      }),
    limits: config,
  });

  app.use(core.router);
  for (const m of mounts) app.use(m.path ?? '/', m.router);

  const allowed = createAllowLookup(operations());
  app.use((req, res) => {
    const methods = allowed(req.path);
    if (methods.length > 0) {
      sendProblem(req, res, new AppError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use ${methods.join(', ')}.`, undefined, { headers: { Allow: methods.join(', ') } }));
      return;
    }
    sendProblem(req, res, new AppError('NOT_FOUND', 'No route matches this path. See /docs for the endpoints.'));
  });
  app.use(errorHandler());
  return app;
}
