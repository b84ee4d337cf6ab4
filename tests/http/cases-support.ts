/** An app with the analyst-review mounts on an in-memory store, and one API key per role. */
import type { Express } from 'express';
import { issueApiKey } from '../../src/auth/api-keys.js';
import { createAuth } from '../../src/auth/middleware.js';
import { loadConfig } from '../../src/config.js';
import { createApp } from '../../src/http/app.js';
import { createReviewMounts } from '../../src/http/routes/review.js';
import { createSqliteStore, type SqliteStore } from '../../src/store/sqlite-store.js';
import type { Role } from '../../src/store/store.js';
import { captureLogs, testClassifier, type LogCapture } from './support.js';

export interface ReviewApp {
  app: Express;
  store: SqliteStore;
  logs: LogCapture;
  /** `Authorization` header values per role (owners: ingest-bot, alice (analyst), root (admin)). */
  auth: Record<Role, string>;
  keys: Record<Role, string>;
}

export const OWNERS: Record<Role, string> = { ingest: 'ingest-bot', analyst: 'alice', admin: 'root' };

export async function reviewApp(options: { allowOpen?: boolean; withKeys?: boolean; env?: Record<string, string> } = {}): Promise<ReviewApp> {
  const store = createSqliteStore({ path: ':memory:' });
  const logs = captureLogs();
  const config = loadConfig(options.env ?? {});
  const classifier = testClassifier();
  const auth = createAuth({ store, allowOpen: options.allowOpen ?? false });
  const app = createApp({ classifier, logger: logs.logger, config, store, auth: auth.gate(), mounts: createReviewMounts({ config, classifier, store, auth }) });
  const keys = { ingest: '', analyst: '', admin: '' } as Record<Role, string>;
  if (options.withKeys ?? true) {
    for (const role of ['ingest', 'analyst', 'admin'] as const) keys[role] = (await issueApiKey(store, OWNERS[role], role)).key;
  }
  const header = (role: Role): string => `Bearer ${keys[role]}`;
  return { app, store, logs, keys, auth: { ingest: header('ingest'), analyst: header('analyst'), admin: header('admin') } };
}

export const WIRE = 'She wired $4,500 after an email that posed as her bank said her account was frozen.';
export const HACK =
  'The former contractor used a stolen admin password to log into the hospital billing server after his access was revoked, copied 40,000 patient records and deleted the backups.';
