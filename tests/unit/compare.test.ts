/**
 * `npm run eval -- --compare <dir>`: which labelled narratives a taxonomy change moves, toward or away from their
 * labels. Pinned on the mini fixture taxonomy with one phrase added ("venmo" as a wire transfer).
 */
import { describe, expect, it } from 'vitest';
import { createClassifier } from '../../src/classify/classifier.js';
import { compareClassifiers, formatCompare } from '../../src/eval/compare.js';
import type { LabelledCase } from '../../src/eval/dataset.js';
import { compileTaxonomy } from '../../src/taxonomy/compile.js';
import { parseTaxonomy } from '../../src/taxonomy/load.js';
import { miniClassifier, miniFile, withFiles } from '../fixtures/taxonomy/mini-taxonomy.js';

const labelled = (id: string, narrative: string, statutes: LabelledCase['statutes'], split: LabelledCase['split']): LabelledCase => ({
  id,
  narrative,
  statutes,
  aiInvolved: false,
  agentExfiltration: false,
  split,
  style: undefined,
});

describe('compareClassifiers', () => {
  const path = 'statutes/wire.yaml';
  const edited = miniFile(path).replace('phrases: [wire transfer, zelle]', 'phrases: [wire transfer, zelle, venmo]');
  const base = miniClassifier();
  const current = createClassifier(compileTaxonomy(parseTaxonomy(withFiles({ [path]: edited }))));
  const cases = [
    labelled('fixed', 'He posed as my bank and took $500 by venmo.', ['1343'], 'tune'),
    labelled('broken', 'In a drill he posed as my bank and asked for $500 by venmo; no money was sent.', [], 'holdout'),
    labelled('same', 'He posed as my bank and took $500 by zelle.', ['1343'], 'holdout'),
  ];

  it('lists only the narratives whose decision changed, toward or away from their labels, with a tally per split', () => {
    expect(edited).toContain('venmo');
    const r = compareClassifiers(base, current, cases);
    expect(r.n).toBe(3);
    expect(r.baseVersion).not.toBe(r.version);
    expect(r.moves.map((m) => [m.id, m.direction, m.before.statutes, m.after.statutes])).toEqual([
      ['fixed', 'toward', [], ['1343']],
      ['broken', 'away', [], ['1343']],
    ]);
    expect(r.tally).toEqual({
      all: { toward: 1, away: 1, sideways: 0 },
      tune: { toward: 1, away: 0, sideways: 0 },
      holdout: { toward: 0, away: 1, sideways: 0 },
    });
    const text = formatCompare(r);
    expect(text.split('\n')[0]).toBe(`taxonomy ${r.baseVersion} → ${r.version}: 2 of 3 narratives change`);
    expect(text.split('\n').at(-1)).toBe('all: 1 toward, 1 away, 0 sideways');
  });

  it('reports nothing when the taxonomies decide alike', () => {
    const r = compareClassifiers(base, base, cases);
    expect(r.moves).toEqual([]);
    expect(r.tally).toEqual({ all: { toward: 0, away: 0, sideways: 0 } });
  });
});
