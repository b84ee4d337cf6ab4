/**
 * Evidence: rule hits turned into spans of the ORIGINAL text (`text.slice(start, end)`), sorted by start then
 * rule id. Negated and hypothetical hits stay visible, marked `negated`, so an analyst sees "why not".
 */
import type { CompiledTaxonomy } from '../taxonomy/compile.js';
import { ScopeKind } from './negation.js';
import type { Evidence } from './result-schema.js';
import { NO_HIT, type RuleHitTable } from './rule-hits.js';
import type { ElementScore } from './score.js';

function toEvidence(text: string, rule: string, hits: RuleHitTable, h: number): Evidence {
  const start = hits.start[h] as number;
  const end = hits.end[h] as number;
  const e: Evidence = { start, end, text: text.slice(start, end), rule };
  if (hits.scope[h] !== ScopeKind.None) e.negated = true;
  return e;
}

function byPosition(a: Evidence, b: Evidence): number {
  return a.start - b.start || a.end - b.end || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0);
}

export function elementEvidence(text: string, tx: CompiledTaxonomy, hits: RuleHitTable, score: ElementScore): { evidence: Evidence[]; against: Evidence[] } {
  const evidence: Evidence[] = [];
  const against: Evidence[] = [];
  for (const r of score.hitRules) {
    const qid = tx.rules[r]?.qid ?? '';
    for (let h = hits.firstHit(r); h !== NO_HIT; h = hits.next[h] as number) evidence.push(toEvidence(text, qid, hits, h));
  }
  for (const c of score.counters) {
    const qid = tx.rules[c]?.qid ?? '';
    for (let h = hits.firstHit(c); h !== NO_HIT; h = hits.next[h] as number) {
      if (hits.scope[h] === ScopeKind.None) against.push(toEvidence(text, qid, hits, h));
    }
  }
  return { evidence: evidence.sort(byPosition), against: against.sort(byPosition) };
}

/** Asserted evidence of the given elements' indicator rules, without duplicates. */
export function collectEvidence(text: string, tx: CompiledTaxonomy, elements: number[], detailOf: (e: number) => ElementScore, hits: RuleHitTable): Evidence[] {
  const out: Evidence[] = [];
  for (let k = 0; k < elements.length; k++) {
    const e = elements[k] as number;
    if (elements.indexOf(e) < k) continue; // an element listed twice (required and optional) reports once
    for (const r of detailOf(e).hitRules) {
      const qid = tx.rules[r]?.qid ?? '';
      // A rule belongs to one element and elements are distinct here, so a duplicate (two proximity anchors
      // choosing the same span, two patterns of one rule on the same words) can only come from this rule's list.
      const first = out.length;
      for (let h = hits.firstHit(r); h !== NO_HIT; h = hits.next[h] as number) {
        if (hits.scope[h] !== ScopeKind.None || sameSpanSince(out, first, hits.start[h] as number, hits.end[h] as number)) continue;
        out.push(toEvidence(text, qid, hits, h));
      }
    }
  }
  return out.sort(byPosition);
}

function sameSpanSince(out: Evidence[], from: number, start: number, end: number): boolean {
  for (let i = from; i < out.length; i++) {
    const o = out[i] as Evidence;
    if (o.start === start && o.end === end) return true;
  }
  return false;
}
