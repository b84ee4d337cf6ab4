import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadClassifier } from '../../src/classify/load-classifier.js';
import { deriveStatus } from '../../src/store/labels.js';
import { applyMigrations } from '../../src/store/migrate.js';
import { migration001 } from '../../src/store/migrations/001-initial.js';
import { createSqliteStore, toFtsQuery, type SqliteStore } from '../../src/store/sqlite-store.js';
import { CaseNotFoundError, InvalidCursorError, InvalidDecisionError, VersionConflictError, type NewDecision } from '../../src/store/store.js';
import { makeClassification } from './make-classification.js';

let dir: string;
let store: SqliteStore;
let clock: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-test-'));
  clock = Date.parse('2025-01-01T00:00:00.000Z');
  // A clock that ticks one second per call keeps created/decided times distinct and ordered.
  store = createSqliteStore({ path: join(dir, 'sub', 'cases.db'), now: () => new Date((clock += 1000)) });
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function createOne(opts: Parameters<typeof makeClassification>[0] = {}, extra: { externalId?: string; source?: string; receivedAt?: string; narrative?: string } = {}) {
  const [r] = await store.createCases([{ narrative: extra.narrative ?? 'She wired money after a spoofed email.', classification: makeClassification(opts), ...extra }]);
  if (!r) throw new Error('no case created');
  return r.case;
}

function decision(caseId: string, expectedVersion: number, d: Partial<NewDecision> = {}): NewDecision {
  return { caseId, expectedVersion, statute: '1343', decision: 'accept', reviewer: 'alice', ...d };
}

describe('migrations', () => {
  it('creates the schema from an empty file in WAL mode and applies nothing on reopen', async () => {
    expect(store.migration).toEqual({ from: 0, to: 2, applied: [1, 2] });
    const raw = new Database(store.path, { readonly: true });
    const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['api_keys', 'case_heads', 'cases', 'classifications', 'decisions', 'schema_migrations', 'suggestions']));
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    await store.close();
    store = createSqliteStore({ path: join(dir, 'sub', 'cases.db') });
    expect(store.migration).toEqual({ from: 2, to: 2, applied: [] });
  });

  it('upgrades a version-1 database with cases in it, building the queue index from the events', async () => {
    await store.close();
    const path = join(dir, 'v1.db');
    const raw = new Database(path);
    applyMigrations(raw, [migration001]);
    raw.prepare("INSERT INTO cases (id, narrative, received_at, created_at) VALUES ('a', 'x', '2025-01-02T00:00:00.000Z', 'now'), ('b', 'y', '2025-01-01T00:00:00.000Z', 'now')").run();
    const cls = (seq: number, rank: number, priority: string) =>
      raw
        .prepare("INSERT INTO classifications (case_seq, taxonomy_version, priority, priority_rank, ai_involved, exfil_flagged, result, reason, created_at) VALUES (?, 'v1', ?, ?, 0, 0, ?, 'create', 'now')")
        .run(seq, priority, rank, JSON.stringify(makeClassification()));
    cls(1, 2, 'none');
    cls(2, 2, 'none');
    cls(1, 1, 'statute'); // case a re-classified: its latest classification must be the one used
    raw.close();
    store = createSqliteStore({ path });
    expect(store.migration).toEqual({ from: 1, to: 2, applied: [2] });
    const page = await store.listCases({}, { limit: 10 });
    expect(page.items.map((i) => [i.id, i.priority, i.version])).toEqual([
      ['a', 'statute', 2],
      ['b', 'none', 1],
    ]);
  });

  it('refuses a database written by a newer schema version', async () => {
    await store.close();
    const raw = new Database(join(dir, 'sub', 'cases.db'));
    raw.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 'x')").run();
    raw.close();
    expect(() => createSqliteStore({ path: join(dir, 'sub', 'cases.db') })).toThrow(/schema version 99, newer than this program knows \(2\)/);
    store = createSqliteStore({ path: ':memory:' });
  });
});

