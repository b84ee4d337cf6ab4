/**
 * Lint of the REAL taxonomy beyond what the loader enforces: every rule cites a source, every ATLAS id written
 * anywhere is in the verified list, every `expect` names something that exists, and the taxonomy version is a
 * content hash that moves with any change to any file.
 */
import { describe, expect, it } from 'vitest';
import { loadClassifier } from '../../src/classify/load-classifier.js';
import { DEFAULT_TAXONOMY_DIR } from '../../src/paths.js';
import { loadTaxonomy, parseTaxonomy, readTaxonomyDir, type SourceFile } from '../../src/taxonomy/load.js';
import type { Element, Example } from '../../src/taxonomy/schema.js';

const files = readTaxonomyDir(DEFAULT_TAXONOMY_DIR);
const taxonomy = parseTaxonomy(files);

/** Every indicator rule and counter with where it lives, across statutes, AI kinds and exfiltration patterns. */
function allRules(): { where: string; source: string }[] {
  const out: { where: string; source: string }[] = [];
  const visit = (file: string, elements: Element[]): void => {
    for (const el of elements) {
      for (const r of el.rules) out.push({ where: `${file} ${el.id}.${r.id}`, source: r.source });
      for (const c of el.counters) out.push({ where: `${file} ${el.id}.${c.id} (counter)`, source: c.source });
    }
  };
  for (const s of taxonomy.statutes) visit(taxonomy.files[s.statute] ?? s.id, s.elements);
  visit(taxonomy.files.ai ?? 'ai', taxonomy.ai.elements);
  visit(taxonomy.files.exfil ?? 'exfil', taxonomy.exfil.elements);
  return out;
}

const expectIds = (examples: { match: Example[]; noMatch: Example[] }): string[] =>
  [...examples.match, ...examples.noMatch].flatMap((e) => (typeof e === 'string' ? [] : e.expect));

