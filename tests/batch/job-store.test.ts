import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteJobStore } from '../../src/batch/job-store.js';
import { tempDir } from './helpers/http.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.reverse()) c();
  cleanups = [];
});

/** The job table as schema version 1 wrote it (before the case counts of persist). */
const V1 = `
CREATE TABLE batch_jobs (
  id TEXT PRIMARY KEY, state TEXT NOT NULL, options TEXT NOT NULL, input_bytes INTEGER, text_column TEXT, taxonomy_version TEXT,
  rows_done INTEGER NOT NULL DEFAULT 0, tagged INTEGER NOT NULL DEFAULT 0, errors INTEGER NOT NULL DEFAULT 0,
  output_bytes INTEGER NOT NULL DEFAULT 0, bytes_read INTEGER NOT NULL DEFAULT 0, elapsed_ms REAL NOT NULL DEFAULT 0,
  rows_per_second REAL, attempts INTEGER NOT NULL DEFAULT 0, error_code TEXT, error_detail TEXT, error_line INTEGER,
  created_at TEXT NOT NULL, started_at TEXT, finished_at TEXT, updated_at TEXT NOT NULL
);
INSERT INTO batch_jobs (id, state, options, rows_done, created_at, updated_at) VALUES ('old', 'done', '{"format":"csv"}', 7, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
PRAGMA user_version = 1;
`;

describe('job store migrations', () => {
  it('adds the case counts and keeps existing jobs when a version 1 database is opened', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const path = join(t.dir, 'jobs.sqlite');
    const v1 = new Database(path);
    v1.exec(V1);
    v1.close();

    const store = createSqliteJobStore({ path });
    cleanups.push(() => store.close());
    expect(store.get('old')).toMatchObject({ state: 'done', rowsDone: 7, options: { format: 'csv' }, casesCreated: 0, casesExisting: 0 });
    store.update('old', { casesCreated: 3, casesExisting: 4 });
    expect(store.get('old')).toMatchObject({ casesCreated: 3, casesExisting: 4 });
    store.close();

    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    db.close();
  });

  it('stores persist and source with the options when a job is created with them', () => {
    const store = createSqliteJobStore({ path: ':memory:' });
    cleanups.push(() => store.close());
    expect(store.create('j', { format: 'jsonl', persist: true, source: 'intake' }).options).toEqual({ format: 'jsonl', persist: true, source: 'intake' });
  });
});
