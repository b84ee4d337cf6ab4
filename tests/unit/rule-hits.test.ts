/**
 * The pooled tables behind matching and scoring: one table serves every narrative, so what one narrative set must
 * be gone before the next one is read.
 */
import { describe, expect, it } from 'vitest';
import { ScopeKind } from '../../src/classify/negation.js';
import { NO_HIT, RuleHitTable } from '../../src/classify/rule-hits.js';
import { ElementTable } from '../../src/classify/score.js';

describe('RuleHitTable', () => {
  it('keeps each rule\'s hits in the order found and knows which rules have an asserted hit', () => {
    const t = new RuleHitTable();
    t.reset(10);
    t.add(7, 0, 4, ScopeKind.Negated);
    t.add(3, 5, 9, ScopeKind.None);
    t.add(7, 10, 14, ScopeKind.None);
    expect([...t.rules.subarray(0, t.ruleCount)]).toEqual([7, 3]);
    expect(t.hitsOf(7)).toEqual([
      { start: 0, end: 4, scope: ScopeKind.Negated },
      { start: 10, end: 14, scope: ScopeKind.None },
    ]);
    expect([t.asserted(7), t.asserted(3), t.has(5), t.firstHit(5)]).toEqual([true, true, false, NO_HIT]);
  });

  it('starts each narrative empty: no hit, rule or asserted flag survives a reset', () => {
    const t = new RuleHitTable();
    t.reset(10);
    t.add(4, 0, 3, ScopeKind.None);
    t.add(9, 4, 8, ScopeKind.None);
    t.reset(10);
    t.add(4, 1, 2, ScopeKind.Negated);
    expect(t.ruleCount).toBe(1);
    expect(t.hitsOf(4)).toEqual([{ start: 1, end: 2, scope: ScopeKind.Negated }]);
    expect([t.asserted(4), t.has(9), t.asserted(9)]).toEqual([false, false, false]);
  });

  it('grows past its first sizes (many hits, a larger taxonomy) without losing any', () => {
    const t = new RuleHitTable();
    t.reset(4);
    for (let i = 0; i < 2000; i++) t.add(i % 3, i, i + 1, ScopeKind.None);
    t.reset(5000);
    t.add(4999, 1, 2, ScopeKind.None);
    for (let i = 0; i < 1500; i++) t.add(i, i, i + 1, i % 2 === 0 ? ScopeKind.None : ScopeKind.Hypothetical);
    expect(t.ruleCount).toBe(1501);
    expect(t.hitCount).toBe(1501);
    expect([t.asserted(4999), t.asserted(1498), t.asserted(1499), t.has(0)]).toEqual([true, true, false, true]);
    expect(t.hitsOf(2)).toEqual([{ start: 2, end: 3, scope: ScopeKind.None }]);
  });
});

describe('ElementTable', () => {
  it('clears the elements the previous narrative scored', () => {
    const t = new ElementTable();
    t.reset(6);
    t.set(2, 0.75, true);
    t.set(5, 0.3, false);
    t.reset(6);
    t.set(1, 0.5, true);
    expect([...t.score]).toEqual([0, 0.5, 0, 0, 0, 0]);
    expect([...t.satisfied]).toEqual([0, 1, 0, 0, 0, 0]);
    expect([...t.touched.subarray(0, t.touchedCount)]).toEqual([1]);
  });
});
