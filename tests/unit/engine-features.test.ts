/**
 * Engine features added while tuning: currency amounts as a token class (#amount), clause-wide negation cues,
 * `negatable: never`, and subsection formulations that rest on an AI-agent exfiltration finding with their own
 * caution. Built on the mini fixture taxonomy with one file changed per test.
 */
import { describe, expect, it } from 'vitest';
import { createClassifier } from '../../src/classify/classifier.js';
import { identityStemmer } from '../../src/classify/stem.js';
import { matchRules } from '../../src/classify/match.js';
import { ScopeKind } from '../../src/classify/negation.js';
import { AMOUNT_STEM, tokenize } from '../../src/classify/tokenize.js';
import { compileTaxonomy } from '../../src/taxonomy/compile.js';
import { parseTaxonomy, TaxonomyError } from '../../src/taxonomy/load.js';
import { miniFile, withFiles } from '../fixtures/taxonomy/mini-taxonomy.js';

const identity = identityStemmer();

function classifierWith(replacements: Record<string, string>): ReturnType<typeof createClassifier> {
  return createClassifier(compileTaxonomy(parseTaxonomy(withFiles(replacements))));
}

describe('#amount token class', () => {
  it('gives a number right after a currency sign the stem #amount when a sign precedes it', () => {
    const t = tokenize('She wired $4,500 and € 900 but 12 people', identity);
    expect(t.word.map((w) => w.stem)).toEqual(['she', 'wired', AMOUNT_STEM, 'and', AMOUNT_STEM, 'but', '12', 'people']);
    expect(t.norm[2]).toBe('4,500');
  });

  it('knows the rupee sign as well as the dollar, euro, pound and yen signs', () => {
    const t = tokenize('sent ₹50,000 and ¥ 3000', identity);
    expect(t.word.map((w) => w.stem)).toEqual(['sent', AMOUNT_STEM, 'and', AMOUNT_STEM]);
  });

  it('lets a rule say "paid #amount" and keeps the evidence on the original text', () => {
    const wire = miniFile('statutes/wire.yaml').replace('phrases: ["@cash-words"]', 'phrases: ["@cash-words", "paid #amount"]');
    const c = classifierWith({ 'statutes/wire.yaml': wire });
    const text = 'She posed as my bank and I paid $1,200 by zelle';
    const evidence = c.classify(text).suggestions.flatMap((s) => s.evidence);
    expect(evidence.map((e) => e.text)).toContain('paid $1,200');
    expect(evidence.every((e) => text.slice(e.start, e.end) === e.text)).toBe(true);
  });
});

describe('clause-wide negation and negatable: never', () => {
  const negation = (extra: string): string => `${miniFile('lexicons/negation.yaml')}\n${extra}\n`;

  it('negates to the end of the clause after a clause cue, beyond the forward window', () => {
    const c = classifierWith({ 'lexicons/negation.yaml': negation('clauseNegation: [nothing indicates]') });
    const far = 'Nothing indicates that he one two three four five hacked my account and downloaded files.';
    expect(c.classify(far).suggestions).toEqual([]);
    const later = c.classify('Nothing indicates that. He hacked my account and downloaded files.');
    expect(later.suggestions.map((s) => s.statute)).toContain('1030');
    // Without the clause cue, the same words are past the forward window and the statute is suggested.
    const plain = classifierWith({});
    expect(plain.classify('Nobody knows that he one two three four five hacked my account and downloaded files.').suggestions.map((s) => s.statute)).toContain('1030');
  });

  it('keeps a negatable: never rule asserted inside a negation scope', () => {
    const computer = miniFile('statutes/computer.yaml').replace(
      "      - id: no-permission\n        weight: 0.5",
      "      - id: no-permission\n        weight: 0.5\n        negatable: never",
    );
    const c = classifierWith({ 'statutes/computer.yaml': computer });
    const r = JSON.stringify(c.classify('He did not have no permission to enter'));
    expect(r).toMatch(/"text":"no permission","rule":"1030\.access\.no-permission"(?!,"negated")/);
  });
});

describe('negatable: conditional', () => {
  /** Scopes of the hits of the mini taxonomy's `no-permission` rule, with the given `negatable`. */
  const scopes = (mode: string, text: string): ScopeKind[] => {
    const computer = miniFile('statutes/computer.yaml').replace(
      "      - id: no-permission\n        weight: 0.5",
      `      - id: no-permission\n        weight: 0.5\n        negatable: ${mode}`,
    );
    const tx = compileTaxonomy(parseTaxonomy(withFiles({ 'statutes/computer.yaml': computer })));
    const rule = tx.rules.findIndex((r) => r.qid === '1030.access.no-permission');
    return (matchRules(text, tokenize(text, tx.stemmer), tx).get(rule) ?? []).map((h) => h.scope);
  };

  it('keeps a conditional rule asserted inside a hypothetical scope, where a default rule is cancelled', () => {
    const text = 'If he had no permission to enter';
    expect(scopes('conditional', text)).toEqual([ScopeKind.None]);
    expect(scopes('true', text)).toEqual([ScopeKind.Hypothetical]);
  });

  it('still cancels a conditional rule under a denial', () => {
    expect(scopes('conditional', 'He did not have no permission to enter')).toEqual([ScopeKind.Negated]);
  });
});

