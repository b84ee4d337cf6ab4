/**
 * Golden tests: the whole output contract for ~20 written narratives (tests/golden/narratives.ts), pinned as
 * one JSON file per narrative in tests/golden/__snapshots__/. `taxonomyVersion` is masked, so only a change in
 * real output (suggestions, scores, spans, flags) breaks them.
 *
 * After an INTENTIONAL taxonomy or engine change, update them with
 *     npx vitest run tests/golden -u
 * and review the diff of tests/golden/__snapshots__/ before committing: each changed line is a changed answer.
 */
import { describe, expect, it } from 'vitest';
import { loadClassifier } from '../../src/classify/load-classifier.js';
import type { Classification } from '../../src/classify/result-schema.js';
import { GOLDEN } from './narratives.js';

const classifier = loadClassifier();

function masked(r: Classification): Classification {
  return { ...r, taxonomyVersion: '<masked>' };
}

describe('golden narratives', () => {
  it('has unique ids', () => {
    expect(new Set(GOLDEN.map((g) => g.id)).size).toBe(GOLDEN.length);
  });

  it.each(GOLDEN.map((g) => [g.id, g] as const))('pins the full result for %s', async (_id, g) => {
    const result = classifier.classify(g.narrative, { id: g.id });
    const body = `${JSON.stringify({ why: g.why, narrative: g.narrative, result: masked(result) }, null, 2)}\n`;
    await expect(body).toMatchFileSnapshot(`./__snapshots__/${g.id}.json`);
  });
});
