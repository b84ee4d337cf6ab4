/**
 * Pure derivations from a case's append-only events: current labels, review status, disagreements with a
 * re-classification, and reviewer agreement. The SQLite store computes the same status and disagreement flags
 * in SQL for list filters; tests/store/sqlite-store.test.ts checks that both agree.
 */
import type { Classification } from '../classify/result-schema.js';
import type { Agreement, CaseStatus, Decision, DecisionKind, Disagreement, Label } from './store.js';

/** A recorded decision with the classification it was made on (internal to the store). */
export interface DecisionEvent extends Decision {
  classificationId: number;
}

/** `statute|subsection`, with an empty subsection for the whole statute. */
export function labelKey(statute: string, subsection: string | null): string {
  return `${statute}|${subsection ?? ''}`;
}

/** Keys of everything a classification suggests: each statute, and each of its subsections. */
export function suggestionKeys(c: Classification): Set<string> {
  const keys = new Set<string>();
  for (const s of c.suggestions) {
    keys.add(labelKey(s.statute, null));
    for (const sub of s.subsections) keys.add(labelKey(s.statute, sub.code));
  }
  return keys;
}

export function isPositive(kind: DecisionKind): boolean | null {
  if (kind === 'accept' || kind === 'add') return true;
  if (kind === 'reject') return false;
  return null;
}

/** The latest decision per statute/subsection; sorted by statute, then whole-statute before subsections. */
export function deriveLabels(decisions: readonly Decision[], suggested: ReadonlySet<string>): Label[] {
  const latest = new Map<string, Decision>();
  for (const d of decisions) {
    const k = labelKey(d.statute, d.subsection);
    const prev = latest.get(k);
    if (!prev || d.id > prev.id) latest.set(k, d);
  }
  return [...latest.values()]
    .map((d) => ({
      statute: d.statute,
      subsection: d.subsection,
      decision: d.decision,
      positive: isPositive(d.decision),
      reasonCode: d.reasonCode,
      note: d.note,
      reviewer: d.reviewer,
      decidedAt: d.decidedAt,
      decisionId: d.id,
      suggested: suggested.has(labelKey(d.statute, d.subsection)),
    }))
    .sort((a, b) => a.statute.localeCompare(b.statute) || (a.subsection ?? '').localeCompare(b.subsection ?? ''));
}

/**
 * Reviewed: someone decided something, and every statute the current classification suggests has a decision
 * (about the statute or one of its subsections). A re-classification that suggests a new statute makes the case
 * pending again.
 */
export function deriveStatus(decisions: readonly Decision[], c: Classification): CaseStatus {
  if (decisions.length === 0) return 'pending';
  const decided = new Set(decisions.map((d) => d.statute));
  return c.suggestions.every((s) => decided.has(s.statute)) ? 'reviewed' : 'pending';
}

/**
 * Labels decided on an earlier classification that the current one contradicts. Decisions on the current
 * classification are not disagreements: a reviewer who rejects what they see is the review working.
 */
export function deriveDisagreements(
  decisions: readonly DecisionEvent[],
  current: { id: number; taxonomyVersion: string; suggested: ReadonlySet<string> },
): Disagreement[] {
  const byId = new Map(decisions.map((d) => [d.id, d]));
  const out: Disagreement[] = [];
  for (const label of deriveLabels(decisions, current.suggested)) {
    const d = byId.get(label.decisionId);
    if (!d || d.classificationId >= current.id) continue;
    let kind: Disagreement['kind'] | undefined;
    if (label.positive === true && !label.suggested) kind = 'labelled-but-not-suggested';
    else if (label.positive === false && label.suggested) kind = 'suggested-but-rejected';
    if (!kind) continue;
    out.push({
      statute: label.statute,
      subsection: label.subsection,
      decision: label.decision,
      kind,
      decisionTaxonomyVersion: d.taxonomyVersion,
      currentTaxonomyVersion: current.taxonomyVersion,
    });
  }
  return out;
}

export type Outcome = 'positive' | 'negative' | 'legal-review';

export function outcomeOf(kind: DecisionKind): Outcome {
  const p = isPositive(kind);
  return p === true ? 'positive' : p === false ? 'negative' : 'legal-review';
}

/**
 * Cohen's kappa over pairs of outcomes from two raters: (po - pe) / (1 - pe), with pe from each rater's
 * marginal frequencies. Rater A is each item's first reviewer, B its second; the roles are interchangeable
 * for kappa's symmetric agreement count but not for the marginals, which is the usual two-rater definition.
 */
export function cohensKappa(pairs: readonly (readonly [Outcome, Outcome])[]): Agreement {
  const n = pairs.length;
  if (n === 0) return { pairs: 0, observed: null, kappa: null };
  const a = new Map<Outcome, number>();
  const b = new Map<Outcome, number>();
  let agree = 0;
  for (const [x, y] of pairs) {
    if (x === y) agree++;
    a.set(x, (a.get(x) ?? 0) + 1);
    b.set(y, (b.get(y) ?? 0) + 1);
  }
  const po = agree / n;
  let pe = 0;
  for (const [k, ca] of a) pe += (ca / n) * ((b.get(k) ?? 0) / n);
  const kappa = 1 - pe < 1e-12 ? null : (po - pe) / (1 - pe);
  return { pairs: n, observed: round4(po), kappa: kappa === null ? null : round4(kappa) };
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
