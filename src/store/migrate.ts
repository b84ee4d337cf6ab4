/**
 * Applies pending schema migrations on open. Each runs in its own IMMEDIATE transaction together with its row
 * in `schema_migrations`, so a crash leaves the database at a whole version, and two processes opening the same
 * file at once cannot both apply one (the second waits for the lock, then sees it applied).
 */
import type { Database } from 'better-sqlite3';
import { StoreMigrationError } from './store.js';
import type { Migration } from './migrations/index.js';

export interface MigrationReport {
  from: number;
  to: number;
  applied: number[];
}

export function applyMigrations(db: Database, migrations: readonly Migration[]): MigrationReport {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new StoreMigrationError(`migration list is not 1..n: position ${i + 1} holds version ${m.version}`);
  });
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const current = (): number => (db.prepare('SELECT coalesce(max(version), 0) AS v FROM schema_migrations').get() as { v: number }).v;
  const from = current();
  const known = migrations.length;
  if (from > known) {
    throw new StoreMigrationError(`the database is at schema version ${from}, newer than this program knows (${known}); upgrade the program`);
  }
  const applied: number[] = [];
  const insert = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of migrations) {
    const run = db.transaction(() => {
      if (current() >= m.version) return false;
      db.exec(m.sql);
      insert.run(m.version, m.name, new Date().toISOString());
      return true;
    });
    if (run.immediate()) applied.push(m.version);
  }
  return { from, to: current(), applied };
}
