/**
 * Sigma-style example runs for the REAL taxonomy (taxonomy/): every `examples.match` item of every file must
 * produce that file's finding, every `examples.noMatch` item must not.
 *   statute file        match → the statute is suggested (and, with `expect`, each listed subsection code)
 *   ai-involvement      match → ai.involved (and, with `expect`, each listed kind)
 *   agent-exfiltration  match → exfiltration.flagged (and, with `expect`, each listed pattern id)
 * A `noMatch` item written with `expect` only forbids the listed codes / kinds / patterns; a plain string
 * forbids the finding altogether. Examples are run at the classifier's default threshold.
 */
import { describe, expect, it } from 'vitest';
import { createClassifier } from '../../src/classify/classifier.js';
import type { Classification } from '../../src/classify/result-schema.js';
import { compileTaxonomy } from '../../src/taxonomy/compile.js';
import { loadTaxonomy } from '../../src/taxonomy/load.js';
import type { Example } from '../../src/taxonomy/schema.js';

const taxonomy = loadTaxonomy();
const classifier = createClassifier(compileTaxonomy(taxonomy));

interface Case {
  file: string;
  kind: 'match' | 'noMatch';
  index: number;
  text: string;
  expect: string[] | undefined;
  /** The finding (statute, AI involvement, exfiltration) and the ids it produced, read from a result. */
  found: (r: Classification) => { present: boolean; ids: string[] };
}

function cases(file: string, examples: { match: Example[]; noMatch: Example[] }, found: Case['found']): Case[] {
  const out: Case[] = [];
  for (const kind of ['match', 'noMatch'] as const) {
    examples[kind].forEach((ex, index) => {
      const text = typeof ex === 'string' ? ex : ex.text;
      out.push({ file, kind, index, text, expect: typeof ex === 'string' ? undefined : ex.expect, found });
    });
  }
  return out;
}

const all: Case[] = [
  ...taxonomy.statutes.flatMap((s) =>
    cases(taxonomy.files[s.statute] ?? s.id, s.examples, (r) => {
      const sug = r.suggestions.find((x) => x.statute === s.statute);
      return { present: sug !== undefined, ids: sug?.subsections.map((x) => x.code) ?? [] };
    }),
  ),
  ...cases(taxonomy.files.ai ?? 'ai-involvement.yaml', taxonomy.ai.examples, (r) => ({ present: r.ai.involved, ids: r.ai.kinds })),
  ...cases(taxonomy.files.exfil ?? 'agent-exfiltration.yaml', taxonomy.exfil.examples, (r) => ({
    present: r.exfiltration.flagged,
    ids: r.exfiltration.patterns.map((p) => p.id),
  })),
];

const title = (c: Case): string => `${c.file} ${c.kind}[${c.index}]${c.expect ? ` (${c.expect.join(', ')})` : ''}: ${c.text}`;

describe('taxonomy examples', () => {
  it('has examples for every statute file and both finding files', () => {
    expect(new Set(all.map((c) => c.file)).size).toBe(taxonomy.statutes.length + 2);
  });

  it.each(all.filter((c) => c.kind === 'match').map((c) => [title(c), c] as const))('produces the finding for %s', (_t, c) => {
    const { present, ids } = c.found(classifier.classify(c.text));
    expect(present, 'finding').toBe(true);
    if (c.expect) expect(ids).toEqual(expect.arrayContaining(c.expect));
  });

  it.each(all.filter((c) => c.kind === 'noMatch').map((c) => [title(c), c] as const))('does not produce the finding for %s', (_t, c) => {
    const { present, ids } = c.found(classifier.classify(c.text));
    if (c.expect) for (const id of c.expect) expect(ids).not.toContain(id);
    else expect(present, `unexpected finding (${ids.join(', ')})`).toBe(false);
  });
});
