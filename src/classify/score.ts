/**
 * Scoring: rule hits → element scores → target (subsection / AI kind / exfiltration pattern) scores.
 *
 * - An element combines its DISTINCT firing rules by noisy-OR (1 - Π(1 - w)); repeats of one rule do not stack,
 *   so a narrative that says "wired" ten times is no more a wire fraud than one that says it once.
 * - A counter-indicator (a court limit such as Van Buren, or benign context) multiplies the score by
 *   (1 - penalty) unless one of the indicator rules it names also fired.
 * - A target passes only when every required group has a satisfied element (missing ones are reported);
 *   its score is the mean of the required groups' best scores, plus 0.05 per satisfied optional element.
 */
import type { CompiledElement, CompiledRule, CompiledTaxonomy, CompiledTarget } from '../taxonomy/compile.js';
import type { RuleHit } from './match.js';
import { ScopeKind } from './negation.js';

export interface ElementScore {
  score: number;
  satisfied: boolean;
  /** Indicator rules with an asserted (non-negated) hit. */
  firing: number[];
  /** Indicator rules with any hit, asserted or not, ascending (what the element's evidence is made of). */
  hitRules: number[];
  /** Counters that applied. */
  counters: number[];
  cautions: string[];
}

const EPS = 1e-9;
const OPTIONAL_BONUS = 0.05;

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function asserted(hits: RuleHit[] | undefined): boolean {
  if (hits === undefined) return false;
  for (let i = 0; i < hits.length; i++) if ((hits[i] as RuleHit).scope === ScopeKind.None) return true;
  return false;
}

const EMPTY_SCORE: ElementScore = Object.freeze({ score: 0, satisfied: false, firing: [], hitRules: [], counters: [], cautions: [] });

export function scoreElements(tx: CompiledTaxonomy, hits: Map<number, RuleHit[]>): ElementScore[] {
  const scores: ElementScore[] = new Array<ElementScore>(tx.elements.length).fill(EMPTY_SCORE);
  const { rules } = tx;
  // Only elements with a rule hit are scored (every other one gets the shared empty score), from the rules that
  // hit: grouped by element, ascending within it (the order of the element's own lists, so the products below
  // multiply in the same order as a walk over those lists would).
  const hitRules = [...hits.keys()].sort((a, b) => (rules[a] as CompiledRule).element - (rules[b] as CompiledRule).element || a - b);
  for (let i = 0; i < hitRules.length; ) {
    const e = (rules[hitRules[i] as number] as CompiledRule).element;
    let j = i;
    while (j < hitRules.length && (rules[hitRules[j] as number] as CompiledRule).element === e) j++;
    const el = tx.elements[e];
    if (el) scores[e] = scoreElement(tx, el, hitRules, i, j, hits);
    i = j;
  }
  return scores;
}

/** One element from its rules with a hit, `hitRules[from..to)` (ascending rule ids). */
function scoreElement(tx: CompiledTaxonomy, el: CompiledElement, hitRules: number[], from: number, to: number, hits: Map<number, RuleHit[]>): ElementScore {
  const { rules } = tx;
  const firing: number[] = [];
  const indicatorsHit: number[] = [];
  let miss = 1;
  for (let k = from; k < to; k++) {
    const r = hitRules[k] as number;
    const rule = rules[r] as CompiledRule;
    if (rule.isCounter) continue;
    indicatorsHit.push(r);
    if (!asserted(hits.get(r))) continue;
    firing.push(r);
    miss *= 1 - rule.weight;
  }
  let score = 1 - miss;
  const counters: number[] = [];
  let cautions: Set<string> | undefined;
  for (let k = from; k < to; k++) {
    const c = hitRules[k] as number;
    const rule = rules[c] as CompiledRule;
    if (!rule.isCounter || !asserted(hits.get(c))) continue;
    if (rule.unless.some((u) => firing.includes(u))) continue;
    counters.push(c);
    score *= 1 - rule.weight;
    if (rule.caution && firing.length > 0) (cautions ??= new Set()).add(rule.caution);
  }
  const satisfied = firing.length > 0 && score + EPS >= el.minScore;
  // A rule-level caution holds only when every firing rule carries one: one solid indicator lifts it.
  if (satisfied && firing.every((r) => rules[r]?.caution !== undefined)) {
    for (const r of firing) {
      const c = rules[r]?.caution;
      if (c) (cautions ??= new Set()).add(c);
    }
  }
  return { score: round3(score), satisfied, firing, hitRules: indicatorsHit, counters, cautions: cautions ? [...cautions].sort() : [] };
}

export interface TargetScore {
  target: number;
  /** All required groups satisfied (predicate statutes are checked by the caller). */
  complete: boolean;
  score: number;
  /** Ids of required elements in unsatisfied groups. */
  missing: string[];
  /** Number of required groups satisfied, and the best partial score among unsatisfied groups. */
  satisfiedGroups: number;
  missingPartial: number;
  /** Number of required groups (plus one when a predicate statute is required but absent). */
  groups: number;
}

export function scoreTarget(tx: CompiledTaxonomy, t: CompiledTarget, index: number, elements: ElementScore[]): TargetScore {
  let sum = 0;
  let complete = true;
  const missing: string[] = [];
  let satisfiedGroups = 0;
  let missingPartial = 0;
  for (const group of t.requires) {
    let best = 0;
    let ok = false;
    let partial = 0;
    for (const e of group) {
      const s = elements[e];
      if (!s) continue;
      partial = Math.max(partial, s.score);
      if (s.satisfied) {
        ok = true;
        best = Math.max(best, s.score);
      }
    }
    if (!ok) {
      complete = false;
      for (const e of group) missing.push(tx.elements[e]?.id ?? String(e));
      sum += partial;
      missingPartial = Math.max(missingPartial, partial);
    } else {
      satisfiedGroups++;
      sum += best;
    }
  }
  let score = t.requires.length === 0 ? 0 : sum / t.requires.length;
  if (complete) for (const e of t.optional) if (elements[e]?.satisfied) score += OPTIONAL_BONUS;
  return { target: index, complete, score: round3(Math.min(1, score)), missing, satisfiedGroups, missingPartial, groups: t.requires.length };
}
