/**
 * Version 2: `case_heads`, one row per case pointing at its latest classification, with the queue's sort key
 * indexed, so a queue page walks an index instead of finding every case's latest classification and sorting
 * them all (measured at 20,000 cases: see README `## Analyst review`).
 *
 * It is a derived index, not a record: a trigger on the append-only `classifications` table keeps it current
 * (the one row per case is updated in place when a case is re-classified), and this migration builds it from
 * the events, so it can always be rebuilt from them.
 */
import type { Migration } from './migration.js';

export const migration002: Migration = {
  version: 2,
  name: 'case-heads',
  sql: `
CREATE TABLE case_heads (
  case_seq INTEGER PRIMARY KEY REFERENCES cases (seq),
  classification_id INTEGER NOT NULL REFERENCES classifications (id),
  priority_rank INTEGER NOT NULL,
  received_at TEXT NOT NULL
);
INSERT INTO case_heads (case_seq, classification_id, priority_rank, received_at)
  SELECT c.seq, k.id, k.priority_rank, c.received_at FROM cases c
  JOIN classifications k ON k.id = (SELECT max(x.id) FROM classifications x WHERE x.case_seq = c.seq);
CREATE INDEX case_heads_queue ON case_heads (priority_rank, received_at, case_seq);
CREATE TRIGGER classifications_head AFTER INSERT ON classifications BEGIN
  INSERT INTO case_heads (case_seq, classification_id, priority_rank, received_at)
    VALUES (new.case_seq, new.id, new.priority_rank, (SELECT received_at FROM cases WHERE seq = new.case_seq))
    ON CONFLICT (case_seq) DO UPDATE SET classification_id = excluded.classification_id, priority_rank = excluded.priority_rank;
END;
`,
};