describe('cases', () => {
  it('stores a real classifier result with its taxonomy version and the case id', async () => {
    const classifier = loadClassifier();
    const narrative = 'She wired $4,500 after an email that posed as her bank said her account was frozen.';
    const [r] = await store.createCases([{ narrative, classification: classifier.classify(narrative, { id: 'ignored' }), externalId: 'X-1', source: 'intake' }]);
    const detail = await store.getCase(r?.case.id ?? '');
    expect(detail?.narrative).toBe(narrative);
    expect(detail?.classification.id).toBe(r?.case.id);
    expect(detail?.classification.taxonomyVersion).toBe(classifier.taxonomyVersion);
    expect(detail?.taxonomyVersion).toBe(classifier.taxonomyVersion);
    expect(detail).toMatchObject({ version: 1, status: 'pending', externalId: 'X-1', source: 'intake', decisionCount: 0, labels: [], decisions: [] });
    expect(detail?.classificationHistory).toEqual([{ taxonomyVersion: classifier.taxonomyVersion, classifiedAt: expect.any(String) as string, reason: 'create' }]);
  });

  it('returns the existing case when the same source and external id arrive again', async () => {
    const first = await store.createCases([
      { narrative: 'one', classification: makeClassification(), externalId: 'A', source: 's1' },
      { narrative: 'two', classification: makeClassification(), externalId: 'A', source: 's1' },
      { narrative: 'three', classification: makeClassification(), externalId: 'A', source: 's2' },
    ]);
    expect(first.map((r) => r.created)).toEqual([true, false, true]);
    expect(first[1]?.case.id).toBe(first[0]?.case.id);
    expect(first[2]?.case.id).not.toBe(first[0]?.case.id);
  });

  it('normalises received times to UTC so they sort as text', async () => {
    const c = await createOne({}, { receivedAt: '2025-03-01T10:00:00+02:00' });
    expect(c.receivedAt).toBe('2025-03-01T08:00:00.000Z');
  });

  it('returns undefined for an unknown case', async () => {
    expect(await store.getCase('nope')).toBeUndefined();
  });
});

