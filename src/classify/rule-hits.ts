/**
 * The rule hits of one narrative as flat, pooled arrays: one table reused by every call, because a Map of hit
 * objects per narrative was most of what classification allocated (and so most of its garbage collection).
 * A table is valid until the next narrative is matched; the classifier reads it before returning.
 */
import { ScopeKind } from './negation.js';

export interface RuleHit {
  start: number;
  end: number;
  /** 0 = asserted; otherwise the scope that cancels it (negated, hypothetical, or a failed outcome). */
  scope: ScopeKind;
}

const NONE = -1;

function grownInt(a: Int32Array, size: number, fill?: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size);
  if (fill !== undefined) b.fill(fill);
  b.set(a);
  return b;
}

export class RuleHitTable {
  /** Rules with at least one hit, in the order of their first hit; `ruleCount` of them. */
  rules = new Int32Array(256);
  ruleCount = 0;
  /** Per hit: span in the original text, scope, and the next hit of the same rule (-1 at the end). */
  start = new Int32Array(512);
  end = new Int32Array(512);
  scope = new Uint8Array(512);
  next = new Int32Array(512);
  hitCount = 0;
  /** Per rule (global index): its first and last hit (-1: none), and whether any hit is asserted. */
  private first = new Int32Array(0);
  private last = new Int32Array(0);
  private assertedBits = new Uint8Array(0);

  /** Empties the table for a taxonomy of `ruleTotal` rules (only the rules hit last time are reset). */
  reset(ruleTotal: number): void {
    for (let i = 0; i < this.ruleCount; i++) {
      const r = this.rules[i] as number;
      this.first[r] = NONE;
      this.assertedBits[r] = 0;
    }
    this.ruleCount = 0;
    this.hitCount = 0;
    if (this.first.length < ruleTotal) {
      this.first = grownInt(this.first, ruleTotal, NONE);
      this.last = grownInt(this.last, ruleTotal);
      const bits = new Uint8Array(ruleTotal);
      bits.set(this.assertedBits);
      this.assertedBits = bits;
    }
  }

  add(rule: number, start: number, end: number, scope: ScopeKind): void {
    const h = this.hitCount;
    if (h === this.start.length) this.growHits();
    this.start[h] = start;
    this.end[h] = end;
    this.scope[h] = scope;
    this.next[h] = NONE;
    this.hitCount = h + 1;
    if (this.first[rule] === NONE) {
      this.first[rule] = h;
      if (this.ruleCount === this.rules.length) this.rules = grownInt(this.rules, 2 * this.ruleCount);
      this.rules[this.ruleCount++] = rule;
    } else {
      this.next[this.last[rule] as number] = h;
    }
    this.last[rule] = h;
    if (scope === ScopeKind.None) this.assertedBits[rule] = 1;
  }

  /** First hit of a rule, or -1; follow `next` for the rest (in the order they were found). */
  firstHit(rule: number): number {
    return rule < this.first.length ? (this.first[rule] as number) : NONE;
  }

  has(rule: number): boolean {
    return this.firstHit(rule) !== NONE;
  }

  /** Whether the rule has a hit outside every negation, hypothetical and failed-outcome scope. */
  asserted(rule: number): boolean {
    return this.assertedBits[rule] === 1;
  }

  /** The hits of one rule as objects (tests and callers that keep them). */
  hitsOf(rule: number): RuleHit[] {
    const out: RuleHit[] = [];
    for (let h = this.firstHit(rule); h !== NONE; h = this.next[h] as number) {
      out.push({ start: this.start[h] as number, end: this.end[h] as number, scope: this.scope[h] as ScopeKind });
    }
    return out;
  }

  private growHits(): void {
    const size = 2 * this.start.length;
    this.start = grownInt(this.start, size);
    this.end = grownInt(this.end, size);
    this.next = grownInt(this.next, size);
    const scope = new Uint8Array(size);
    scope.set(this.scope);
    this.scope = scope;
  }
}

export const NO_HIT = NONE;
