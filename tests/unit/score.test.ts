/**
 * Scoring over the mini fixture taxonomy (tests/fixtures/taxonomy/mini). Weights there are chosen so every
 * expected score below can be checked by hand:
 *   element  = noisy-OR of DISTINCT firing rules, 1 - Π(1 - w), times (1 - penalty) per applying counter
 *   target   = mean of the required groups' best element scores, + 0.05 per satisfied optional element
 * Toy 1343 requires scheme, money and [wire | phone], optional crew; 1349 also requires crew.
 */
import { describe, expect, it } from 'vitest';
import { createClassifier } from '../../src/classify/classifier.js';
import type { Classification } from '../../src/classify/result-schema.js';
import { compileTaxonomy } from '../../src/taxonomy/compile.js';
import { parseTaxonomy } from '../../src/taxonomy/load.js';
import { miniClassifier, miniCompiled, miniFile, withFiles } from '../fixtures/taxonomy/mini-taxonomy.js';

const c = miniClassifier();

function element(r: Classification, statute: string, code: string, id: string): { score: number; satisfied: boolean; against?: unknown[] } {
  const el = r.suggestions
    .find((s) => s.statute === statute)
    ?.subsections.find((s) => s.code === code)
    ?.elements.find((e) => e.id === id);
  if (!el) throw new Error(`no element ${statute} ${code} ${id} in ${JSON.stringify(r.suggestions)}`);
  return el;
}

const statutes = (r: Classification): string[] => r.suggestions.map((s) => s.statute);
const codes = (r: Classification, statute: string): string[] =>
  r.suggestions.find((s) => s.statute === statute)?.subsections.map((s) => s.code) ?? [];

