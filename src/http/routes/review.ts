/**
 * The review page (`/review`, static files from src/review-ui, no build step) and the one factory that builds
 * every analyst-review mount for the server: cases, stats, keys, re-classification and the page.
 *
 * The page's files are read once at start and served with a strict Content-Security-Policy: scripts and styles
 * only from this origin, no inline code, no framing, API calls only to this origin.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Response } from 'express';
import type { Auth } from '../../auth/middleware.js';
import { createAuth } from '../../auth/middleware.js';
import { isLoopbackHost } from '../../auth/startup.js';
import type { Classifier } from '../../classify/classifier.js';
import type { Config } from '../../config.js';
import { PACKAGE_ROOT } from '../../paths.js';
import type { CaseStore } from '../../store/store.js';
import { createRouteTable, type Mount } from '../route-table.js';
import { REVIEW_PAGE_CSP, setPagePolicy } from '../security-headers.js';
import { createCaseRoutes } from './cases.js';
import { createKeyRoutes } from './keys.js';
import { createReclassifyRoutes } from './reclassifications.js';
import { createStatsRoutes } from './stats.js';

export const REVIEW_UI_DIR = join(PACKAGE_ROOT, 'src', 'review-ui');

// The policy sits with the others in security-headers.ts, which also sets the shared headers (nosniff, no framing, no referrer) on every response.
export { REVIEW_PAGE_CSP };

const FILES = [
  { path: '/review', file: 'index.html', type: 'text/html; charset=utf-8' },
  { path: '/review/review.js', file: 'review.js', type: 'text/javascript; charset=utf-8' },
  { path: '/review/review.css', file: 'review.css', type: 'text/css; charset=utf-8' },
  { path: '/review/favicon.svg', file: 'favicon.svg', type: 'image/svg+xml' },
] as const;

export function createReviewPageRoutes(dir: string = REVIEW_UI_DIR): Mount {
  const table = createRouteTable();
  for (const f of FILES) {
    const body = readFileSync(join(dir, f.file));
    table.add(
      {
        method: 'get',
        path: f.path,
        operationId: `reviewPage_${f.file.replace(/\W/g, '_')}`,
        tags: ['review'],
        summary: f.file === 'index.html' ? 'The review page (HTML; its API calls need an analyst key)' : `Review page asset ${f.file}`,
        responses: { 200: { description: f.file, contentType: f.type.split(';')[0] } },
      },
      (_req, res: Response) => {
        setPagePolicy(res, REVIEW_PAGE_CSP);
        res.setHeader('Cache-Control', 'no-cache');
        res.type(f.type).send(body);
      },
    );
  }
  return table.mount();
}

export interface ReviewMountDeps {
  config: Pick<Config, 'host' | 'bodyLimit' | 'batchBodyLimit' | 'maxNarrativeChars' | 'maxBatchItems'>;
  classifier: Classifier;
  store: CaseStore | undefined;
  /** Default: key lookup in `store`, open mode allowed only on a loopback host. */
  auth?: Auth;
}

/** Every analyst-review mount; none without a store (there would be nothing to review). */
export function createReviewMounts(deps: ReviewMountDeps): Mount[] {
  const { store, classifier, config } = deps;
  if (!store) return [];
  const auth = deps.auth ?? createAuth({ store, allowOpen: isLoopbackHost(config.host) });
  return [
    createCaseRoutes({
      store,
      classifier,
      auth,
      bodyLimit: config.bodyLimit,
      batchBodyLimit: config.batchBodyLimit,
      maxNarrativeChars: config.maxNarrativeChars,
      maxBatchItems: config.maxBatchItems,
    }),
    createStatsRoutes({ store, auth }),
    createKeyRoutes({ store, auth, bodyLimit: config.bodyLimit }),
    createReclassifyRoutes({ store, classifier, auth, bodyLimit: config.bodyLimit }),
    createReviewPageRoutes(),
  ];
}