describe('subsections resting on an exfiltration finding', () => {
  const computerWith = (sub: string): string =>
    miniFile('statutes/computer.yaml').replace('examples:', `${sub}\nexamples:`).replace('subsections:\n', 'subsections:\n');

  const agentSub = `  - code: 1030(a)(2)(C)
    title: Toy obtaining information
    requires: []
    requiresExfiltration: [injected-agent-exfiltration]
    caution: dubin-incidental-identity
    source: "fixture"`;

  it('passes with no elements of its own when the exfiltration pattern is flagged, and carries its caution', () => {
    const computer = miniFile('statutes/computer.yaml').replace(
      '  - code: 1030(b)\n    title: Toy attempt\n    requires: [access]',
      `${agentSub}\n  - code: 1030(b)\n    title: Toy attempt\n    requires: [access]`,
    );
    const c = classifierWith({ 'statutes/computer.yaml': computer });
    const r = c.classify("The AI assistant searched the mailbox and posted it to the attacker's server.");
    expect(r.exfiltration.flagged).toBe(true);
    const s = r.suggestions.find((x) => x.statute === '1030');
    expect(s?.subsections.map((x) => x.code)).toEqual(['1030(a)(2)(C)']);
    expect(s?.cautions).toEqual(['dubin-incidental-identity']);
  });

  it('does not pass without the finding', () => {
    const computer = miniFile('statutes/computer.yaml').replace(
      '  - code: 1030(b)\n    title: Toy attempt\n    requires: [access]',
      `${agentSub}\n  - code: 1030(b)\n    title: Toy attempt\n    requires: [access]`,
    );
    const c = classifierWith({ 'statutes/computer.yaml': computer });
    expect(c.classify('The AI assistant summarised my inbox.').suggestions).toEqual([]);
  });

  it('refuses an unknown pattern id and an empty requires list without a finding', () => {
    const bad = computerWith(`  - code: 1030(a)(3)
    title: Toy trespass
    requires: []
    source: "fixture"
  - code: 1030(a)(4)
    title: Toy fraud
    requires: []
    requiresExfiltration: [no-such-pattern]
    source: "fixture"`);
    let error: unknown;
    try {
      parseTaxonomy(withFiles({ 'statutes/computer.yaml': bad }));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TaxonomyError);
    const messages = (error as TaxonomyError).issues.map((i) => `${i.path}: ${i.message}`);
    expect(messages.some((m) => /requires: needs at least one required element/.test(m))).toBe(true);
    expect(messages.some((m) => /requiresExfiltration\.0: unknown exfiltration pattern "no-such-pattern"/.test(m))).toBe(true);
  });
});

describe('tokenizer and loader fixes', () => {
  const identity2 = identityStemmer();

  it('ends a sentence at "no." unless a number follows', () => {
    expect(Array.from(tokenize('He said no. He wired', identity2).sentence)).toEqual([0, 0, 0, 1, 1]);
    expect(Array.from(tokenize('acct no. 4411 was', identity2).sentence)).toEqual([0, 0, 0, 0]);
  });

  it('does not make a token of a lone variation selector or combining mark', () => {
    expect(tokenize('I \u2764\ufe0f it', identity2).norm).toEqual(['i', 'it']);
    expect(tokenize('caf\u00e9 e\u0301te\u0301', identity2).norm).toEqual(['café', 'été']);
  });

  const problems = (replacements: Record<string, string>): string[] => {
    try {
      parseTaxonomy(withFiles(replacements));
    } catch (err) {
      if (err instanceof TaxonomyError) return err.issues.map((i) => `${i.file} → ${i.path}: ${i.message}`);
      throw err;
    }
    return [];
  };

  it('reports reference errors together with schema errors in other files', () => {
    const wire = miniFile('statutes/wire.yaml').replace('weight: 0.7, source', 'weight: "heavy", source');
    const exfil = miniFile('agent-exfiltration.yaml').replace('atlas: [AML.T0051.001]', 'atlas: [AML.T9999]');
    const found = problems({ 'statutes/wire.yaml': wire, 'agent-exfiltration.yaml': exfil });
    expect(found.some((m) => m.startsWith('statutes/wire.yaml → elements.2.rules.0.weight'))).toBe(true);
    expect(found.some((m) => m.startsWith('agent-exfiltration.yaml → patterns.0.atlas.0: ATLAS technique AML.T9999'))).toBe(true);
  });

  it('does not call a file missing when it exists but failed its schema', () => {
    const exfil = miniFile('agent-exfiltration.yaml').replace('status: experimental', 'status: final');
    const found = problems({ 'agent-exfiltration.yaml': exfil });
    expect(found.some((m) => m.startsWith('agent-exfiltration.yaml → status'))).toBe(true);
    expect(found.some((m) => m.includes('missing the agent-exfiltration file'))).toBe(false);
  });

  it('gives YAML syntax errors a line and column', () => {
    const found = problems({ 'cautions.yaml': 'kind: cautions\ncautions: [\n  - id: x\n' });
    expect(found.some((m) => /^cautions\.yaml → line \d+, column \d+: YAML: /.test(m))).toBe(true);
  });

  it('refuses a repeated group of alternatives that safe-regex2 lets through', () => {
    const wire = miniFile('statutes/wire.yaml').replace(String.raw`regex: '\$\d[\d,]*(?:\.\d\d)?'`, "regex: '(x|x)*y'");
    const found = problems({ 'statutes/wire.yaml': wire });
    expect(found.some((m) => m.includes('repeats a group of alternatives'))).toBe(true);
  });
});

