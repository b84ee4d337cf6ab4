/**
 * `GET /healthz`: the process is up (liveness). `GET /readyz`: the taxonomy is loaded, the store (when there is
 * one) answers, a classification worker is running (when there is a pool), and the server is not shutting down
 * (readiness: load balancers stop routing here while it drains).
 */
import type { ClassifyExecutor } from '../../batch/workers.js';
import type { Classifier } from '../../classify/classifier.js';
import { AppError } from '../../errors.js';
import { safeErrorFields } from '../problem.js';
import type { RouteTable } from '../route-table.js';
import { HealthSchema, ReadinessSchema } from '../schemas.js';

/** What readiness needs from a store: a cheap round trip that throws when the store is unusable. */
export interface ReadinessProbe {
  ping(): void | Promise<void>;
}

export interface HealthRoutesDeps {
  classifier: Classifier;
  store?: ReadinessProbe;
  isDraining: () => boolean;
  /** The classification worker pool, when there is one: not ready while it has no worker left. */
  executor?: ClassifyExecutor;
}

export function addHealthRoutes(table: RouteTable, deps: HealthRoutesDeps): void {
  table.add(
    {
      method: 'get',
      path: '/healthz',
      operationId: 'health',
      tags: ['operations'],
      summary: 'Liveness: the process is up',
      responses: { 200: { description: 'Up', schema: HealthSchema } },
    },
    (_req, res) => {
      res.json({ status: 'ok' });
    },
  );

  table.add(
    {
      method: 'get',
      path: '/readyz',
      operationId: 'ready',
      tags: ['operations'],
      summary: 'Readiness: taxonomy loaded, store reachable, not shutting down',
      responses: { 200: { description: 'Ready', schema: ReadinessSchema } },
      errors: ['NOT_READY'],
    },
    async (req, res) => {
      if (deps.isDraining()) throw new AppError('NOT_READY', 'The server is shutting down.');
      if (!deps.classifier.taxonomyVersion) throw new AppError('NOT_READY', 'The taxonomy is not loaded.');
      if (deps.executor?.available?.() === false) throw new AppError('NOT_READY', 'No classification worker is running.');
      if (deps.store) {
        try {
          await deps.store.ping();
        } catch (err) {
          req.log.warn({ error: safeErrorFields(err) }, 'store ping failed');
          throw new AppError('NOT_READY', 'The store does not answer.');
        }
      }
      res.json({ status: 'ready', taxonomyVersion: deps.classifier.taxonomyVersion, store: deps.store ? 'ok' : 'none' });
    },
  );
}