describe('decisions', () => {
  it('appends decisions, derives the latest label per statute and bumps the version', async () => {
    const c = await createOne({ statutes: { '1343': ['1343'], '1030': ['1030(a)(2)(C)'] } });
    let d = await store.addDecision(decision(c.id, 1, { statute: '1343', decision: 'accept', note: 'clear wire fraud' }));
    expect(d.version).toBe(2);
    expect(d.status).toBe('pending');
    d = await store.addDecision(decision(c.id, 2, { statute: '1030', decision: 'reject', reasonCode: 'VAN_BUREN_AUTHORIZED_USER', reviewer: 'bob' }));
    expect(d.status).toBe('reviewed');
    d = await store.addDecision(decision(c.id, 3, { statute: '1343', decision: 'needs-legal-review', reviewer: 'bob' }));
    expect(d.version).toBe(4);
    expect(d.decisions.map((x) => [x.statute, x.decision, x.reviewer, x.caseVersion])).toEqual([
      ['1343', 'accept', 'alice', 1],
      ['1030', 'reject', 'bob', 2],
      ['1343', 'needs-legal-review', 'bob', 3],
    ]);
    expect(d.labels.map((l) => [l.statute, l.subsection, l.decision, l.positive, l.reasonCode, l.suggested])).toEqual([
      ['1030', null, 'reject', false, 'VAN_BUREN_AUTHORIZED_USER', true],
      ['1343', null, 'needs-legal-review', null, null, true],
    ]);
    expect(d.decisions[0]?.note).toBe('clear wire fraud');
    expect(d.decisions[0]?.taxonomyVersion).toBe('v1');
  });

  it('keeps subsection decisions apart from the statute decision', async () => {
    const c = await createOne({ statutes: { '1030': ['1030(a)(2)(C)'] } });
    await store.addDecision(decision(c.id, 1, { statute: '1030', decision: 'accept' }));
    await store.addDecision(decision(c.id, 2, { statute: '1030', subsection: '1030(a)(2)(C)', decision: 'reject', reasonCode: 'WRONG_SUBSECTION' }));
    const d = await store.addDecision(decision(c.id, 3, { statute: '1030', subsection: '1030(a)(4)', decision: 'add' }));
    expect(d.labels.map((l) => [l.subsection, l.decision, l.suggested])).toEqual([
      [null, 'accept', true],
      ['1030(a)(2)(C)', 'reject', true],
      ['1030(a)(4)', 'add', false],
    ]);
  });

  it('refuses a stale version with the current case, and stores nothing', async () => {
    const c = await createOne({ statutes: { '1343': [] } });
    await store.addDecision(decision(c.id, 1, { reviewer: 'alice' }));
    const err = await store.addDecision(decision(c.id, 1, { reviewer: 'bob', decision: 'reject', reasonCode: 'NO_INTERSTATE_WIRE' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VersionConflictError);
    const conflict = err as VersionConflictError;
    expect(conflict.expected).toBe(1);
    expect(conflict.current.version).toBe(2);
    expect(conflict.current.decisions.map((x) => x.reviewer)).toEqual(['alice']);
    expect((await store.getCase(c.id))?.decisions).toHaveLength(1);
  });

  it('lets exactly one of many concurrent reviewers of the same version win', async () => {
    const c = await createOne({ statutes: { '1343': [] } });
    const results = await Promise.allSettled(['a', 'b', 'c', 'd'].map((r) => store.addDecision(decision(c.id, 1, { reviewer: r }))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof VersionConflictError)).toHaveLength(3);
  });

  it('serialises writers across two connections to the same file', async () => {
    const c = await createOne({ statutes: { '1343': [] } });
    const other = createSqliteStore({ path: store.path });
    try {
      await other.addDecision(decision(c.id, 1, { reviewer: 'other-process' }));
      await expect(store.addDecision(decision(c.id, 1))).rejects.toBeInstanceOf(VersionConflictError);
    } finally {
      await other.close();
    }
  });

  it.each([
    [{ decision: 'reject' as const }, ['reasonCode'], /needs a reason code/],
    [{ decision: 'reject' as const, reasonCode: 'OTHER' as const }, ['note'], /OTHER needs a note/],
    [{ decision: 'reject' as const, reasonCode: 'OTHER' as const, note: '   ' }, ['note'], /OTHER needs a note/],
    [{ decision: 'add' as const, statute: '1343' as const }, ['decision'], /already suggested: accept it/],
    [{ decision: 'accept' as const, statute: '1028' as const }, ['decision'], /not suggested: add it/],
    [{ decision: 'accept' as const, reasonCode: 'PUBLIC_DATA' as const }, ['reasonCode'], /not acceptances/],
  ])('refuses an inconsistent decision %j', async (d, path, message) => {
    const c = await createOne({ statutes: { '1343': [] } });
    const err = await store.addDecision(decision(c.id, 1, d)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidDecisionError);
    expect((err as InvalidDecisionError).path).toEqual(path);
    expect((err as Error).message).toMatch(message);
    expect((await store.getCase(c.id))?.version).toBe(1);
  });

  it('accepts a rejection with OTHER and a note, and a legal-review request with a reason', async () => {
    const c = await createOne({ statutes: { '1343': [], '1030': [] } });
    await store.addDecision(decision(c.id, 1, { decision: 'reject', reasonCode: 'OTHER', note: 'duplicate of another case' }));
    const d = await store.addDecision(decision(c.id, 2, { statute: '1030', decision: 'needs-legal-review', reasonCode: 'VAN_BUREN_AUTHORIZED_USER' }));
    expect(d.labels.map((l) => l.reasonCode)).toEqual(['VAN_BUREN_AUTHORIZED_USER', 'OTHER']);
  });

  it('throws CaseNotFoundError for a decision on an unknown case', async () => {
    await expect(store.addDecision(decision('nope', 1))).rejects.toBeInstanceOf(CaseNotFoundError);
  });

  it('refuses UPDATE and DELETE of stored events at the database level', async () => {
    const c = await createOne({ statutes: { '1343': [] } });
    await store.addDecision(decision(c.id, 1));
    const raw = new Database(store.path);
    try {
      for (const sql of [
        "UPDATE decisions SET decision = 'reject'",
        'DELETE FROM decisions',
        "UPDATE cases SET narrative = 'x'",
        'DELETE FROM cases',
        "UPDATE classifications SET priority = 'none'",
        'DELETE FROM suggestions',
      ]) {
        expect(() => raw.prepare(sql).run(), sql).toThrow(/append-only/);
      }
      expect(() => raw.prepare("INSERT INTO decisions (case_seq, statute, subsection, decision, reviewer, classification_id, taxonomy_version, case_version, created_at) VALUES (1, '1343', '', 'reject', 'x', 1, 'v1', 2, 'now')").run()).toThrow(/CHECK constraint/);
    } finally {
      raw.close();
    }
  });
});

describe('re-classification', () => {
  it('keeps decisions, marks both kinds of disagreement and reopens a case with a new suggestion', async () => {
    const c = await createOne({ statutes: { '1343': [], '1030': [] } });
    await store.addDecision(decision(c.id, 1, { statute: '1343', decision: 'accept' }));
    await store.addDecision(decision(c.id, 2, { statute: '1030', decision: 'reject', reasonCode: 'PUBLIC_DATA' }));
    const reviewed = await store.getCase(c.id);
    expect(reviewed).toMatchObject({ status: 'reviewed', hasDisagreement: false, disagreements: [] });

    // New rules: 1343 no longer suggested (contradicts the accept), 1030 still suggested (contradicts the
    // reject), 1028 newly suggested (undecided, so the case is pending again).
    const next = makeClassification({ statutes: { '1030': [], '1028': [] }, taxonomyVersion: 'v2' });
    const d = await store.appendClassification(c.id, next, 3);
    expect(d.version).toBe(4);
    expect(d.decisions).toHaveLength(2);
    expect(d.taxonomyVersion).toBe('v2');
    expect(d.status).toBe('pending');
    expect(d.hasDisagreement).toBe(true);
    expect(d.disagreements).toEqual([
      { statute: '1030', subsection: null, decision: 'reject', kind: 'suggested-but-rejected', decisionTaxonomyVersion: 'v1', currentTaxonomyVersion: 'v2' },
      { statute: '1343', subsection: null, decision: 'accept', kind: 'labelled-but-not-suggested', decisionTaxonomyVersion: 'v1', currentTaxonomyVersion: 'v2' },
    ]);
    expect(d.classificationHistory.map((h) => [h.taxonomyVersion, h.reason])).toEqual([
      ['v1', 'create'],
      ['v2', 'reclassify'],
    ]);
    const page = await store.listCases({ hasDisagreement: true }, { limit: 10 });
    expect(page.items.map((i) => i.id)).toEqual([c.id]);

    // A reviewer deciding on the new classification resolves the disagreement about 1030.
    const after = await store.addDecision(decision(c.id, 4, { statute: '1030', decision: 'accept' }));
    expect(after.disagreements.map((x) => x.statute)).toEqual(['1343']);
  });

  it('does not call an agreeing re-classification a disagreement', async () => {
    const c = await createOne({ statutes: { '1343': [] } });
    await store.addDecision(decision(c.id, 1));
    const d = await store.appendClassification(c.id, makeClassification({ statutes: { '1343': [] }, taxonomyVersion: 'v2' }), 2);
    expect(d).toMatchObject({ hasDisagreement: false, status: 'reviewed', version: 3 });
  });

  it('version-checks a re-classification like a decision', async () => {
    const c = await createOne();
    await expect(store.appendClassification(c.id, makeClassification(), 7)).rejects.toBeInstanceOf(VersionConflictError);
  });

  it('pages through cases to re-classify in creation order', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await createOne()).id);
    const first = await store.casesToReclassify(undefined, 3);
    const rest = await store.casesToReclassify(first[2]?.id, 3);
    expect([...first, ...rest].map((c) => c.id)).toEqual(ids);
    expect(first[0]).toMatchObject({ version: 1, taxonomyVersion: 'v1', narrative: 'She wired money after a spoofed email.' });
  });
});

