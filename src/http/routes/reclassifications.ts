/**
 * `POST /v1/reclassifications` (admin): after a taxonomy change (new TAXONOMY_DIR content and a restart), append a
 * new classification to every stored case whose taxonomy version differs. Decisions are kept; cases where the
 * new suggestions contradict a reviewer get `hasDisagreement` (filter the queue with `disagreement=true`).
 * Runs within the request, yielding to other requests between pages.
 */
import type { Auth } from '../../auth/middleware.js';
import type { Classifier } from '../../classify/classifier.js';
import { reclassifyCases } from '../../store/reclassify.js';
import type { CaseStore } from '../../store/store.js';
import { jsonBody } from '../json-body.js';
import { createRouteTable, type Mount } from '../route-table.js';
import { parseRequest } from '../validate.js';
import { ReclassifyResponseSchema, ReclassifySchema } from './case-schemas.js';

export function createReclassifyRoutes(deps: { store: CaseStore; classifier: Classifier; auth: Auth; bodyLimit: number }): Mount {
  const table = createRouteTable();
  table.add(
    {
      method: 'post',
      path: '/v1/reclassifications',
      operationId: 'reclassifyCases',
      tags: ['review'],
      summary: 'Re-classify stored cases with the loaded taxonomy, keeping every decision (admin)',
      requestBody: { schema: ReclassifySchema, example: { force: false } },
      responses: { 200: { description: 'What the run did', schema: ReclassifyResponseSchema } },
      errors: ['UNAUTHORIZED', 'FORBIDDEN', 'INVALID_REQUEST', 'MALFORMED_JSON', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE'],
    },
    deps.auth.require('admin'),
    jsonBody({ limit: deps.bodyLimit }),
    async (req, res) => {
      const { force } = parseRequest(ReclassifySchema, req.body);
      const report = await reclassifyCases(deps.store, deps.classifier, { force });
      req.log.info({ ...report }, 'cases re-classified');
      res.json(report);
    },
  );
  return table.mount();
}
