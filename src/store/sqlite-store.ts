/**
 * The embedded store: one SQLite file (better-sqlite3, WAL mode), migrated on open. Writes that check a case
 * version run in IMMEDIATE transactions, which take SQLite's write lock before reading, so two reviewers (or two
 * processes on the same file) cannot both pass the check.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Classification, Priority } from '../classify/result-schema.js';
import { StatuteCodeSchema, type StatuteCode } from '../taxonomy/schema.js';
import {
  cohensKappa,
  deriveDisagreements,
  deriveLabels,
  labelKey,
  outcomeOf,
  suggestionKeys,
  type DecisionEvent,
  type Outcome,
} from './labels.js';
import { applyMigrations, type MigrationReport } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';
import type { ReasonCode } from './reason-codes.js';
import {
  CaseNotFoundError,
  InvalidCursorError,
  InvalidDecisionError,
  VersionConflictError,
  type ApiKeyRecord,
  type CaseDetail,
  type CaseFilter,
  type CasePage,
  type CaseStore,
  type CaseSummary,
  type CaseToReclassify,
  type CreateCaseResult,
  type DecisionKind,
  type ExportedCase,
  type NewApiKey,
  type NewCase,
  type NewDecision,
  type Role,
  type Stats,
  type StatuteStats,
} from './store.js';

export interface SqliteStoreOptions {
  /** Database file; created with its directory when missing. `:memory:` for a throw-away store. */
  path: string;
  /** Clock, for tests. */
  now?: () => Date;
}

export interface SqliteStore extends CaseStore {
  readonly path: string;
  readonly migration: MigrationReport;
}

/** Relative to the working directory (`./data/`, as the issue asks); STORE_PATH overrides it (src/config.ts). */
export const DEFAULT_DATABASE_PATH = 'data/cases.db';

const PRIORITY_RANK: Record<Priority, number> = { sec4: 0, statute: 1, none: 2 };
const EXCERPT_LENGTH = 200;
const EXPORT_PAGE = 500;
const STATUTES = StatuteCodeSchema.options;

interface SummaryRow {
  seq: number;
  id: string;
  external_id: string | null;
  source: string | null;
  received_at: string;
  created_at: string;
  excerpt: string;
  cls_id: number;
  priority: Priority;
  priority_rank: number;
  ai_involved: number;
  exfil_flagged: number;
  taxonomy_version: string;
  n_cls: number;
  n_dec: number;
  suggested: string | null;
  reviewed: number;
  disagreement: number;
}

interface DecisionRow {
  id: number;
  statute: StatuteCode;
  subsection: string;
  decision: DecisionKind;
  reason_code: ReasonCode | null;
  note: string | null;
  reviewer: string;
  classification_id: number;
  taxonomy_version: string;
  case_version: number;
  created_at: string;
}

interface KeyRow {
  id: string;
  owner: string;
  role: Role;
  prefix: string;
  created_at: string;
  revoked_at: string | null;
}

/**
 * Every summary field of a case, computed from its events. `k` is the case's latest classification.
 * reviewed: some decision, and every suggested statute has one (see deriveStatus in labels.ts).
 * disagreement: a current label decided on an earlier classification that the latest one contradicts
 * (see deriveDisagreements in labels.ts).
 */
const REVIEWED_EXPR = `(EXISTS (SELECT 1 FROM decisions d WHERE d.case_seq = c.seq)
   AND NOT EXISTS (SELECT 1 FROM suggestions s WHERE s.classification_id = k.id AND s.subsection = ''
     AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.case_seq = c.seq AND d.statute = s.statute)))`;

const DISAGREEMENT_EXPR = `EXISTS (SELECT 1 FROM decisions d
    WHERE d.case_seq = c.seq AND d.classification_id < k.id
      AND d.id = (SELECT max(d2.id) FROM decisions d2
                  WHERE d2.case_seq = d.case_seq AND d2.statute = d.statute AND d2.subsection = d.subsection)
      AND ((d.decision IN ('accept', 'add') AND NOT EXISTS (SELECT 1 FROM suggestions s
              WHERE s.classification_id = k.id AND s.statute = d.statute AND s.subsection = d.subsection))
        OR (d.decision = 'reject' AND EXISTS (SELECT 1 FROM suggestions s
              WHERE s.classification_id = k.id AND s.statute = d.statute AND s.subsection = d.subsection))))`;

