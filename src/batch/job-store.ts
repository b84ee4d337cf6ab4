/**
 * Batch jobs and their progress, persisted so a restart never loses one: a small interface and its SQLite
 * implementation (better-sqlite3, WAL). The jobs live in their own database file (default `data/jobs.sqlite`,
 * beside the case store), not in the case store's: the case store's interface is a repository of cases meant
 * to be swappable for PostgreSQL, while jobs are local to the machine that holds their files.
 *
 * The store keeps only metadata; a job's input and output files live in a directory per job (job-runner.ts).
 * `outputBytes`/`rowsDone` form a checkpoint: they are written only after the output file was synced, so on
 * restart the output can be cut back to `outputBytes` and the job continued from row `rowsDone + 1`.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { CSV_DELIMITERS, CSV_ENCODINGS } from './csv-in.js';

export const JOB_STATES = ['receiving', 'queued', 'running', 'done', 'failed'] as const;
/** receiving: the upload is arriving · queued · running · done: result ready · failed: see `error`. */
export type JobState = (typeof JOB_STATES)[number];

/** The options a job was submitted with (the query parameters of `POST /v1/batches`). */
export const BatchJobOptionsSchema = z.object({
  textColumn: z.string().optional(),
  idColumn: z.string().optional(),
  delimiter: z.enum(CSV_DELIMITERS).optional(),
  encoding: z.enum(CSV_ENCODINGS).optional(),
  format: z.enum(['csv', 'jsonl']),
  threshold: z.number().min(0).max(1).optional(),
  /** Store every classified row as a case (optional: jobs stored before persist existed have neither field). */
  persist: z.boolean().optional(),
  /** Case source with `persist`. */
  source: z.string().optional(),
});
export type BatchJobOptions = z.infer<typeof BatchJobOptionsSchema>;

export interface JobError {
  /** A code of the error catalog (src/errors.ts). */
  code: string;
  detail: string;
  /** Input line of a CSV error, when known. */
  line: number | null;
}

export interface JobRecord {
  id: string;
  state: JobState;
  options: BatchJobOptions;
  /** Size of the stored upload (after any Content-Encoding was undone); null while receiving. */
  inputBytes: number | null;
  /** The narrative column chosen, once known. */
  textColumn: string | null;
  taxonomyVersion: string | null;
  rowsDone: number;
  tagged: number;
  errors: number;
  /** Bytes of output known to be on disk for `rowsDone` rows (the checkpoint). */
  outputBytes: number;
  bytesRead: number;
  /** Running time summed over attempts. */
  elapsedMs: number;
  rowsPerSecond: number | null;
  /** With `persist`: cases created so far, as of the checkpoint. */
  casesCreated: number;
  /** With `persist`: rows already stored (same source and external id), as of the checkpoint; a resumed job's re-stored rows count here. */
  casesExisting: number;
  /** How many times a run started (a resume after a restart is one more). */
  attempts: number;
  error: JobError | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
}

/** Fields a runner may change. */
export type JobPatch = Partial<Omit<JobRecord, 'id' | 'options' | 'createdAt' | 'updatedAt'>>;

export interface JobStore {
  create(id: string, options: BatchJobOptions): JobRecord;
  get(id: string): JobRecord | undefined;
  update(id: string, patch: JobPatch): JobRecord | undefined;
  /** Jobs in any of `states`, oldest first. */
  list(states: readonly JobState[]): JobRecord[];
  delete(id: string): void;
  close(): void;
}

const SCHEMA_VERSION = 2;

const MIGRATION_1 = `
CREATE TABLE batch_jobs (
  id               TEXT PRIMARY KEY,
  state            TEXT NOT NULL CHECK (state IN ('receiving', 'queued', 'running', 'done', 'failed')),
  options          TEXT NOT NULL,
  input_bytes      INTEGER,
  text_column      TEXT,
  taxonomy_version TEXT,
  rows_done        INTEGER NOT NULL DEFAULT 0,
  tagged           INTEGER NOT NULL DEFAULT 0,
  errors           INTEGER NOT NULL DEFAULT 0,
  output_bytes     INTEGER NOT NULL DEFAULT 0,
  bytes_read       INTEGER NOT NULL DEFAULT 0,
  elapsed_ms       REAL    NOT NULL DEFAULT 0,
  rows_per_second  REAL,
  attempts         INTEGER NOT NULL DEFAULT 0,
  error_code       TEXT,
  error_detail     TEXT,
  error_line       INTEGER,
  created_at       TEXT NOT NULL,
  started_at       TEXT,
  finished_at      TEXT,
  updated_at       TEXT NOT NULL
);
CREATE INDEX batch_jobs_state ON batch_jobs (state, created_at);
`;

/** Case counts of jobs run with `persist` (issue 5). */
const MIGRATION_2 = `
ALTER TABLE batch_jobs ADD COLUMN cases_created  INTEGER NOT NULL DEFAULT 0;
ALTER TABLE batch_jobs ADD COLUMN cases_existing INTEGER NOT NULL DEFAULT 0;
`;