describe('element scores', () => {
  it('combines distinct rules by noisy-OR', () => {
    // posed-as 0.6, fake-invoice 0.5: 1 - 0.4 × 0.5 = 0.8; target (0.8 + 0.5 + 0.7) / 3 = 0.667.
    const r = c.classify('He posed as my bank and sent a fake invoice for $500 by zelle.');
    expect(element(r, '1343', '1343', 'scheme')).toMatchObject({ score: 0.8, satisfied: true });
    expect(r.suggestions[0]?.score).toBe(0.667);
  });

  it('does not stack repeated hits of one rule', () => {
    const once = c.classify('He posed as my bank and took $500 by zelle.');
    const thrice = c.classify('He posed as my bank, posing as IT, posed as HR and took $500 by zelle, zelle, zelle.');
    expect(element(thrice, '1343', '1343', 'scheme').score).toBe(0.6);
    expect(element(thrice, '1343', '1343', 'wire').score).toBe(0.7);
    expect(thrice.suggestions[0]?.score).toBe(once.suggestions[0]?.score);
  });

  it('applies a counter as a penalty that can unsatisfy the element, and reports the element missing', () => {
    // posed-as 0.6 × (1 - 0.5) = 0.3 < minScore 0.5.
    const r = c.classify('In a phishing drill he posed as IT and asked for $500 by zelle.');
    expect(r.suggestions).toEqual([]);
    expect(r.candidates).toEqual([{ statute: '1343', code: '1343', score: 0.5, missing: ['scheme'] }]);
  });

  it('skips a counter when a rule named in its `unless` fires', () => {
    const r = c.classify('In a phishing drill he posed as IT and sent a fake invoice for $500 by zelle.');
    const scheme = element(r, '1343', '1343', 'scheme');
    expect(scheme).toMatchObject({ score: 0.8, satisfied: true });
    expect(scheme.against).toBeUndefined();
  });

  it('lists the counter evidence as `against` and attaches its caution when the element still holds', () => {
    // logged-into 0.7 + password-near 0.6 → 0.88, × (1 - 0.3) = 0.616 ≥ 0.5.
    const r = c.classify('An authorized user logged into the mailbox and guessed the password, then downloaded files.');
    const access = element(r, '1030', '1030(a)(2)(C)', 'access');
    expect(access).toMatchObject({ score: 0.616, satisfied: true });
    expect(access.against).toEqual([{ start: 3, end: 18, text: 'authorized user', rule: '1030.access.authorized-user' }]);
    expect(r.suggestions[0]?.cautions).toEqual(['van-buren-authorized-user']);
    const sub = r.suggestions[0]?.subsections.find((x) => x.code === '1030(a)(2)(C)');
    expect(sub?.score).toBe(0.658); // (0.616 + 0.7) / 2
  });

  it('drops the counter and its caution when an `unless` rule fires', () => {
    const r = c.classify('An authorized user hacked the mailbox and downloaded files.');
    expect(element(r, '1030', '1030(a)(2)(C)', 'access')).toMatchObject({ score: 0.7, satisfied: true });
    expect(r.suggestions[0]?.cautions).toEqual([]);
  });

  it('lets any indicator at or above `unlessWeightAtLeast` defeat a counter, as if it were listed in `unless`', () => {
    // authorized-user (penalty 0.3) names only `hacked`; with a floor of 0.7, logged-into (0.7) defeats it too, and
    // password-near (0.6) alone does not.
    const path = 'statutes/computer.yaml';
    const yaml = miniFile(path).replace('        unless: [hacked]\n', '        unless: [hacked]\n        unlessWeightAtLeast: 0.7\n');
    expect(yaml).toContain('unlessWeightAtLeast');
    const floor = createClassifier(compileTaxonomy(parseTaxonomy(withFiles({ [path]: yaml }))));
    const text = 'An authorized user logged into the mailbox and guessed the password, then downloaded files.';
    expect(element(c.classify(text), '1030', '1030(a)(2)(C)', 'access').score).toBe(0.616); // as above: the counter applies
    expect(element(floor.classify(text), '1030', '1030(a)(2)(C)', 'access')).toMatchObject({ score: 0.88, satisfied: true });
    expect(floor.classify(text).suggestions[0]?.cautions).toEqual([]);
    // password-near alone is below the floor: the counter still applies (0.6 × 0.7 = 0.42, short of minScore).
    const weakOnly = 'An authorized user guessed the password, then downloaded files.';
    const [withFloor, without] = [floor.classify(weakOnly), c.classify(weakOnly)];
    expect(withFloor.candidates).toEqual(without.candidates);
    expect(withFloor.suggestions.flatMap((x) => x.subsections.map((y) => y.code))).not.toContain('1030(a)(2)(C)');
  });

  it('keeps a negated counter from applying', () => {
    const r = c.classify('He was no authorized user; he logged into the mailbox and downloaded files.');
    expect(element(r, '1030', '1030(a)(2)(C)', 'access')).toMatchObject({ score: 0.7, satisfied: true });
  });

  it('requires an element to reach its own minScore', () => {
    // strong-id has minScore 0.7: passport 0.6 alone is short, passport + license 1 - 0.4 × 0.5 = 0.8 is enough.
    expect(c.classify('A passport was used.').suggestions).toEqual([]);
    const r = c.classify('A passport and a license were used.');
    expect(element(r, '1028', '1028(a)(1)', 'strong-id')).toMatchObject({ score: 0.8, satisfied: true });
  });
});

describe('rule-level cautions', () => {
  it('attaches a caution when the element rests only on cautioned rules', () => {
    const r = c.classify('The form listed 123-45-6789.');
    expect(r.suggestions.map((s) => [s.statute, s.score, s.cautions])).toEqual([['1028', 0.55, ['dubin-incidental-identity']]]);
  });

  it('attaches the caution once when several cautioned rules fire', () => {
    const r = c.classify('SSN 123-45-6789 and date of birth were on the form.');
    expect(r.suggestions.map((s) => [s.score, s.cautions])).toEqual([[0.775, ['dubin-incidental-identity']]]);
  });

  it('lifts the caution when one uncautioned rule also fires', () => {
    const r = c.classify('They opened a loan in my name with SSN 123-45-6789.');
    expect(r.suggestions.map((s) => s.cautions)).toEqual([[]]);
    expect(r.suggestions[0]?.score).toBe(0.933); // 1 - 0.15 × 0.45, rounded to 3 decimals
  });
});

