/**
 * Evidence: rule hits turned into spans of the ORIGINAL text (`text.slice(start, end)`), sorted by start then
 * rule id. Negated and hypothetical hits stay visible, marked `negated`, so an analyst sees "why not".
 */
import type { CompiledTaxonomy } from '../taxonomy/compile.js';
import type { RuleHit } from './match.js';
import { ScopeKind } from './negation.js';
import type { Evidence } from './result-schema.js';
import type { ElementScore } from './score.js';

function toEvidence(text: string, rule: string, h: RuleHit): Evidence {
  const e: Evidence = { start: h.start, end: h.end, text: text.slice(h.start, h.end), rule };
  if (h.scope !== ScopeKind.None) e.negated = true;
  return e;
}

function byPosition(a: Evidence, b: Evidence): number {
  return a.start - b.start || a.end - b.end || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0);
}

export function elementEvidence(
  text: string,
  tx: CompiledTaxonomy,
  hits: Map<number, RuleHit[]>,
  score: ElementScore,
): { evidence: Evidence[]; against: Evidence[] } {
  const evidence: Evidence[] = [];
  const against: Evidence[] = [];
  for (const r of score.hitRules) {
    const qid = tx.rules[r]?.qid ?? '';
    for (const h of hits.get(r) ?? []) evidence.push(toEvidence(text, qid, h));
  }
  for (const c of score.counters) {
    const qid = tx.rules[c]?.qid ?? '';
    for (const h of hits.get(c) ?? []) if (h.scope === ScopeKind.None) against.push(toEvidence(text, qid, h));
  }
  return { evidence: evidence.sort(byPosition), against: against.sort(byPosition) };
}

/** Asserted evidence of the given elements' indicator rules, without duplicates. */
export function collectEvidence(text: string, tx: CompiledTaxonomy, elements: number[], scores: ElementScore[], hits: Map<number, RuleHit[]>): Evidence[] {
  const out: Evidence[] = [];
  for (let k = 0; k < elements.length; k++) {
    const e = elements[k] as number;
    if (elements.indexOf(e) < k) continue; // an element listed twice (required and optional) reports once
    for (const r of scores[e]?.hitRules ?? []) {
      const list = hits.get(r);
      if (list === undefined) continue;
      const qid = tx.rules[r]?.qid ?? '';
      // A rule belongs to one element and elements are distinct here, so a duplicate (two proximity anchors
      // choosing the same span, two patterns of one rule on the same words) can only come from this rule's list.
      const first = out.length;
      for (const h of list) {
        if (h.scope !== ScopeKind.None || sameSpanSince(out, first, h)) continue;
        out.push(toEvidence(text, qid, h));
      }
    }
  }
  return out.sort(byPosition);
}

function sameSpanSince(out: Evidence[], from: number, h: RuleHit): boolean {
  for (let i = from; i < out.length; i++) {
    const o = out[i] as Evidence;
    if (o.start === h.start && o.end === h.end) return true;
  }
  return false;
}
