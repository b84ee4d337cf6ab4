import { describe, expect, it } from 'vitest';
import { loadClassifier } from '../../src/classify/load-classifier.js';

describe('shipped taxonomy', () => {
  it('loads and classifies a plain wire-fraud narrative', () => {
    const c = loadClassifier();
    const r = c.classify('She wired $4,500 after an email that posed as her bank said her account was frozen.');
    expect(r.suggestions.map((s) => s.statute)).toContain('1343');
    expect(r.taxonomyVersion).toMatch(/^[0-9a-f]{16}$/);
  });
});
