/**
 * `persist`: the rows a batch classified become cases in the case store, one `createCases` transaction per
 * batch of rows (a few hundred), as the stream goes, so neither the file nor its results are held in memory.
 * Rows written with an error are not stored (the batch counts them).
 *
 * Idempotent: a case's key is (source, external id), which the store deduplicates; the external id is the id
 * column's value, or the classification's id (a hash of the narrative) when there is no id column, so running
 * the same file again creates nothing new.
 */
import type { CaseStore, NewCase } from '../store/store.js';
import type { TaggedRecord } from './tag-batch.js';

export interface PersistCounts {
  /** New cases. */
  created: number;
  /** Rows whose (source, external id) was already a case: left as they were. */
  existing: number;
}

export interface CasePersister {
  /** For {@link TagHooks.onRecords}. */
  onRecords: (records: TaggedRecord[]) => Promise<void>;
  counts: () => PersistCounts;
}

export interface CasePersisterOptions {
  store: CaseStore;
  /** The case source, e.g. `batch:complaints.csv`; with the external id it identifies a case. */
  source: string;
  /** Received time of every case (ISO 8601); default: when the batch started. */
  receivedAt?: string;
  /** Counts to continue from (a resumed job). */
  start?: PersistCounts;
}

/** The external id of a stored row: its id cell, else the narrative's hash that the classifier uses as id. */
export function caseExternalId(record: TaggedRecord): string {
  return record.externalId ?? record.classification.id;
}

export function createCasePersister(options: CasePersisterOptions): CasePersister {
  const receivedAt = options.receivedAt ?? new Date().toISOString();
  let created = options.start?.created ?? 0;
  let existing = options.start?.existing ?? 0;
  return {
    async onRecords(records) {
      if (records.length === 0) return;
      const cases: NewCase[] = records.map((r) => ({
        narrative: r.narrative,
        externalId: caseExternalId(r),
        source: options.source,
        receivedAt,
        classification: r.classification,
      }));
      const results = await options.store.createCases(cases);
      for (const r of results) {
        if (r.created) created++;
        else existing++;
      }
    },
    counts: () => ({ created, existing }),
  };
}

/** Source names are short labels, not paths: keep the last path segment, printable, at most 200 characters. */
export function batchSource(name: string): string {
  const base = name.split(/[\\/]/).filter(Boolean).pop() ?? name;
  // eslint-disable-next-line no-control-regex
  return `batch:${base.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 200) || 'unnamed'}`;
}