describe('taxonomy lint', () => {
  const rules = allRules();

  it('has rules to lint', () => {
    expect(rules.length).toBeGreaterThan(50);
  });

  it.each(rules.map((r) => [r.where, r.source] as const))('cites a source for %s', (_where, source) => {
    expect(source.trim().length).toBeGreaterThanOrEqual(3);
  });

  it('cites a source for every subsection, AI kind, exfiltration pattern and concept', () => {
    const missing = [
      ...taxonomy.statutes.flatMap((s) => s.subsections.map((x) => [x.code, x.source] as const)),
      ...taxonomy.ai.kinds.map((k) => [k.id, k.source] as const),
      ...taxonomy.exfil.patterns.map((p) => [p.id, p.source] as const),
      ...Object.entries(taxonomy.concepts).map(([id, c]) => [`@${id}`, c.source] as const),
    ].filter(([, source]) => source.trim().length < 3);
    expect(missing).toEqual([]);
  });

  it('uses only ATLAS ids from lexicons/atlas.yaml, anywhere in any file (ids, sources, references, comments)', () => {
    const unknown: string[] = [];
    for (const f of files) {
      if (f.path === 'lexicons/atlas.yaml') continue;
      for (const m of f.content.matchAll(/AML\.T\d{4}(?:\.\d{3})?/g)) if (!(m[0] in taxonomy.atlas)) unknown.push(`${f.path}: ${m[0]}`);
    }
    expect(unknown).toEqual([]);
  });

  it('writes the #amount token class only inside quotes (YAML reads an unquoted " #" as the start of a comment)', () => {
    const unquoted: string[] = [];
    for (const f of files) {
      f.content.split('\n').forEach((line, i) => {
        if (line.trimStart().startsWith('#')) return; // a whole-line comment may mention it
        for (const m of line.matchAll(/#amount/g)) {
          const before = line.slice(0, m.index);
          const quotes = (before.match(/"/g)?.length ?? 0) + (before.match(/'/g)?.length ?? 0);
          if (quotes % 2 === 0) unquoted.push(`${f.path}:${i + 1}`);
        }
      });
    }
    expect(unquoted).toEqual([]);
  });

  it('gives every exfiltration pattern at least one ATLAS id', () => {
    expect(taxonomy.exfil.patterns.filter((p) => p.atlas.length === 0).map((p) => p.id)).toEqual([]);
  });

  it('names only existing subsection codes, AI kinds and exfiltration patterns in examples `expect`', () => {
    const bad: string[] = [];
    for (const s of taxonomy.statutes) {
      const codes = new Set(s.subsections.map((x) => x.code));
      for (const id of expectIds(s.examples)) if (!codes.has(id)) bad.push(`${s.statute}: ${id}`);
    }
    const kinds = new Set(taxonomy.ai.kinds.map((k) => k.id));
    for (const id of expectIds(taxonomy.ai.examples)) if (!kinds.has(id)) bad.push(`ai: ${id}`);
    const patterns = new Set(taxonomy.exfil.patterns.map((p) => p.id));
    for (const id of expectIds(taxonomy.exfil.examples)) if (!patterns.has(id)) bad.push(`exfiltration: ${id}`);
    expect(bad).toEqual([]);
  });

  it('never lists one phrase under two counters of an element (penalties multiply: the phrase would count twice)', () => {
    // Concepts expanded to their phrase strings; a phrase that tokenizes like another is not caught, an exact copy is.
    const expand = (phrases: readonly string[], seen: ReadonlySet<string> = new Set()): string[] =>
      phrases.flatMap((p) => {
        const concept = /^@([\w-]+)$/.exec(p)?.[1];
        if (concept === undefined) return [p];
        if (seen.has(concept)) return [];
        return expand(taxonomy.concepts[concept]?.phrases ?? [], new Set([...seen, concept]));
      });
    const shared: string[] = [];
    for (const el of [...taxonomy.statutes.flatMap((s) => s.elements), ...taxonomy.ai.elements, ...taxonomy.exfil.elements]) {
      const owner = new Map<string, string>();
      for (const c of el.counters) {
        for (const p of new Set(expand(c.phrases ?? []))) {
          const first = owner.get(p);
          if (first !== undefined && first !== c.id) shared.push(`${el.id}: '${p}' in ${first} and ${c.id}`);
          else owner.set(p, c.id);
        }
      }
    }
    expect(shared).toEqual([]);
  });

  it('names only existing cautions on rules and counters', () => {
    const known = new Set(taxonomy.cautions.map((c) => c.id));
    const used = [...taxonomy.statutes.flatMap((s) => s.elements), ...taxonomy.ai.elements, ...taxonomy.exfil.elements].flatMap((el) =>
      [...el.rules, ...el.counters].map((r) => r.caution).filter((c): c is string => c !== undefined),
    );
    expect(used.filter((c) => !known.has(c))).toEqual([]);
  });
});

describe('taxonomy version', () => {
  /** The files with one changed by `change`. */
  const changed = (path: string, change: (content: string) => string): SourceFile[] =>
    files.map((f) => (f.path === path ? { path, content: change(f.content) } : f));

  it('is a 16-hex-digit content hash, the same from every entry point', () => {
    expect(taxonomy.version).toMatch(/^[0-9a-f]{16}$/);
    expect(loadTaxonomy().version).toBe(taxonomy.version);
    const c = loadClassifier();
    expect(c.taxonomyVersion).toBe(taxonomy.version);
    expect(c.classify('She wired $4,500 after a fake email.').taxonomyVersion).toBe(taxonomy.version);
  });

  it('does not change when the same files are read again or listed in another order', () => {
    expect(parseTaxonomy(readTaxonomyDir(DEFAULT_TAXONOMY_DIR)).version).toBe(taxonomy.version);
    expect(parseTaxonomy([...files].reverse()).version).toBe(taxonomy.version);
  });

  it.each(files.map((f) => [f.path]))('changes when %s changes, even by a comment', (path) => {
    const v = parseTaxonomy(changed(path, (c) => `${c}\n# edited\n`)).version;
    expect(v).toMatch(/^[0-9a-f]{16}$/);
    expect(v).not.toBe(taxonomy.version);
  });

  it('changes when a weight changes', () => {
    const path = files.find((f) => f.path.startsWith('statutes/'))?.path ?? '';
    const v = parseTaxonomy(changed(path, (c) => c.replace(/weight: 0\.(\d)/, (_m, d: string) => `weight: 0.${d}1`))).version;
    expect(v).not.toBe(taxonomy.version);
  });

  it('changes when a file is renamed', () => {
    const v = parseTaxonomy(files.map((f) => (f.path === 'cautions.yaml' ? { ...f, path: 'lexicons/cautions.yaml' } : f))).version;
    expect(v).not.toBe(taxonomy.version);
  });
});
