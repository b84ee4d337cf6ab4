import { afterEach, describe, expect, it } from 'vitest';
import { createCasePersister } from '../../src/batch/persist-cases.js';
import { createSqliteStore } from '../../src/store/sqlite-store.js';
import type { CaseStore } from '../../src/store/store.js';
import { classifier, PERSIST_CSV as CSV, tagBuffer } from './helpers/tag.js';

let stores: CaseStore[] = [];
afterEach(async () => {
  for (const s of stores) await s.close();
  stores = [];
});

function openStore(): CaseStore {
  const s = createSqliteStore({ path: ':memory:' });
  stores.push(s);
  return s;
}

async function persist(store: CaseStore, format: 'csv' | 'jsonl', idColumn?: string) {
  const persister = createCasePersister({ store, source: 'batch:in.csv' });
  const run = await tagBuffer(CSV, { format, idColumn, collect: true, batchRows: 1 }, undefined, { onRecords: persister.onRecords });
  expect(run.error).toBeUndefined();
  return { run, counts: persister.counts() };
}

describe('batch persist', () => {
  it.each(['csv', 'jsonl'] as const)('stores each classified row as a case with its result and leaves error rows out when the format is %s', async (format) => {
    const store = openStore();
    const { run, counts } = await persist(store, format, 'case_id');
    expect(run.summary?.errors).toBe(1);
    expect(counts).toEqual({ created: 2, existing: 0 });
    const page = await store.listCases({}, { limit: 10 });
    expect(page.items.map((c) => c.externalId).sort()).toEqual(['A1', 'A3']);
    const a1 = page.items.find((c) => c.externalId === 'A1');
    expect(a1?.source).toBe('batch:in.csv');
    const detail = await store.getCase(a1?.id ?? '');
    expect(detail?.narrative).toBe('She wired $4,500 after an email that posed as her bank.');
    expect(detail?.taxonomyVersion).toBe(classifier().taxonomyVersion);
    // The store gives the stored result the case's id; everything else is the batch's own classification.
    expect({ ...detail?.classification, id: 'A1' }).toEqual(classifier().classify(detail?.narrative ?? '', { id: 'A1', explain: true }));
  });

  it('creates no duplicate when the same file is persisted again', async () => {
    const store = openStore();
    await persist(store, 'csv', 'case_id');
    const again = await persist(store, 'jsonl', 'case_id');
    expect(again.counts).toEqual({ created: 0, existing: 2 });
    expect((await store.listCases({}, { limit: 10 })).items).toHaveLength(2);
  });

  it('keys cases by the narrative hash and still deduplicates when there is no id column', async () => {
    const store = openStore();
    const first = await persist(store, 'csv');
    const second = await persist(store, 'csv');
    expect(first.counts.created).toBe(2);
    expect(second.counts).toEqual({ created: 0, existing: 2 });
    const ids = (await store.listCases({}, { limit: 10 })).items.map((c) => c.externalId);
    expect(ids.every((id) => /^[0-9a-f]{16}$/.test(id ?? ''))).toBe(true);
  });

  it('returns no records and stores nothing when collect is off', async () => {
    let calls = 0;
    const run = await tagBuffer(CSV, {}, undefined, { onRecords: () => void calls++ });
    expect(run.error).toBeUndefined();
    expect(calls).toBe(0);
  });
});
