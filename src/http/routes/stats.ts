/**
 * `GET /v1/stats` (analyst): per statute, what the rules suggested and what reviewers made of it — accepted,
 * rejected (with reason counts), added (misses), observed precision and recall — and how often two reviewers of
 * the same case and statute agreed (Cohen's kappa).
 */
import type { Auth } from '../../auth/middleware.js';
import type { CaseStore } from '../../store/store.js';
import { createRouteTable, type Mount } from '../route-table.js';
import { StatsSchema } from './case-schemas.js';

export function createStatsRoutes(deps: { store: CaseStore; auth: Auth }): Mount {
  const table = createRouteTable();
  table.add(
    {
      method: 'get',
      path: '/v1/stats',
      operationId: 'getStats',
      tags: ['review'],
      summary: 'Review statistics per statute: suggested, accepted, rejected, added, precision, reviewer agreement (analyst)',
      responses: { 200: { description: 'Statistics over the current labels', schema: StatsSchema, schemaName: 'Stats' } },
      errors: ['UNAUTHORIZED', 'FORBIDDEN'],
    },
    deps.auth.require('analyst'),
    async (_req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      res.json(await deps.store.stats());
    },
  );
  return table.mount();
}