describe('required, any-of and optional elements', () => {
  it('accepts either element of an any-of group', () => {
    const byWire = c.classify('He posed as my bank and I paid $500 by zelle.');
    const byPhone = c.classify('He posed as my bank and I paid $500 after a phone call.');
    expect(statutes(byWire)).toEqual(['1343']);
    expect(statutes(byPhone)).toEqual(['1343']);
    expect(byPhone.suggestions[0]?.score).toBe(0.567); // (0.6 + 0.5 + 0.6) / 3
  });

  it('reports every element of a missing any-of group', () => {
    const r = c.classify('He posed as my bank and asked for $500.');
    expect(r.suggestions).toEqual([]);
    expect(r.candidates).toEqual([{ statute: '1343', code: '1343', score: 0.367, missing: ['wire', 'phone'] }]);
  });

  it('does not suggest a statute when two required groups are missing, nor list it as a candidate', () => {
    const r = c.classify('He posed as my bank.');
    expect(r.suggestions).toEqual([]);
    expect(r.candidates).toEqual([]);
  });

  it('adds a bonus for a satisfied optional element, and suggests the subsection that requires it', () => {
    const r = c.classify('A crew posed as my bank and took $500 by zelle.');
    expect(r.suggestions[0]?.subsections.map((s) => [s.code, s.score])).toEqual([
      ['1343', 0.65], // 0.6 + 0.05
      ['1349', 0.6], // (0.6 + 0.5 + 0.7 + 0.6) / 4
    ]);
    expect(r.suggestions[0]?.score).toBe(0.65);
  });

  it('lists all elements of a subsection, satisfied or not', () => {
    const r = c.classify('He posed as my bank and took $500 by zelle.');
    expect(r.suggestions[0]?.subsections[0]?.elements.map((e) => [e.id, e.satisfied])).toEqual([
      ['scheme', true],
      ['money', true],
      ['wire', true],
      ['phone', false],
      ['crew', false],
    ]);
  });
});

describe('alternative formulations of one subsection', () => {
  it('reports a code once, with the best score, when several formulations pass', () => {
    // Toy 1030(b) is written twice: requires [access], or requires [data].
    // access: hacked 0.7 + password-near 0.6 → 0.88; data 0.7.
    const r = c.classify('Someone hacked my account, guessed the password and downloaded files.');
    expect(r.suggestions[0]?.subsections.map((s) => [s.code, s.score])).toEqual([
      ['1030(b)', 0.88],
      ['1030(a)(2)(C)', 0.79],
    ]);
  });

  it('passes a subsection through its second formulation alone', () => {
    const r = c.classify('He downloaded files.');
    expect(r.suggestions[0]?.subsections.map((s) => [s.code, s.score, s.elements.map((e) => e.id)])).toEqual([['1030(b)', 0.7, ['data']]]);
  });
});

describe('predicate statutes (1028A-like)', () => {
  it('does not suggest the aggravated subsection without a predicate statute', () => {
    const r = c.classify('He opened a loan in my name.');
    expect(codes(r, '1028')).toEqual(['1028(a)(7)']);
  });

  it('suggests the aggravated subsection when a predicate (1343) is suggested', () => {
    const r = c.classify('He posed as my bank and took $500 by zelle; later a loan was opened in my name.');
    expect(statutes(r)).toEqual(['1028', '1343']);
    expect(codes(r, '1028')).toEqual(['1028(a)(7)', '1028A(a)(1)']);
  });

  it('suggests the aggravated subsection when the other predicate (1030) is suggested', () => {
    const r = c.classify('Someone hacked my account and downloaded files; a loan was opened in my name.');
    expect(codes(r, '1028')).toEqual(['1028(a)(7)', '1028A(a)(1)']);
  });

  it('does not count a predicate statute that is only a candidate', () => {
    const r = c.classify('He posed as my bank and asked for $500; a loan was opened in my name.');
    expect(r.candidates.map((x) => x.statute)).toEqual(['1343']);
    expect(codes(r, '1028')).toEqual(['1028(a)(7)']);
  });
});

