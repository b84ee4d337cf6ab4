/**
 * Property tests with fast-check over the REAL taxonomy: for arbitrary Unicode (control characters, bidi marks,
 * emoji and ZWJ sequences, lone surrogates, combining marks, full-width letters, incident vocabulary glued in)
 * the classifier never throws, is deterministic, returns the contract, and every evidence span is in bounds and
 * equal to the slice. One ~1 MB input checks the same at size.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadClassifier } from '../../src/classify/load-classifier.js';
import { ClassificationSchema } from '../../src/classify/result-schema.js';
import { createStemmer } from '../../src/classify/stem.js';
import { tokenize } from '../../src/classify/tokenize.js';
import { spanProblems } from '../golden/spans.js';

const classifier = loadClassifier();

const HOSTILE = [
  '\u200f', '\u200e', '\u202e', '\u202c', '\u2066', '\u2069', // bidi marks and isolates
  '\u200d', '\u200b', '\u2060', '\ufeff', // ZWJ, ZWSP, word joiner, BOM
  '\ud800', '\udbff', '\udc00', '\udfff', // lone surrogates
  '👨\u200d👩\u200d👧', '❤\ufe0f', '💸', '🏳\ufe0f\u200d🌈', // emoji, ZWJ sequences, variation selectors
  '\u0301', '\u0308', 'e\u0301', // combining marks, alone and attached
  'ｗｉｒｅ', 'ﬁ', 'ﬃ', 'Ⅻ', '½', 'İ', 'ß', // NFKC-changing and case-changing
  '\u0000', '\u0007', '\u001b', '\u007f', '\u0085', '\u00a0', '\u2028', '\u2029', '\r\n', '\n\n', '\t',
  "'", '\u2019', '\u02bc', '-', '.', ',', ';', '!', '?', '"', '(', ')', '$', '*', '_', '@',
];

const VOCABULARY = [
  'wired', 'wire transfer', 'Zelle', 'gift cards', 'posed as', 'impersonating', 'in my name', 'Social Security number',
  'did not', 'no evidence of', 'was blocked', 'if', 'but', 'however', 'No.', 'U.S.', 'Dr.', "didn't", 'victim\u2019s',
  'deepfake', 'cloned voice', 'ChatGPT', 'AI assistant', 'prompt injection', 'MCP server', 'exfiltrated', 'mailbox',
  'logged into', 'password', 'ransomware', 'bitcoin', '$5,000.00', '123-45-6789', 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh',
  'https://evil.example/x?a=1', 'face-swapped', 'e-mail', 'not only', 'no longer',
];

const piece = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...VOCABULARY) },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 2, arbitrary: fc.constantFrom(' ', ' ', '  ', '. ') },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
);

const narrative = fc.array(piece, { maxLength: 80 }).map((parts) => parts.join(''));

describe('classifier properties', () => {
  it('never throws, is deterministic, returns the contract, and keeps every span equal to its slice', () => {
    fc.assert(
      fc.property(narrative, (text) => {
        const a = classifier.classify(text);
        const b = classifier.classify(text);
        expect(b).toEqual(a);
        expect(ClassificationSchema.safeParse(a).success).toBe(true);
        expect(spanProblems(text, a)).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  it('carries nothing from one narrative to the next (hits and element scores live in tables reused by every call)', () => {
    fc.assert(
      fc.property(fc.array(narrative, { minLength: 2, maxLength: 6 }), (texts) => {
        const forward = texts.map((t) => [classifier.classify(t), classifier.summarize(t)]);
        const backward = [...texts].reverse().map((t) => [classifier.classify(t), classifier.summarize(t)]).reverse();
        expect(backward).toEqual(forward);
      }),
      { numRuns: 100 },
    );
    // Rich narratives, so rules, exclusions and proximity parts are set and must be cleared in between.
    const rich = [
      'Someone logged into her email without permission and wired $9,000 after posing as her boss. No one was harmed.',
      'He did not click the link. The AI assistant read the mailbox and sent the passwords to an attacker server.',
      'They opened credit cards in my name with my Social Security number and a deepfake video of me.',
    ];
    const alone = rich.map((t) => JSON.stringify(loadClassifier().classify(t)));
    const afterOthers = rich.map((t, i) => {
      classifier.classify(rich[(i + 1) % rich.length] as string);
      return JSON.stringify(classifier.classify(t));
    });
    expect(afterOthers).toEqual(alone);
  });

  it('compiles each element\'s rules and counters in ascending rule order (scoring multiplies in that order)', () => {
    // scoreElementTable walks the rules that hit sorted by id and relies on this to keep noisy-OR products, and so
    // every score, bit-for-bit what a walk over the element's own lists gives.
    const ascending = (ids: number[]): boolean => ids.every((id, i) => i === 0 || (ids[i - 1] as number) < id);
    const tx = classifier.taxonomy;
    const unordered = tx.elements.filter((el) => !ascending(el.rules) || !ascending(el.counters)).map((el) => el.id);
    expect(unordered).toEqual([]);
    expect(tx.rules.every((r, i) => (r.isCounter ? tx.elements[r.element]?.counters : tx.elements[r.element]?.rules)?.includes(i))).toBe(true);
  });

  it('returns the same structure without explanations for any text', () => {
    fc.assert(
      fc.property(narrative, (text) => {
        const full = classifier.classify(text);
        const bare = classifier.classify(text, { explain: false });
        expect(bare.suggestions.map((s) => [s.statute, s.score, s.subsections.map((x) => x.code)])).toEqual(
          full.suggestions.map((s) => [s.statute, s.score, s.subsections.map((x) => x.code)]),
        );
        expect([bare.ai.kinds, bare.exfiltration.flagged, bare.priority]).toEqual([full.ai.kinds, full.exfiltration.flagged, full.priority]);
      }),
      { numRuns: 150 },
    );
  });

  it('tokenizes any text into ordered, non-overlapping, in-bounds tokens with non-decreasing sentences', () => {
    const stemmer = createStemmer();
    fc.assert(
      fc.property(narrative, (text) => {
        const t = tokenize(text, stemmer);
        let prevEnd = 0;
        let prevSentence = 0;
        for (let i = 0; i < t.count; i++) {
          const start = t.start[i] as number;
          const end = t.end[i] as number;
          const sentence = t.sentence[i] as number;
          expect(start).toBeGreaterThanOrEqual(prevEnd);
          expect(end).toBeGreaterThan(start);
          expect(end).toBeLessThanOrEqual(text.length);
          expect(sentence).toBeGreaterThanOrEqual(prevSentence);
          expect(t.norm[i]?.length).toBeGreaterThan(0);
          prevEnd = end;
          prevSentence = sentence;
        }
      }),
      { numRuns: 400 },
    );
  });

  it('handles a ~1 MB narrative mixing incident text and hostile characters', () => {
    // Deterministic (seeded) so a failure reproduces; ~1,000,000 UTF-16 code units.
    const parts = fc.sample(piece, { seed: 20_260_226, numRuns: 250_000 });
    let text = '';
    for (const p of parts) {
      if (text.length >= 1_000_000) break;
      text += p;
    }
    expect(text.length).toBeGreaterThanOrEqual(1_000_000);
    const a = classifier.classify(text);
    expect(ClassificationSchema.safeParse(a).success).toBe(true);
    expect(spanProblems(text, a)).toEqual([]);
    expect(classifier.classify(text)).toEqual(a);
  });
});