interface Row {
  id: string;
  state: JobState;
  options: string;
  input_bytes: number | null;
  text_column: string | null;
  taxonomy_version: string | null;
  rows_done: number;
  tagged: number;
  errors: number;
  output_bytes: number;
  bytes_read: number;
  elapsed_ms: number;
  rows_per_second: number | null;
  cases_created: number;
  cases_existing: number;
  attempts: number;
  error_code: string | null;
  error_detail: string | null;
  error_line: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
}

function fromRow(r: Row): JobRecord {
  return {
    id: r.id,
    state: r.state,
    options: BatchJobOptionsSchema.parse(JSON.parse(r.options)),
    inputBytes: r.input_bytes,
    textColumn: r.text_column,
    taxonomyVersion: r.taxonomy_version,
    rowsDone: r.rows_done,
    tagged: r.tagged,
    errors: r.errors,
    outputBytes: r.output_bytes,
    bytesRead: r.bytes_read,
    elapsedMs: r.elapsed_ms,
    rowsPerSecond: r.rows_per_second,
    casesCreated: r.cases_created,
    casesExisting: r.cases_existing,
    attempts: r.attempts,
    error: r.error_code === null ? null : { code: r.error_code, detail: r.error_detail ?? '', line: r.error_line },
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    updatedAt: r.updated_at,
  };
}

/** JobRecord field → column, for updates. */
const COLUMNS: Record<keyof JobPatch, string> = {
  state: 'state',
  inputBytes: 'input_bytes',
  textColumn: 'text_column',
  taxonomyVersion: 'taxonomy_version',
  rowsDone: 'rows_done',
  tagged: 'tagged',
  errors: 'errors',
  outputBytes: 'output_bytes',
  bytesRead: 'bytes_read',
  elapsedMs: 'elapsed_ms',
  rowsPerSecond: 'rows_per_second',
  casesCreated: 'cases_created',
  casesExisting: 'cases_existing',
  attempts: 'attempts',
  error: '',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
};

export interface SqliteJobStoreOptions {
  /** Database file, created with its directory; `:memory:` for a throw-away store. */
  path: string;
  /** Clock, for tests. */
  now?: () => Date;
}

export function createSqliteJobStore(options: SqliteJobStoreOptions): JobStore {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  const now = (): string => (options.now ?? (() => new Date()))().toISOString();
  db.pragma('journal_mode = WAL');
  // NORMAL is durable across a process crash in WAL mode (only a power loss can drop the last commit), and
  // the output file is synced before each checkpoint, so a lost checkpoint only repeats some rows.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) throw new Error(`${options.path}: job database schema ${version} is newer than this program (${SCHEMA_VERSION})`);
  if (version < SCHEMA_VERSION) {
    db.transaction(() => {
      if (version < 1) db.exec(MIGRATION_1);
      if (version < 2) db.exec(MIGRATION_2);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    })();
  }

  const insert = db.prepare<[string, string, string, string, string]>('INSERT INTO batch_jobs (id, state, options, created_at, updated_at) VALUES (?, ?, ?, ?, ?)');
  const select = db.prepare<[string], Row>('SELECT * FROM batch_jobs WHERE id = ?');
  const remove = db.prepare<[string]>('DELETE FROM batch_jobs WHERE id = ?');

  const get = (id: string): JobRecord | undefined => {
    const row = select.get(id);
    return row ? fromRow(row) : undefined;
  };

  return {
    create(id, jobOptions) {
      const at = now();
      insert.run(id, 'receiving', JSON.stringify(BatchJobOptionsSchema.parse(jobOptions)), at, at);
      return get(id) as JobRecord;
    },
    get,
    update(id, patch) {
      const sets: string[] = [];
      const values: (string | number | null)[] = [];
      for (const [key, value] of Object.entries(patch) as [keyof JobPatch, JobPatch[keyof JobPatch]][]) {
        if (value === undefined) continue;
        if (key === 'error') {
          const e = value as JobError | null;
          sets.push('error_code = ?', 'error_detail = ?', 'error_line = ?');
          values.push(e?.code ?? null, e?.detail ?? null, e?.line ?? null);
        } else {
          sets.push(`${COLUMNS[key]} = ?`);
          values.push(value as string | number | null);
        }
      }
      sets.push('updated_at = ?');
      values.push(now());
      db.prepare(`UPDATE batch_jobs SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
      return get(id);
    },
    list(states) {
      if (states.length === 0) return [];
      const rows = db.prepare<string[], Row>(`SELECT * FROM batch_jobs WHERE state IN (${states.map(() => '?').join(', ')}) ORDER BY created_at, rowid`).all(...states);
      return rows.map(fromRow);
    },
    delete(id) {
      remove.run(id);
    },
    close() {
      if (db.open) db.close();
    },
  };
}