describe('listing', () => {
  it('sorts by priority then received time, and filters by each field', async () => {
    const a = await createOne({ statutes: { '1343': [] } }, { receivedAt: '2025-02-03T00:00:00Z', narrative: 'A wire transfer to a spoofed vendor.' });
    const b = await createOne({ statutes: { '1030': [] }, ai: true, exfil: true }, { receivedAt: '2025-02-05T00:00:00Z', narrative: 'The agent exfiltrated records.' });
    const c = await createOne({}, { receivedAt: '2025-02-01T00:00:00Z', narrative: 'A lost wallet.' });
    const d = await createOne({ statutes: { '1343': [] } }, { receivedAt: '2025-02-02T00:00:00Z', narrative: 'Wired funds after a phone call.' });
    await store.addDecision(decision(d.id, 1));
    const ids = async (f: Parameters<SqliteStore['listCases']>[0]) => (await store.listCases(f, { limit: 50 })).items.map((i) => i.id);

    expect(await ids({})).toEqual([b.id, d.id, a.id, c.id]);
    expect(await ids({ status: 'pending' })).toEqual([b.id, a.id, c.id]);
    expect(await ids({ status: 'reviewed' })).toEqual([d.id]);
    expect(await ids({ statute: '1343' })).toEqual([d.id, a.id]);
    expect(await ids({ statute: '1028' })).toEqual([]);
    expect(await ids({ priority: ['none', 'sec4'] })).toEqual([b.id, c.id]);
    expect(await ids({ aiInvolved: true })).toEqual([b.id]);
    expect(await ids({ aiInvolved: false })).toEqual([d.id, a.id, c.id]);
    expect(await ids({ exfiltrationFlagged: true })).toEqual([b.id]);
    // Stemmed full-text search: "wiring" finds "wire" and "Wired".
    expect(await ids({ text: 'wiring' })).toEqual([d.id, a.id]);
    expect(await ids({ text: 'spoofed vendor' })).toEqual([a.id]);
    expect(await ids({ text: 'exfil' })).toEqual([b.id]);
    expect(await ids({ text: 'NOT OR "' })).toEqual([]);
    expect(await ids({ text: '"*()' })).toEqual([]);
    expect(await ids({ receivedFrom: '2025-02-02T00:00:00Z', receivedTo: '2025-02-04T00:00:00Z' })).toEqual([d.id, a.id]);
    expect(await ids({ hasDisagreement: false })).toHaveLength(4);
  });

  it('finds a statute an analyst added although the rules did not suggest it', async () => {
    const c = await createOne();
    await store.addDecision(decision(c.id, 1, { statute: '1028', decision: 'add' }));
    expect((await store.listCases({ statute: '1028' }, { limit: 5 })).items.map((i) => i.id)).toEqual([c.id]);
  });

  it('returns every case exactly once across cursor pages', async () => {
    const created = [];
    for (let i = 0; i < 23; i++) {
      const statutes = i % 3 === 0 ? {} : { '1343': [] };
      // Equal received times on purpose: the creation order must break the tie.
      created.push(await createOne({ statutes, ai: i % 5 === 0 }, { receivedAt: `2025-01-0${(i % 4) + 1}T00:00:00Z` }));
    }
    const all = (await store.listCases({}, { limit: 100 })).items.map((i) => i.id);
    const paged: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.listCases({}, { cursor, limit: 5 });
      paged.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(paged).toEqual(all);
    expect(new Set(paged).size).toBe(23);
  });

  it('rejects a cursor it did not issue', async () => {
    await expect(store.listCases({}, { cursor: 'garbage', limit: 5 })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(store.listCases({}, { cursor: Buffer.from('[1,2,3]').toString('base64url'), limit: 5 })).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it.each([
    ['wire fraud', '"wire" "fraud" *'],
    ['NOT "x" OR', '"NOT" "x" "OR" *'],
    ['école', '"école" *'],
    ['*** ()', undefined],
  ])('turns %j into the safe FTS query %j', (input, expected) => {
    expect(toFtsQuery(input)).toBe(expected);
  });
});

describe('status and disagreement in SQL match the derivation in TypeScript', () => {
  it('agrees for random histories of decisions and re-classifications', async () => {
    const statute = fc.constantFrom('1028' as const, '1030' as const, '1343' as const);
    const suggestionSet = fc.uniqueArray(statute, { maxLength: 3 });
    const step = fc.oneof(
      fc.record({ kind: fc.constant('decide' as const), statute, decision: fc.constantFrom('accept' as const, 'reject' as const, 'add' as const, 'needs-legal-review' as const), reviewer: fc.constantFrom('a', 'b') }),
      fc.record({ kind: fc.constant('reclassify' as const), statutes: suggestionSet }),
    );
    await fc.assert(
      fc.asyncProperty(suggestionSet, fc.array(step, { maxLength: 8 }), async (initial, steps) => {
        const c = await createOne({ statutes: Object.fromEntries(initial.map((s) => [s, []])) });
        let version = 1;
        for (const s of steps) {
          const detail = await store.getCase(c.id);
          if (!detail) throw new Error('case missing');
          if (s.kind === 'reclassify') {
            await store.appendClassification(c.id, makeClassification({ statutes: Object.fromEntries(s.statutes.map((x) => [x, []])), taxonomyVersion: `v${version}` }), version);
            version++;
            continue;
          }
          const suggested = detail.suggested.includes(s.statute);
          // Only decisions the store accepts: accept what is suggested, add what is not.
          const kind = s.decision === 'accept' || s.decision === 'add' ? (suggested ? 'accept' : 'add') : s.decision;
          await store.addDecision(decision(c.id, version, { statute: s.statute, decision: kind, reviewer: s.reviewer, reasonCode: kind === 'reject' ? 'INSUFFICIENT_FACTS' : undefined }));
          version++;
        }
        const d = await store.getCase(c.id);
        if (!d) throw new Error('case missing');
        expect(d.version).toBe(version);
        expect(d.status).toBe(deriveStatus(d.decisions, d.classification));
        expect(d.hasDisagreement).toBe(d.disagreements.length > 0);
      }),
      { numRuns: 60, seed: 5 },
    );
  });
});

describe('export and stats', () => {
  it('exports only reviewed cases with their current labels', async () => {
    const a = await createOne({ statutes: { '1343': [] } });
    const b = await createOne({ statutes: { '1343': [], '1030': [] } });
    await createOne({ statutes: { '1030': [] } });
    await store.addDecision(decision(a.id, 1));
    await store.addDecision(decision(b.id, 1));
    const out = [];
    for await (const e of store.exportReviewed()) out.push(e);
    expect(out.map((e) => e.id)).toEqual([a.id]);
    expect(out[0]?.labels.map((l) => [l.statute, l.decision])).toEqual([['1343', 'accept']]);
    expect(out[0]?.narrative).toBe('She wired money after a spoofed email.');
  });

  it('counts suggestions, outcomes, misses, reject reasons and reviewer agreement per statute', async () => {
    // Four cases suggesting 1343; two reviewers each decide all four (kappa on 4 pairs), plus one added 1028.
    const cases = [];
    for (let i = 0; i < 4; i++) cases.push(await createOne({ statutes: { '1343': [] } }));
    const aliceSays = ['accept', 'accept', 'reject', 'reject'] as const;
    const bobSays = ['accept', 'reject', 'reject', 'reject'] as const;
    for (const [i, c] of cases.entries()) {
      const a = aliceSays[i] ?? 'accept';
      const b = bobSays[i] ?? 'accept';
      await store.addDecision(decision(c.id, 1, { decision: a, reviewer: 'alice', reasonCode: a === 'reject' ? 'CIMINELLI_NO_PROPERTY' : undefined }));
      await store.addDecision(decision(c.id, 2, { decision: b, reviewer: 'bob', reasonCode: b === 'reject' ? 'NO_INTERSTATE_WIRE' : undefined }));
    }
    const extra = await createOne();
    await store.addDecision(decision(extra.id, 1, { statute: '1028', decision: 'add', reviewer: 'carol' }));
    await createOne({ statutes: { '1030': [] } });

    const s = await store.stats();
    expect(s).toMatchObject({ cases: 6, reviewedCases: 5, pendingCases: 1, decisions: 9, reviewers: 3 });
    const w = s.statutes.find((x) => x.statute === '1343');
    // Labels are the latest (bob's): 1 accept, 3 rejects.
    expect(w).toMatchObject({ suggested: 4, accepted: 1, rejected: 3, added: 0, pending: 0, precision: 0.25, observedRecall: 1 });
    expect(w?.rejectReasons).toEqual({ NO_INTERSTATE_WIRE: 3 });
    // po = 3/4; alice 2 pos/2 neg, bob 1 pos/3 neg: pe = .5*.25 + .5*.75 = .5; kappa = (.75-.5)/.5 = .5.
    expect(w?.agreement).toEqual({ pairs: 4, observed: 0.75, kappa: 0.5 });
    expect(s.statutes.find((x) => x.statute === '1028')).toMatchObject({ suggested: 0, added: 1, precision: null, observedRecall: 0 });
    expect(s.statutes.find((x) => x.statute === '1030')).toMatchObject({ suggested: 1, pending: 1, precision: null, agreement: { pairs: 0, observed: null, kappa: null } });
    expect(s.agreement).toEqual({ pairs: 4, observed: 0.75, kappa: 0.5 });
  });
});

describe('api keys', () => {
  it('creates, finds by hash, lists and revokes keys without storing the key', async () => {
    expect(await store.countActiveApiKeys()).toBe(0);
    const k = await store.createApiKey({ owner: 'alice', role: 'analyst', hash: 'h1', prefix: 'aicc_abc' });
    expect(k).toMatchObject({ owner: 'alice', role: 'analyst', prefix: 'aicc_abc', revokedAt: null });
    expect(k.id).toMatch(/^key_[0-9a-f]{16}$/);
    expect(await store.findApiKeyByHash('h1')).toEqual(k);
    expect(await store.findApiKeyByHash('h2')).toBeUndefined();
    expect(await store.countActiveApiKeys()).toBe(1);
    const revoked = await store.revokeApiKey(k.id);
    expect(revoked?.revokedAt).toEqual(expect.any(String));
    expect(await store.findApiKeyByHash('h1')).toBeUndefined();
    expect(await store.countActiveApiKeys()).toBe(0);
    expect((await store.revokeApiKey(k.id))?.revokedAt).toBe(revoked?.revokedAt);
    expect(await store.revokeApiKey('key_missing')).toBeUndefined();
    expect(await store.listApiKeys()).toHaveLength(1);
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
    await expect(store.ping()).rejects.toThrow(/not open/);
  });
});
