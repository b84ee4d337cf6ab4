/** Shared set-up for the hardening tests: the full review app (keys per role) with optional rate limit and CORS. */
import type { Express } from 'express';
import { issueApiKey } from '../../src/auth/api-keys.js';
import { createAuth } from '../../src/auth/middleware.js';
import { loadConfig } from '../../src/config.js';
import { createApp } from '../../src/http/app.js';
import type { RateLimiter } from '../../src/http/rate-limit.js';
import { createReviewMounts } from '../../src/http/routes/review.js';
import { createSqliteStore, type SqliteStore } from '../../src/store/sqlite-store.js';
import type { Role } from '../../src/store/store.js';
import { captureLogs, testClassifier, type LogCapture } from '../http/support.js';

export interface HardenedApp {
  app: Express;
  store: SqliteStore;
  logs: LogCapture;
  /** Raw API keys per role. */
  keys: Record<Role, string>;
}

export async function hardenedApp(options: { env?: Record<string, string>; rateLimit?: RateLimiter; allowOpen?: boolean; withKeys?: boolean } = {}): Promise<HardenedApp> {
  const store = createSqliteStore({ path: ':memory:' });
  const logs = captureLogs();
  const config = loadConfig(options.env ?? {});
  const classifier = testClassifier();
  const auth = createAuth({ store, allowOpen: options.allowOpen ?? false });
  const app = createApp({
    classifier,
    logger: logs.logger,
    config,
    store,
    auth: auth.gate(),
    rateLimit: options.rateLimit,
    mounts: createReviewMounts({ config, classifier, store, auth }),
  });
  const keys = { ingest: '', analyst: '', admin: '' } as Record<Role, string>;
  if (options.withKeys ?? true) {
    for (const role of ['ingest', 'analyst', 'admin'] as const) keys[role] = (await issueApiKey(store, `${role}-owner`, role)).key;
  }
  return { app, store, logs, keys };
}

export const NARRATIVE = 'She wired $4,500 after an email that posed as her bank said her account was frozen.';
