/**
 * The routers the server mounts beside the core API — analyst review (cases, decisions, keys, stats, the
 * /review page) and batch CSV jobs — in one place, so `npm start` and the full-app tests build the same app.
 * Add a module's mounts here; register its clean-up with `ctx.onShutdown` (run after in-flight requests end).
 */
import type { Mount } from './route-table.js';
import { createBatchMounts } from './routes/batches.js';
import { createReviewMounts } from './routes/review.js';
import type { ServerContext } from './start-server.js';

export function createServerMounts(ctx: ServerContext): Mount[] {
  const batches = createBatchMounts({ ...ctx, executor: () => Promise.resolve(ctx.executor) });
  ctx.onShutdown(() => batches.close());
  return [...createReviewMounts(ctx), ...batches.mounts];
}
