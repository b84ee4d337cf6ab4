/**
 * Re-classification after a taxonomy change: every stored case gets a new classification appended (its earlier
 * ones and every decision stay), and the store's derived `disagreements` then show where the new rules contradict
 * a reviewer. Pure orchestration over the store and the classifier; no SQL here.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Classifier } from '../classify/classifier.js';
import { VersionConflictError, type CaseStore } from './store.js';

export interface ReclassifyOptions {
  /** Also re-classify cases whose current classification already has this taxonomy version. */
  force?: boolean;
  pageSize?: number;
}

export interface ReclassifyReport {
  taxonomyVersion: string;
  examined: number;
  reclassified: number;
  unchanged: number;
  /** Cases a reviewer changed between our read and our write: left for the next run, never overwritten. */
  conflicts: number;
  disagreeing: number;
}

export async function reclassifyCases(
  store: Pick<CaseStore, 'casesToReclassify' | 'appendClassification'>,
  classifier: Classifier,
  options: ReclassifyOptions = {},
): Promise<ReclassifyReport> {
  const pageSize = options.pageSize ?? 200;
  const report: ReclassifyReport = { taxonomyVersion: classifier.taxonomyVersion, examined: 0, reclassified: 0, unchanged: 0, conflicts: 0, disagreeing: 0 };
  let after: string | undefined;
  for (;;) {
    const page = await store.casesToReclassify(after, pageSize);
    if (page.length === 0) break;
    for (const c of page) {
      report.examined++;
      if (!options.force && c.taxonomyVersion === classifier.taxonomyVersion) {
        report.unchanged++;
        continue;
      }
      try {
        const detail = await store.appendClassification(c.id, classifier.classify(c.narrative, { id: c.id }), c.version);
        report.reclassified++;
        if (detail.hasDisagreement) report.disagreeing++;
      } catch (err) {
        if (!(err instanceof VersionConflictError)) throw err;
        report.conflicts++;
      }
    }
    after = page[page.length - 1]?.id;
    // A long run must not starve the server it runs in.
    await yieldToLoop();
  }
  return report;
}