describe('threshold', () => {
  const text = 'He posed as my bank and took $500 by zelle.'; // 1343 scores exactly 0.6

  it('suggests a statute whose score equals the threshold', () => {
    expect(statutes(c.classify(text, { threshold: 0.6 }))).toEqual(['1343']);
  });

  it('drops a statute whose score is below the threshold', () => {
    const r = c.classify(text, { threshold: 0.601 });
    expect(r.suggestions).toEqual([]);
    expect(r.priority).toBe('none');
  });

  it('uses the default threshold given to createClassifier, and a per-call threshold over it', () => {
    const strict = createClassifier(miniCompiled(), { threshold: 0.9 });
    expect(strict.classify(text).suggestions).toEqual([]);
    expect(statutes(strict.classify(text, { threshold: 0.5 }))).toEqual(['1343']);
  });

  it('applies the threshold to AI kinds and exfiltration patterns too', () => {
    const text2 = 'A deepfake: the AI assistant searched the mailbox and sent it to the attacker\u2019s server.';
    const low = c.classify(text2);
    const high = c.classify(text2, { threshold: 0.95 });
    expect([low.ai.involved, low.exfiltration.flagged]).toEqual([true, true]);
    expect([high.ai.involved, high.exfiltration.flagged]).toEqual([false, false]);
  });
});

describe('ordering', () => {
  it('sorts suggestions by score, then statute', () => {
    const r = c.classify(
      'Someone hacked my account and downloaded files. A crew posed as my bank and took $500 by zelle. A loan was opened in my name.',
    );
    expect(r.suggestions.map((s) => [s.statute, s.score])).toEqual([
      ['1028', 0.85],
      ['1030', 0.7],
      ['1343', 0.65],
    ]);
  });

  it('breaks score ties by statute', () => {
    // 1343: (0.6 + (1 - 0.4 × 0.5) + 0.7) / 3 = 0.7; 1030(b): hacked 0.7.
    const r = c.classify('Someone hacked my account. He posed as my bank and took $500 in cash by zelle.');
    expect(r.suggestions.map((s) => [s.statute, s.score])).toEqual([
      ['1030', 0.7],
      ['1343', 0.7],
    ]);
  });
});

describe('AI involvement, exfiltration and priority', () => {
  it('reports an AI kind with its ATLAS ids, and priority none without a statute', () => {
    const r = c.classify('A deepfake of the CFO asked for money.');
    expect(r.ai).toMatchObject({ involved: true, score: 0.9, kinds: ['deepfake-video'], atlas: ['AML.T0088'] });
    expect(r.exfiltration.flagged).toBe(false);
    expect(r.priority).toBe('none');
  });

  it('sets priority sec4 when AI is involved and a statute is suggested', () => {
    expect(c.classify('A deepfake of the CFO posed as him and took $500 by zelle.').priority).toBe('sec4');
  });

  it('sets priority statute when a statute is suggested without AI', () => {
    expect(c.classify('He posed as my bank and took $500 by zelle.').priority).toBe('statute');
  });

  it('flags exfiltration only with an agent AND gathering AND an outbound transfer', () => {
    const full = c.classify('The AI assistant searched the mailbox and sent it to the attacker\u2019s server.');
    expect(full.exfiltration).toMatchObject({ flagged: true, score: 0.8 });
    expect(full.exfiltration.patterns.map((p) => [p.id, p.label, p.atlas, p.owasp])).toEqual([
      ['injected-agent-exfiltration', 'Injected assistant sends data out', ['AML.T0051.001'], ['LLM01']],
    ]);
    for (const partial of [
      'The AI assistant searched the mailbox.',
      'The AI assistant sent it to the attacker\u2019s server.',
      'Someone searched the mailbox and sent it to the attacker\u2019s server.',
    ]) {
      expect(c.classify(partial).exfiltration).toEqual({ flagged: false, score: 0, patterns: [] });
    }
  });

  it('implies AI involvement (impliesAiKind) when exfiltration is flagged and no AI kind matched', () => {
    const r = c.classify('The AI assistant searched the mailbox and sent it to the attacker\u2019s server.');
    expect(r.ai).toMatchObject({ involved: true, score: 0.8, kinds: ['victim-ai-exploited'] });
  });

  it('reports neither flag for a narrative without AI', () => {
    const r = c.classify('He posed as my bank and took $500 by zelle.');
    expect(r.ai).toEqual({ involved: false, score: 0, kinds: [], atlas: [], evidence: [] });
    expect(r.exfiltration).toEqual({ flagged: false, score: 0, patterns: [] });
  });
});