/** Every case `c` joined to its latest classification `k` through `case_heads` `h` (migration 002). */
const CASE_HEADS = `FROM case_heads h
JOIN cases c ON c.seq = h.case_seq
JOIN classifications k ON k.id = h.classification_id`;

const SUMMARY_SELECT = `
SELECT c.seq, c.id, c.external_id, c.source, c.received_at, c.created_at,
  substr(c.narrative, 1, ${EXCERPT_LENGTH}) AS excerpt,
  k.id AS cls_id, k.priority, k.priority_rank, k.ai_involved, k.exfil_flagged, k.taxonomy_version,
  (SELECT count(*) FROM classifications x WHERE x.case_seq = c.seq) AS n_cls,
  (SELECT count(*) FROM decisions d WHERE d.case_seq = c.seq) AS n_dec,
  (SELECT group_concat(statute, ';') FROM
     (SELECT s.statute FROM suggestions s WHERE s.classification_id = k.id AND s.subsection = '' ORDER BY s.statute)) AS suggested,
  ${REVIEWED_EXPR} AS reviewed,
  ${DISAGREEMENT_EXPR} AS disagreement
${CASE_HEADS}`;

export function createSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const now = options.now ?? (() => new Date());
  const inMemory = options.path === ':memory:';
  if (!inMemory) mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  // WAL: readers (the review page, exports) never block the writer and vice versa.
  db.pragma('journal_mode = WAL');
  // FULL: a decision the API acknowledged must survive a power cut; decisions are few, so the fsync is cheap.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // Another process (the keys CLI, a second instance) may hold the write lock for a moment.
  db.pragma('busy_timeout = 5000');
  let migration: MigrationReport;
  try {
    migration = applyMigrations(db, MIGRATIONS);
  } catch (err) {
    db.close();
    throw err;
  }

  const stmt = {
    caseSeq: db.prepare<[string], { seq: number }>('SELECT seq FROM cases WHERE id = ?'),
    byExternal: db.prepare<[string | null, string], { seq: number }>(
      "SELECT seq FROM cases WHERE coalesce(source, '') = coalesce(?, '') AND external_id = ?",
    ),
    insertCase: db.prepare(
      'INSERT INTO cases (id, external_id, source, narrative, received_at, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    insertClassification: db.prepare(
      `INSERT INTO classifications (case_seq, taxonomy_version, priority, priority_rank, ai_involved, exfil_flagged, result, reason, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertSuggestion: db.prepare('INSERT INTO suggestions (classification_id, statute, subsection, score) VALUES (?, ?, ?, ?)'),
    summaryBySeq: db.prepare<[number], SummaryRow>(`${SUMMARY_SELECT} WHERE h.case_seq = ?`),
    narrative: db.prepare<[number], { narrative: string }>('SELECT narrative FROM cases WHERE seq = ?'),
    classification: db.prepare<[number], { result: string; created_at: string }>('SELECT result, created_at FROM classifications WHERE id = ?'),
    history: db.prepare<[number], { taxonomy_version: string; created_at: string; reason: 'create' | 'reclassify' }>(
      'SELECT taxonomy_version, created_at, reason FROM classifications WHERE case_seq = ? ORDER BY id',
    ),
    decisions: db.prepare<[number], DecisionRow>(
      `SELECT id, statute, subsection, decision, reason_code, note, reviewer, classification_id, taxonomy_version, case_version, created_at
       FROM decisions WHERE case_seq = ? ORDER BY id`,
    ),
    insertDecision: db.prepare(
      `INSERT INTO decisions (case_seq, statute, subsection, decision, reason_code, note, reviewer, key_id, classification_id, taxonomy_version, case_version, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    toReclassify: db.prepare<[number, number], { seq: number; id: string; narrative: string }>(
      'SELECT seq, id, narrative FROM cases WHERE seq > ? ORDER BY seq LIMIT ?',
    ),
    reviewedPage: db.prepare<[number, number], SummaryRow>(
      `SELECT * FROM (${SUMMARY_SELECT} WHERE h.case_seq > ?) WHERE reviewed ORDER BY seq LIMIT ?`,
    ),
    insertKey: db.prepare('INSERT INTO api_keys (id, owner, role, hash, prefix, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
    keys: db.prepare<[], KeyRow>('SELECT id, owner, role, prefix, created_at, revoked_at FROM api_keys ORDER BY created_at, id'),
    keyById: db.prepare<[string], KeyRow>('SELECT id, owner, role, prefix, created_at, revoked_at FROM api_keys WHERE id = ?'),
    keyByHash: db.prepare<[string], KeyRow>(
      'SELECT id, owner, role, prefix, created_at, revoked_at FROM api_keys WHERE hash = ? AND revoked_at IS NULL',
    ),
    revokeKey: db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    activeKeys: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM api_keys WHERE revoked_at IS NULL'),
  };

  function toSummary(r: SummaryRow): CaseSummary {
    return {
      id: r.id,
      externalId: r.external_id,
      source: r.source,
      receivedAt: r.received_at,
      createdAt: r.created_at,
      version: r.n_cls + r.n_dec,
      status: r.reviewed ? 'reviewed' : 'pending',
      priority: r.priority,
      aiInvolved: r.ai_involved === 1,
      exfiltrationFlagged: r.exfil_flagged === 1,
      suggested: r.suggested ? (r.suggested.split(';') as StatuteCode[]) : [],
      taxonomyVersion: r.taxonomy_version,
      decisionCount: r.n_dec,
      hasDisagreement: r.disagreement === 1,
      excerpt: r.excerpt,
    };
  }

  function toDecision(r: DecisionRow): DecisionEvent {
    return {
      id: r.id,
      statute: r.statute,
      subsection: r.subsection === '' ? null : r.subsection,
      decision: r.decision,
      reasonCode: r.reason_code,
      note: r.note,
      reviewer: r.reviewer,
      taxonomyVersion: r.taxonomy_version,
      caseVersion: r.case_version,
      decidedAt: r.created_at,
      classificationId: r.classification_id,
    };
  }

  function detailBySeq(seq: number): CaseDetail | undefined {
    const row = stmt.summaryBySeq.get(seq);
    if (!row) return undefined;
    const cls = stmt.classification.get(row.cls_id);
    const narrative = stmt.narrative.get(seq);
    if (!cls || !narrative) return undefined;
    const classification = JSON.parse(cls.result) as Classification;
    const events = stmt.decisions.all(seq).map(toDecision);
    const suggested = suggestionKeys(classification);
    return {
      ...toSummary(row),
      narrative: narrative.narrative,
      classification,
      classifiedAt: cls.created_at,
      labels: deriveLabels(events, suggested),
      disagreements: deriveDisagreements(events, { id: row.cls_id, taxonomyVersion: row.taxonomy_version, suggested }),
      decisions: events.map(({ classificationId: _c, ...d }) => d),
      classificationHistory: stmt.history.all(seq).map((h) => ({ taxonomyVersion: h.taxonomy_version, classifiedAt: h.created_at, reason: h.reason })),
    };
  }

  function insertClassification(caseSeq: number, c: Classification, reason: 'create' | 'reclassify'): void {
    const info = stmt.insertClassification.run(
      caseSeq,
      c.taxonomyVersion,
      c.priority,
      PRIORITY_RANK[c.priority],
      c.ai.involved ? 1 : 0,
      c.exfiltration.flagged ? 1 : 0,
      JSON.stringify(c),
      reason,
      now().toISOString(),
    );
    const clsId = Number(info.lastInsertRowid);
    for (const s of c.suggestions) {
      stmt.insertSuggestion.run(clsId, s.statute, '', s.score);
      const seen = new Set<string>();
      for (const sub of s.subsections) {
        if (seen.has(sub.code)) continue;
        seen.add(sub.code);
        stmt.insertSuggestion.run(clsId, s.statute, sub.code, sub.score);
      }
    }
  }

  /** Loads the case for a version-checked write, or throws not-found / conflict. */
  function lockedCase(caseId: string, expectedVersion: number): { seq: number; detail: CaseDetail; clsId: number } {
    const seq = stmt.caseSeq.get(caseId)?.seq;
    if (seq === undefined) throw new CaseNotFoundError(caseId);
    const row = stmt.summaryBySeq.get(seq);
    const detail = detailBySeq(seq);
    if (!row || !detail) throw new CaseNotFoundError(caseId);
    if (detail.version !== expectedVersion) throw new VersionConflictError(expectedVersion, detail);
    return { seq, detail, clsId: row.cls_id };
  }

  const createCasesTx = db.transaction((cases: NewCase[]): CreateCaseResult[] =>
    cases.map((c) => {
      if (c.externalId !== undefined) {
        const existing = stmt.byExternal.get(c.source ?? null, c.externalId);
        if (existing) return { case: summaryOf(existing.seq), created: false };
      }
      const id = randomUUID();
      const createdAt = now().toISOString();
      const receivedAt = c.receivedAt === undefined ? createdAt : new Date(c.receivedAt).toISOString();
      const info = stmt.insertCase.run(id, c.externalId ?? null, c.source ?? null, c.narrative, receivedAt, createdAt);
      const seq = Number(info.lastInsertRowid);
      // The stored result carries the case id, whatever id the caller classified it under.
      insertClassification(seq, { ...c.classification, id }, 'create');
      return { case: summaryOf(seq), created: true };
    }),
  );

  function summaryOf(seq: number): CaseSummary {
    const row = stmt.summaryBySeq.get(seq);
    if (!row) throw new Error(`case ${seq} vanished inside its own transaction`);
    return toSummary(row);
  }

  const addDecisionTx = db.transaction((d: NewDecision): CaseDetail => {
    const { seq, detail, clsId } = lockedCase(d.caseId, d.expectedVersion);
    const subsection = d.subsection ?? null;
    const key = labelKey(d.statute, subsection);
    const suggested = suggestionKeys(detail.classification).has(key);
    const what = subsection ?? d.statute;
    if (d.decision === 'add' && suggested) throw new InvalidDecisionError(`${what} is already suggested: accept it instead of adding it`, ['decision']);
    if (d.decision === 'accept' && !suggested) throw new InvalidDecisionError(`${what} is not suggested: add it instead of accepting it`, ['decision']);
    if (d.decision === 'reject' && !d.reasonCode) throw new InvalidDecisionError('a rejection needs a reason code', ['reasonCode']);
    if ((d.decision === 'accept' || d.decision === 'add') && d.reasonCode) {
      throw new InvalidDecisionError('reason codes explain rejections and legal-review requests, not acceptances', ['reasonCode']);
    }
    if (d.reasonCode === 'OTHER' && !d.note?.trim()) throw new InvalidDecisionError('reason code OTHER needs a note saying why', ['note']);
    stmt.insertDecision.run(
      seq,
      d.statute,
      subsection ?? '',
      d.decision,
      d.reasonCode ?? null,
      d.note?.trim() ? d.note : null,
      d.reviewer,
      d.keyId ?? null,
      clsId,
      detail.taxonomyVersion,
      d.expectedVersion,
      now().toISOString(),
    );
    const after = detailBySeq(seq);
    if (!after) throw new CaseNotFoundError(d.caseId);
    return after;
  });

  const appendClassificationTx = db.transaction((caseId: string, c: Classification, expectedVersion: number): CaseDetail => {
    const { seq } = lockedCase(caseId, expectedVersion);
    insertClassification(seq, { ...c, id: caseId }, 'reclassify');
    const after = detailBySeq(seq);
    if (!after) throw new CaseNotFoundError(caseId);
    return after;
  });

  function listCases(filter: CaseFilter, page: { cursor?: string | undefined; limit: number }): CasePage {
    // Two steps: choose the page by the indexed sort key (and only the filters asked for), then build the
    // summaries of that page alone.
    const where: string[] = [];
    const params: Record<string, string | number> = {};
    if (filter.status) where.push(filter.status === 'reviewed' ? REVIEWED_EXPR : `NOT ${REVIEWED_EXPR}`);
    if (filter.hasDisagreement !== undefined) where.push(filter.hasDisagreement ? DISAGREEMENT_EXPR : `NOT ${DISAGREEMENT_EXPR}`);
    if (filter.aiInvolved !== undefined) {
      where.push('k.ai_involved = @ai');
      params.ai = filter.aiInvolved ? 1 : 0;
    }
    if (filter.exfiltrationFlagged !== undefined) {
      where.push('k.exfil_flagged = @xf');
      params.xf = filter.exfiltrationFlagged ? 1 : 0;
    }
    if (filter.priority && filter.priority.length > 0) {
      const names = filter.priority.map((p, i) => {
        params[`p${i}`] = p;
        return `@p${i}`;
      });
      where.push(`k.priority IN (${names.join(', ')})`);
    }
    if (filter.statute) {
      params.statute = filter.statute;
      where.push(`(EXISTS (SELECT 1 FROM suggestions s WHERE s.classification_id = k.id AND s.statute = @statute AND s.subsection = '')
        OR EXISTS (SELECT 1 FROM decisions d WHERE d.case_seq = c.seq AND d.statute = @statute AND d.decision IN ('accept', 'add')
          AND d.id = (SELECT max(d2.id) FROM decisions d2 WHERE d2.case_seq = d.case_seq AND d2.statute = d.statute AND d2.subsection = d.subsection)))`);
    }
    if (filter.receivedFrom) {
      params.from = new Date(filter.receivedFrom).toISOString();
      where.push('c.received_at >= @from');
    }
    if (filter.receivedTo) {
      params.to = new Date(filter.receivedTo).toISOString();
      where.push('c.received_at < @to');
    }
    if (filter.text !== undefined) {
      const match = toFtsQuery(filter.text);
      // No searchable word (only punctuation): nothing can match.
      if (match === undefined) return { items: [] };
      params.q = match;
      where.push('c.seq IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH @q)');
    }
    if (page.cursor !== undefined) {
      const [rank, received, seq] = decodeCursor(page.cursor);
      Object.assign(params, { cr: rank, cv: received, cs: seq });
      where.push('(h.priority_rank, h.received_at, h.case_seq) > (@cr, @cv, @cs)');
    }
    params.limit = page.limit + 1;
    // The ORDER BY is the case_heads_queue index: SQLite walks it and stops after limit + 1 matches.
    const sql = `SELECT c.seq, h.priority_rank, h.received_at ${CASE_HEADS} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY h.priority_rank, h.received_at, h.case_seq LIMIT @limit`;
    const rows = db.prepare<[Record<string, string | number>], { seq: number; priority_rank: number; received_at: string }>(sql).all(params);
    const more = rows.length > page.limit;
    const chosen = rows.slice(0, page.limit);
    const last = chosen[chosen.length - 1];
    return {
      items: chosen.map((r) => summaryOf(r.seq)),
      nextCursor: more && last ? encodeCursor([last.priority_rank, last.received_at, last.seq]) : undefined,
    };
  }

  function stats(): Stats {
    const totals = db
      .prepare<[], { cases: number; reviewed: number | null }>(`SELECT count(*) AS cases, sum(reviewed) AS reviewed FROM (${SUMMARY_SELECT})`)
      .get() ?? { cases: 0, reviewed: 0 };
    const dec = db.prepare<[], { n: number; reviewers: number }>('SELECT count(*) AS n, count(DISTINCT reviewer) AS reviewers FROM decisions').get() ?? {
      n: 0,
      reviewers: 0,
    };
    // Current statute-level suggestions, one row per case and statute.
    const suggested = db
      .prepare<[], { case_seq: number; statute: StatuteCode }>(
        `SELECT h.case_seq, s.statute FROM case_heads h
         JOIN suggestions s ON s.classification_id = h.classification_id AND s.subsection = ''`,
      )
      .all();
    const suggestedSet = new Set(suggested.map((r) => `${r.case_seq}|${r.statute}`));
    // Every statute-level decision in order: the latest per (case, statute) is the label; the first two
    // reviewers' latest decisions form the agreement pair.
    const decisions = db
      .prepare<[], { case_seq: number; statute: StatuteCode; decision: DecisionKind; reason_code: ReasonCode | null; reviewer: string }>(
        `SELECT case_seq, statute, decision, reason_code, reviewer FROM decisions WHERE subsection = '' ORDER BY id`,
      )
      .all();
    const labels = new Map<string, { statute: StatuteCode; decision: DecisionKind; reason: ReasonCode | null }>();
    const byReviewer = new Map<string, { statute: StatuteCode; reviewers: Map<string, DecisionKind> }>();
    for (const d of decisions) {
      const k = `${d.case_seq}|${d.statute}`;
      labels.set(k, { statute: d.statute, decision: d.decision, reason: d.reason_code });
      let entry = byReviewer.get(k);
      if (!entry) byReviewer.set(k, (entry = { statute: d.statute, reviewers: new Map() }));
      // Map keeps first-insertion order, so the first two keys are the first two reviewers.
      entry.reviewers.set(d.reviewer, d.decision);
    }
    const pairsByStatute = new Map<StatuteCode, [Outcome, Outcome][]>();
    for (const { statute, reviewers } of byReviewer.values()) {
      if (reviewers.size < 2) continue;
      const [a, b] = [...reviewers.values()];
      if (a === undefined || b === undefined) continue;
      const list = pairsByStatute.get(statute) ?? [];
      list.push([outcomeOf(a), outcomeOf(b)]);
      pairsByStatute.set(statute, list);
    }
    const perStatute: StatuteStats[] = STATUTES.map((statute) => {
      const s: StatuteStats = {
        statute,
        suggested: 0,
        accepted: 0,
        rejected: 0,
        needsLegalReview: 0,
        pending: 0,
        added: 0,
        precision: null,
        observedRecall: null,
        rejectReasons: {},
        agreement: cohensKappa(pairsByStatute.get(statute) ?? []),
      };
      for (const r of suggested) {
        if (r.statute !== statute) continue;
        s.suggested++;
        if (!labels.has(`${r.case_seq}|${statute}`)) s.pending++;
      }
      for (const [k, l] of labels) {
        if (l.statute !== statute) continue;
        const isSuggested = suggestedSet.has(k);
        if (l.decision === 'reject') {
          if (isSuggested) s.rejected++;
          if (l.reason) s.rejectReasons[l.reason] = (s.rejectReasons[l.reason] ?? 0) + 1;
        } else if (l.decision === 'needs-legal-review') {
          if (isSuggested) s.needsLegalReview++;
        } else if (isSuggested) s.accepted++;
        else s.added++;
      }
      s.precision = ratio(s.accepted, s.accepted + s.rejected);
      s.observedRecall = ratio(s.accepted, s.accepted + s.added);
      return s;
    });
    return {
      cases: totals.cases,
      reviewedCases: totals.reviewed ?? 0,
      pendingCases: totals.cases - (totals.reviewed ?? 0),
      decisions: dec.n,
      reviewers: dec.reviewers,
      statutes: perStatute,
      agreement: cohensKappa([...pairsByStatute.values()].flat()),
    };
  }

  async function* exportReviewed(): AsyncIterable<ExportedCase> {
    let after = 0;
    for (;;) {
      // Page by key so no statement stays open across a yield (better-sqlite3 forbids other statements on the
      // connection while an iterator is open, and other requests run between yields).
      const rows = stmt.reviewedPage.all(after, EXPORT_PAGE);
      if (rows.length === 0) return;
      const page = rows.map((r) => detailBySeq(r.seq)).filter((d): d is CaseDetail => d !== undefined);
      after = rows[rows.length - 1]?.seq ?? after;
      for (const d of page) {
        yield {
          id: d.id,
          externalId: d.externalId,
          source: d.source,
          receivedAt: d.receivedAt,
          narrative: d.narrative,
          taxonomyVersion: d.taxonomyVersion,
          suggested: d.suggested,
          aiInvolved: d.aiInvolved,
          exfiltrationFlagged: d.exfiltrationFlagged,
          labels: d.labels,
        };
      }
      if (rows.length < EXPORT_PAGE) return;
      // Let pending I/O (other requests) run between pages of a large export.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  const toKey = (r: KeyRow): ApiKeyRecord => ({ id: r.id, owner: r.owner, role: r.role, prefix: r.prefix, createdAt: r.created_at, revokedAt: r.revoked_at });
  let closed = false;

  return {
    path: options.path,
    migration,
    createCases: (cases) => settle(() => createCasesTx.immediate(cases)),
    getCase: (id) =>
      settle(() => {
        const seq = stmt.caseSeq.get(id)?.seq;
        return seq === undefined ? undefined : detailBySeq(seq);
      }),
    listCases: (filter, page) => settle(() => listCases(filter, page)),
    addDecision: (d) => settle(() => addDecisionTx.immediate(d)),
    appendClassification: (id, c, v) => settle(() => appendClassificationTx.immediate(id, c, v)),
    casesToReclassify: (after, limit) =>
      settle(() => {
        const from = after === undefined ? 0 : (stmt.caseSeq.get(after)?.seq ?? Number.MAX_SAFE_INTEGER);
        return stmt.toReclassify.all(from, limit).map((r): CaseToReclassify => {
          const s = summaryOf(r.seq);
          return { id: r.id, narrative: r.narrative, version: s.version, taxonomyVersion: s.taxonomyVersion };
        });
      }),
    exportReviewed,
    stats: () => settle(stats),
    createApiKey: (k: NewApiKey) =>
      settle(() => {
        const id = `key_${randomBytes(8).toString('hex')}`;
        stmt.insertKey.run(id, k.owner, k.role, k.hash, k.prefix, now().toISOString());
        const row = stmt.keyById.get(id);
        if (!row) throw new Error('the new key was not stored');
        return toKey(row);
      }),
    listApiKeys: () => settle(() => stmt.keys.all().map(toKey)),
    revokeApiKey: (id) =>
      settle(() => {
        stmt.revokeKey.run(now().toISOString(), id);
        const row = stmt.keyById.get(id);
        return row ? toKey(row) : undefined;
      }),
    findApiKeyByHash: (hash) =>
      settle(() => {
        const row = stmt.keyByHash.get(hash);
        return row ? toKey(row) : undefined;
      }),
    countActiveApiKeys: () => settle(() => stmt.activeKeys.get()?.n ?? 0),
    ping: () =>
      settle(() => {
        db.prepare('SELECT 1 AS ok').get();
      }),
    close: () =>
      settle(() => {
        if (!closed) {
          closed = true;
          db.close();
        }
      }),
  };
}

/** Runs a synchronous store operation as a promise: its exceptions become rejections, not synchronous throws. */
function settle<T>(fn: () => T): Promise<T> {
  return new Promise((resolve) => resolve(fn()));
}

function ratio(a: number, b: number): number | null {
  return b === 0 ? null : Math.round((a / b) * 10_000) / 10_000;
}

type Cursor = [number, string, number];

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(s: string): Cursor {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 3 && Number.isInteger(v[0]) && typeof v[1] === 'string' && Number.isInteger(v[2])) {
      return [v[0] as number, v[1], v[2] as number];
    }
  } catch {
    // fall through: any undecodable cursor is the same client error
  }
  throw new InvalidCursorError();
}

/**
 * User text → an FTS5 query that cannot be a syntax error: the words only, each quoted (so AND/OR/NEAR are
 * plain words), all required, the last one also as a prefix so search-as-you-type works.
 */
export function toFtsQuery(text: string): string | undefined {
  const words = text.match(/[\p{L}\p{N}]+/gu)?.slice(0, 20);
  if (!words || words.length === 0) return undefined;
  return words.map((w, i) => `"${w}"${i === words.length - 1 ? ' *' : ''}`).join(' ');
}
