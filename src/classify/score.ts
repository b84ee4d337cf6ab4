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
import type { CompiledTaxonomy, CompiledTarget } from '../taxonomy/compile.js';
import type { RuleHit } from './match.js';
import { ScopeKind } from './negation.js';

export interface ElementScore {
  score: number;
  satisfied: boolean;
  /** Indicator rules with an asserted (non-negated) hit. */
  firing: number[];
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

const EMPTY_SCORE: ElementScore = Object.freeze({ score: 0, satisfied: false, firing: [], counters: [], cautions: [] });

export function scoreElements(tx: CompiledTaxonomy, hits: Map<number, RuleHit[]>): ElementScore[] {
  const scores: ElementScore[] = new Array<ElementScore>(tx.elements.length).fill(EMPTY_SCORE);
  // Only elements with a rule hit are scored; every other one gets the shared empty score.
  const touched: number[] = [];
  for (const rule of hits.keys()) {
    const r = tx.rules[rule];
    if (r && !touched.includes(r.element)) touched.push(r.element);
  }
  for (const e of touched) {
    const el = tx.elements[e];
    if (!el) continue;
    const firing: number[] = [];
    let miss = 1;
    for (const r of el.rules) {
      if (!asserted(hits.get(r))) continue;
      firing.push(r);
      miss *= 1 - (tx.rules[r]?.weight ?? 0);
    }
    let score = 1 - miss;
    const counters: number[] = [];
    let cautions: Set<string> | undefined;
    for (const c of el.counters) {
      const rule = tx.rules[c];
      if (!rule || !asserted(hits.get(c))) continue;
      if (rule.unless.some((u) => firing.includes(u))) continue;
      counters.push(c);
      score *= 1 - rule.weight;
      if (rule.caution && firing.length > 0) (cautions ??= new Set()).add(rule.caution);
    }
    const satisfied = firing.length > 0 && score + EPS >= el.minScore;
    // A rule-level caution holds only when every firing rule carries one: one solid indicator lifts it.
    if (satisfied && firing.every((r) => tx.rules[r]?.caution !== undefined)) {
      for (const r of firing) {
        const c = tx.rules[r]?.caution;
        if (c) (cautions ??= new Set()).add(c);
      }
    }
    scores[e] = { score: round3(score), satisfied, firing, counters, cautions: cautions ? [...cautions].sort() : [] };
  }
  return scores;
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
