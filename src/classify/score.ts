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
import type { RuleHitTable } from './rule-hits.js';

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

/**
 * Every element's score and whether it is satisfied, for one narrative, in arrays shared by every call (valid
 * until the next one): the decision needs only these two numbers, so no object is built per element. The full
 * {@link ElementScore} of an element, for explanations, comes from {@link elementDetail}.
 */
export class ElementTable {
  score = new Float64Array(0);
  satisfied = new Uint8Array(0);
  /** Elements with a rule hit (all others score 0, unsatisfied). */
  touched = new Int32Array(64);
  touchedCount = 0;

  reset(elements: number): void {
    for (let i = 0; i < this.touchedCount; i++) {
      const e = this.touched[i] as number;
      this.score[e] = 0;
      this.satisfied[e] = 0;
    }
    this.touchedCount = 0;
    if (this.score.length < elements) {
      this.score = new Float64Array(elements);
      this.satisfied = new Uint8Array(elements);
    }
  }

  set(e: number, score: number, satisfied: boolean): void {
    if (this.touchedCount === this.touched.length) {
      const grown = new Int32Array(2 * this.touchedCount);
      grown.set(this.touched);
      this.touched = grown;
    }
    this.touched[this.touchedCount++] = e;
    this.score[e] = score;
    this.satisfied[e] = satisfied ? 1 : 0;
  }
}

const sharedElements = new ElementTable();
let sortedPool = new Int32Array(256);

/**
 * Scores the elements that have a rule hit, from those rules. Rules are compiled element by element, each
 * element's indicators then its counters, ascending (a test pins it): sorting the hit rules by id groups them
 * by element and walks each element's lists in their own order, so the products below multiply in that order.
 */
export function scoreElementTable(tx: CompiledTaxonomy, hits: RuleHitTable): ElementTable {
  const out = sharedElements;
  out.reset(tx.elements.length);
  const { rules } = tx;
  const n = hits.ruleCount;
  if (sortedPool.length < n) sortedPool = new Int32Array(2 * n);
  sortedPool.set(hits.rules.subarray(0, n));
  const sorted = sortedPool.subarray(0, n).sort();
  for (let i = 0; i < n; ) {
    const e = (rules[sorted[i] as number] as CompiledRule).element;
    let j = i;
    while (j < n && (rules[sorted[j] as number] as CompiledRule).element === e) j++;
    const el = tx.elements[e];
    if (el) {
      let miss = 1;
      let firing = 0;
      for (let k = i; k < j; k++) {
        const r = sorted[k] as number;
        const rule = rules[r] as CompiledRule;
        if (rule.isCounter || !hits.asserted(r)) continue;
        firing++;
        miss *= 1 - rule.weight;
      }
      let score = 1 - miss;
      for (let k = i; k < j; k++) {
        const c = sorted[k] as number;
        const rule = rules[c] as CompiledRule;
        if (!rule.isCounter || !hits.asserted(c) || defeated(rule, hits)) continue;
        score *= 1 - rule.weight;
      }
      out.set(e, round3(score), firing > 0 && score + EPS >= el.minScore);
    }
    i = j;
  }
  return out;
}

/** A counter is defeated when one of the indicators it names fired (they are its own element's indicators). */
function defeated(counter: CompiledRule, hits: RuleHitTable): boolean {
  for (let u = 0; u < counter.unless.length; u++) if (hits.asserted(counter.unless[u] as number)) return true;
  return false;
}

const EMPTY_SCORE: ElementScore = Object.freeze({ score: 0, satisfied: false, firing: [], hitRules: [], counters: [], cautions: [] });

/** One element in full (its firing rules, counters and cautions), scored as {@link scoreElementTable} scores it. */
export function elementDetail(tx: CompiledTaxonomy, hits: RuleHitTable, e: number): ElementScore {
  const el = tx.elements[e];
  if (!el) return EMPTY_SCORE;
  return scoreElement(tx, el, hits);
}

function scoreElement(tx: CompiledTaxonomy, el: CompiledElement, hits: RuleHitTable): ElementScore {
  const { rules } = tx;
  const firing: number[] = [];
  const indicatorsHit: number[] = [];
  let miss = 1;
  for (const r of el.rules) {
    if (!hits.has(r)) continue;
    indicatorsHit.push(r);
    if (!hits.asserted(r)) continue;
    firing.push(r);
    miss *= 1 - (rules[r] as CompiledRule).weight;
  }
  if (indicatorsHit.length === 0 && !el.counters.some((c) => hits.has(c))) return EMPTY_SCORE;
  let score = 1 - miss;
  const counters: number[] = [];
  let cautions: Set<string> | undefined;
  for (const c of el.counters) {
    const rule = rules[c] as CompiledRule;
    if (!hits.asserted(c) || defeated(rule, hits)) continue;
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
  /** What it lacks beyond its own elements (a predicate statute, an exfiltration finding); see {@link missingOf}. */
  lacks: string | undefined;
  /** Number of required groups satisfied, and the best partial score among unsatisfied groups. */
  satisfiedGroups: number;
  missingPartial: number;
  /** Number of required groups (plus one when a predicate statute is required but absent). */
  groups: number;
}

export function scoreTarget(tx: CompiledTaxonomy, t: CompiledTarget, index: number, elements: ElementTable): TargetScore {
  const { score: elScore, satisfied: elSatisfied } = elements;
  let sum = 0;
  let complete = true;
  let satisfiedGroups = 0;
  let missingPartial = 0;
  for (const group of t.requires) {
    let best = 0;
    let ok = false;
    let partial = 0;
    for (const e of group) {
      const s = elScore[e] as number;
      partial = Math.max(partial, s);
      if (elSatisfied[e] === 1) {
        ok = true;
        best = Math.max(best, s);
      }
    }
    if (!ok) {
      complete = false;
      sum += partial;
      missingPartial = Math.max(missingPartial, partial);
    } else {
      satisfiedGroups++;
      sum += best;
    }
  }
  let score = t.requires.length === 0 ? 0 : sum / t.requires.length;
  if (complete) for (const e of t.optional) if (elSatisfied[e] === 1) score += OPTIONAL_BONUS;
  return { target: index, complete, score: round3(Math.min(1, score)), lacks: undefined, satisfiedGroups, missingPartial, groups: t.requires.length };
}

/** Ids of the required elements in unsatisfied groups, then what else the target lacks (built only for candidates). */
export function missingOf(tx: CompiledTaxonomy, s: TargetScore, elements: ElementTable): string[] {
  const missing: string[] = [];
  for (const group of tx.targets[s.target]?.requires ?? []) {
    if (group.some((e) => elements.satisfied[e] === 1)) continue;
    for (const e of group) missing.push(tx.elements[e]?.id ?? String(e));
  }
  if (s.lacks !== undefined) missing.push(s.lacks);
  return missing;
}
