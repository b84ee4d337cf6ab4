/**
 * Version 1: cases, their classifications and decisions as append-only events, narrative full-text search,
 * and hashed API keys. Triggers refuse UPDATE and DELETE on the event tables, so the audit trail cannot be
 * rewritten by a bug in this program either (only by someone editing the file by hand).
 */
import type { Migration } from './migration.js';

const appendOnly = (table: string): string => `
CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table} BEGIN SELECT RAISE(ABORT, '${table} are append-only'); END;
CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table} BEGIN SELECT RAISE(ABORT, '${table} are append-only'); END;`;

export const migration001: Migration = {
  version: 1,
  name: 'initial',
  sql: `
CREATE TABLE cases (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  external_id TEXT,
  source TEXT,
  narrative TEXT NOT NULL,
  received_at TEXT NOT NULL,
  created_at TEXT NOT NULL
);
-- An intake system that retries gets its existing case back instead of a duplicate.
CREATE UNIQUE INDEX cases_external ON cases (coalesce(source, ''), external_id) WHERE external_id IS NOT NULL;
CREATE INDEX cases_received ON cases (received_at);

CREATE TABLE classifications (
  id INTEGER PRIMARY KEY,
  case_seq INTEGER NOT NULL REFERENCES cases (seq),
  taxonomy_version TEXT NOT NULL,
  priority TEXT NOT NULL CHECK (priority IN ('sec4', 'statute', 'none')),
  -- sec4 first: AI-involved cases are the ones the product exists to surface.
  priority_rank INTEGER NOT NULL,
  ai_involved INTEGER NOT NULL,
  exfil_flagged INTEGER NOT NULL,
  result TEXT NOT NULL,
  reason TEXT NOT NULL CHECK (reason IN ('create', 'reclassify')),
  created_at TEXT NOT NULL
);
CREATE INDEX classifications_case ON classifications (case_seq, id);

-- What each classification suggests: one row per statute (subsection '') and per subsection code.
CREATE TABLE suggestions (
  classification_id INTEGER NOT NULL REFERENCES classifications (id),
  statute TEXT NOT NULL,
  subsection TEXT NOT NULL,
  score REAL NOT NULL,
  PRIMARY KEY (classification_id, statute, subsection)
) WITHOUT ROWID;

CREATE TABLE decisions (
  id INTEGER PRIMARY KEY,
  case_seq INTEGER NOT NULL REFERENCES cases (seq),
  statute TEXT NOT NULL,
  -- '' when the decision is about the whole statute (NULL would not compare equal in the label queries).
  subsection TEXT NOT NULL,
  decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject', 'add', 'needs-legal-review')),
  reason_code TEXT,
  note TEXT,
  reviewer TEXT NOT NULL,
  key_id TEXT,
  classification_id INTEGER NOT NULL REFERENCES classifications (id),
  taxonomy_version TEXT NOT NULL,
  case_version INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  CHECK (decision <> 'reject' OR reason_code IS NOT NULL)
);
CREATE INDEX decisions_case ON decisions (case_seq, statute, subsection, id);

CREATE VIRTUAL TABLE cases_fts USING fts5 (narrative, content = 'cases', content_rowid = 'seq', tokenize = 'porter unicode61');
CREATE TRIGGER cases_fts_insert AFTER INSERT ON cases BEGIN
  INSERT INTO cases_fts (rowid, narrative) VALUES (new.seq, new.narrative);
END;
${appendOnly('cases')}
${appendOnly('classifications')}
${appendOnly('suggestions')}
${appendOnly('decisions')}

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('ingest', 'analyst', 'admin')),
  hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE TRIGGER api_keys_no_delete BEFORE DELETE ON api_keys BEGIN SELECT RAISE(ABORT, 'api keys are revoked, not deleted'); END;
`,
};