describe('tokenizer termination', () => {
  it('consumes a letter-class character that cannot start a token (modifier apostrophe U+02BC) instead of looping', () => {
    expect(tokenize('a \u02bc b \u02bcx', identityStemmer()).norm).toEqual(['a', 'b', 'x']);
  });
});

describe('stems file (word families Porter merges are kept apart)', () => {
  const STEMS = 'lexicons/stems.yaml';
  const stems = (families: string): string => `kind: stems\nsource: "fixture"\nkeepApart:\n${families}`;
  const wire = miniFile('statutes/wire.yaml').replace('phrases: ["@cash-words"]', 'phrases: ["@cash-words", "generated"]');
  const moneyHits = (replacements: Record<string, string>, text: string): string[] => {
    const tx = compileTaxonomy(parseTaxonomy(withFiles(replacements)));
    const rule = tx.rules.findIndex((r) => r.qid === '1343.money.money');
    const hits = matchRules(text, tokenize(text, tx.stemmer), tx).get(rule) ?? [];
    return hits.map((h) => text.slice(h.start, h.end));
  };

  it('Porter alone folds "general" into the stem of "generated"', () => {
    expect(moneyHits({ 'statutes/wire.yaml': wire }, 'The attorney general generated a letter')).toEqual(['general', 'generated']);
  });

  it('gives a listed family its own stem in narratives and phrases alike', () => {
    const families = stems('  - { words: [general, generals], notLike: [generated] }\n');
    expect(moneyHits({ 'statutes/wire.yaml': wire, [STEMS]: families }, 'The attorney general generated a letter')).toEqual(['generated']);
    // A phrase written with a family word matches only that family.
    const byGeneral = wire.replace('"generated"]', '"general"]');
    expect(moneyHits({ 'statutes/wire.yaml': byGeneral, [STEMS]: families }, 'the generals generated it')).toEqual(['generals']);
  });

  it('is part of the taxonomy version', () => {
    const without = parseTaxonomy(withFiles({})).version;
    const withStems = parseTaxonomy(withFiles({ [STEMS]: stems('  - { words: [general], notLike: [generated] }\n') })).version;
    expect(withStems).not.toBe(without);
  });

  it('refuses an entry that names no word Porter merges it with, and a word in two families', () => {
    let issues: unknown[] = [];
    try {
      parseTaxonomy(
        withFiles({ [STEMS]: stems('  - { words: [general], notLike: [wire] }\n  - { words: [general, news], notLike: [new] }\n') }),
      );
    } catch (err) {
      if (err instanceof TaxonomyError) issues = [...err.issues];
    }
    expect(issues).toEqual([
      { file: STEMS, path: 'keepApart.0.notLike.0', message: '"wire" does not share a Porter stem with any of general' },
      { file: STEMS, path: 'keepApart.1.words.0', message: '"general" is already in another family' },
    ]);
  });
  it("gives a listed spelling variant the standard word's stem, in narratives and phrases alike", () => {
    const byAnalyzed = wire.replace('"generated"]', '"analyzed"]');
    const text = 'They analysed the logs and analyzed the mail';
    // Porter stems the two spellings apart ("analys", "analyz").
    expect(moneyHits({ 'statutes/wire.yaml': byAnalyzed }, text)).toEqual(['analyzed']);
    const spelled = stems('  - { words: [general], notLike: [generated] }\n') + 'spellings: { analysed: analyzed }\n';
    expect(moneyHits({ 'statutes/wire.yaml': byAnalyzed, [STEMS]: spelled }, text)).toEqual(['analysed', 'analyzed']);
    // A phrase written in the variant spelling matches both too.
    const byAnalysed = wire.replace('"generated"]', '"analysed"]');
    expect(moneyHits({ 'statutes/wire.yaml': byAnalysed, [STEMS]: spelled }, text)).toEqual(['analysed', 'analyzed']);
  });

  it("refuses a spelling that already shares the standard word's stem, or that a family lists", () => {
    let issues: unknown[] = [];
    try {
      parseTaxonomy(withFiles({ [STEMS]: stems('  - { words: [general], notLike: [generated] }\n') + 'spellings: { cancelled: canceled, general: generic }\n' }));
    } catch (err) {
      if (err instanceof TaxonomyError) issues = [...err.issues];
    }
    expect(issues).toEqual([
      { file: STEMS, path: 'spellings.cancelled', message: '"cancelled" and "canceled" already share a Porter stem' },
      { file: STEMS, path: 'spellings.general', message: '"general" already has a stem of its own (keepApart or another spelling)' },
    ]);
  });
});
