import { describe, expect, it } from 'vitest';
import { cohensKappa, deriveLabels, deriveStatus, labelKey, suggestionKeys, type Outcome } from '../../src/store/labels.js';
import type { Decision } from '../../src/store/store.js';
import { makeClassification } from './make-classification.js';

function d(id: number, statute: Decision['statute'], decision: Decision['decision'], subsection: string | null = null): Decision {
  return { id, statute, subsection, decision, reasonCode: decision === 'reject' ? 'OTHER' : null, note: null, reviewer: 'r', taxonomyVersion: 'v1', caseVersion: id, decidedAt: 't' };
}

function repeat(pair: [Outcome, Outcome], n: number): [Outcome, Outcome][] {
  return Array.from({ length: n }, () => pair);
}

describe('cohensKappa', () => {
  it.each([
    // The textbook table: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no → po .7, pe .5, kappa .4.
    [[...repeat(['positive', 'positive'], 20), ...repeat(['positive', 'negative'], 5), ...repeat(['negative', 'positive'], 10), ...repeat(['negative', 'negative'], 15)], { pairs: 50, observed: 0.7, kappa: 0.4 }],
    // Perfect agreement over two categories.
    [[...repeat(['positive', 'positive'], 3), ...repeat(['negative', 'negative'], 3)], { pairs: 6, observed: 1, kappa: 1 }],
    // Systematic disagreement is worse than chance.
    [[...repeat(['positive', 'negative'], 2), ...repeat(['negative', 'positive'], 2)], { pairs: 4, observed: 0, kappa: -1 }],
    // Everyone always says positive: chance agreement is 1, kappa is undefined.
    [repeat(['positive', 'positive'], 4), { pairs: 4, observed: 1, kappa: null }],
    [[], { pairs: 0, observed: null, kappa: null }],
  ] as [[Outcome, Outcome][], object][])('computes agreement for table %#', (pairs, expected) => {
    expect(cohensKappa(pairs)).toEqual(expected);
  });
});

describe('deriveLabels', () => {
  it('takes the latest decision per statute and subsection, in statute order', () => {
    const suggested = suggestionKeys(makeClassification({ statutes: { '1343': [], '1030': ['1030(a)(2)(C)'] } }));
    const labels = deriveLabels([d(3, '1343', 'reject'), d(1, '1343', 'accept'), d(2, '1030', 'accept', '1030(a)(2)(C)'), d(4, '1028', 'add')], suggested);
    expect(labels.map((l) => [l.statute, l.subsection, l.decision, l.positive, l.suggested])).toEqual([
      ['1028', null, 'add', true, false],
      ['1030', '1030(a)(2)(C)', 'accept', true, true],
      ['1343', null, 'reject', false, true],
    ]);
  });

  it('keys statutes and subsections apart', () => {
    expect(labelKey('1030', null)).toBe('1030|');
    expect(labelKey('1030', '1030(a)(4)')).toBe('1030|1030(a)(4)');
    expect([...suggestionKeys(makeClassification({ statutes: { '1030': ['1030(a)(4)', '1030(a)(2)(C)'] } }))]).toEqual(['1030|', '1030|1030(a)(4)', '1030|1030(a)(2)(C)']);
  });
});

describe('deriveStatus', () => {
  const c = makeClassification({ statutes: { '1343': [], '1030': [] } });
  it.each([
    [[], 'pending'],
    [[d(1, '1343', 'accept')], 'pending'],
    [[d(1, '1343', 'accept'), d(2, '1030', 'needs-legal-review')], 'reviewed'],
    // A subsection decision counts as a decision about its statute.
    [[d(1, '1343', 'reject'), d(2, '1030', 'reject', '1030(a)(4)')], 'reviewed'],
  ] as [Decision[], string][])('derives the status when given decision set %#', (decisions, status) => {
    expect(deriveStatus(decisions, c)).toBe(status);
  });

  it('is reviewed after any decision when nothing was suggested', () => {
    expect(deriveStatus([d(1, '1028', 'add')], makeClassification())).toBe('reviewed');
    expect(deriveStatus([], makeClassification())).toBe('pending');
  });
});
