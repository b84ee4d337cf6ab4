/**
 * The output contract over every labelled sample (samples/labelled/*.jsonl) and every golden narrative: each
 * result parses with ClassificationSchema and carries no field outside it, and every evidence span is in
 * bounds and equals narrative.slice(start, end); the lean summary (CSV columns) equals the summary of the full result.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadClassifier } from '../../src/classify/load-classifier.js';
import { ClassificationSchema } from '../../src/classify/result-schema.js';
import { summaryOf } from '../../src/classify/summary.js';
import { GOLDEN } from './narratives.js';
import { evidenceLists, spanProblems } from './spans.js';

const SAMPLES_DIR = fileURLToPath(new URL('../../samples/labelled/', import.meta.url));

const SampleSchema = z.object({ id: z.string(), narrative: z.string().min(1) });

function readSamples(): { id: string; narrative: string }[] {
  const out: { id: string; narrative: string }[] = [];
  for (const name of readdirSync(SAMPLES_DIR).filter((n) => n.endsWith('.jsonl')).sort()) {
    const lines = readFileSync(`${SAMPLES_DIR}${name}`, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      const parsed = SampleSchema.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`${name}:${i + 1}: not a sample: ${parsed.error.message}`);
      out.push({ id: parsed.data.id, narrative: parsed.data.narrative });
    });
  }
  return out;
}

const samples = readSamples();
const classifier = loadClassifier();
const inputs = [...samples, ...GOLDEN.map((g) => ({ id: g.id, narrative: g.narrative }))];

describe('output contract', () => {
  it('reads all labelled samples', () => {
    expect(samples.length).toBeGreaterThanOrEqual(250);
  });

  it('parses every result with ClassificationSchema, with and without explanations', () => {
    const failures: string[] = [];
    for (const s of inputs) {
      for (const explain of [true, false]) {
        const r = classifier.classify(s.narrative, { id: s.id, explain });
        const parsed = ClassificationSchema.safeParse(r);
        if (!parsed.success) failures.push(`${s.id} (explain ${explain}): ${parsed.error.message}`);
        // zod strips unknown keys, so a field outside the contract shows up as a difference.
        else if (!isDeepStrictEqual(parsed.data, r)) failures.push(`${s.id} (explain ${explain}): fields outside the contract`);
        else if (r.id !== s.id || r.taxonomyVersion !== classifier.taxonomyVersion) failures.push(`${s.id}: id or version not stamped`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('gives every evidence span text equal to narrative.slice(start, end)', () => {
    const failures: string[] = [];
    let spans = 0;
    for (const s of inputs) {
      const r = classifier.classify(s.narrative, { id: s.id });
      spans += evidenceLists(r).reduce((n, [, l]) => n + l.length, 0);
      for (const p of spanProblems(s.narrative, r)) failures.push(`${s.id}: ${p}`);
    }
    expect(failures).toEqual([]);
    expect(spans).toBeGreaterThan(1000);
  });

  it('keeps the priority consistent with the findings', () => {
    for (const s of inputs) {
      const r = classifier.classify(s.narrative);
      const expected = r.suggestions.length === 0 ? 'none' : r.ai.involved ? 'sec4' : 'statute';
      expect(r.priority, s.id).toBe(expected);
      if (r.exfiltration.flagged) expect(r.ai.involved, s.id).toBe(true);
    }
  });

  it('summarizes every narrative exactly as the full result does, at several thresholds', () => {
    const failures: string[] = [];
    let withStatute = 0;
    for (const s of inputs) {
      for (const threshold of [undefined, 0.3, 0.7]) {
        const lean = classifier.summarize(s.narrative, { threshold });
        const full = summaryOf(classifier.classify(s.narrative, { explain: false, threshold }));
        if (!isDeepStrictEqual(lean, full)) failures.push(`${s.id} (threshold ${threshold ?? 'default'})`);
        if (lean.statutes.length > 0) withStatute++;
      }
    }
    expect(failures).toEqual([]);
    expect(withStatute).toBeGreaterThan(inputs.length); // the comparison covers real suggestions, not empty ones
  });
});
