/**
 * Explanations: evidence spans into the ORIGINAL text, sorted by start, end, then rule id; negated and
 * hypothetical hits kept in element evidence (marked `negated`) but never in a suggestion's own evidence;
 * `explain: false` keeps the same structure with empty evidence.
 */
import { describe, expect, it } from 'vitest';
import type { Classification, Evidence } from '../../src/classify/result-schema.js';
import { miniClassifier } from '../fixtures/taxonomy/mini-taxonomy.js';

const c = miniClassifier();

/** Every evidence array in a result, with where it came from. */
function allEvidence(r: Classification): { where: string; list: Evidence[] }[] {
  const out: { where: string; list: Evidence[] }[] = [];
  for (const s of r.suggestions) {
    out.push({ where: `${s.statute}.evidence`, list: s.evidence });
    for (const sub of s.subsections) {
      for (const e of sub.elements) {
        out.push({ where: `${sub.code}.${e.id}.evidence`, list: e.evidence });
        if (e.against) out.push({ where: `${sub.code}.${e.id}.against`, list: e.against });
      }
    }
  }
  out.push({ where: 'ai.evidence', list: r.ai.evidence });
  for (const p of r.exfiltration.patterns) out.push({ where: `xf.${p.id}.evidence`, list: p.evidence });
  return out;
}

const sorted = (list: Evidence[]): Evidence[] =>
  [...list].sort((a, b) => a.start - b.start || a.end - b.end || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));

const NARRATIVE =
  'He did not use zelle at first. Later a ring posed as my bank and took $500 by wire transfer; ' +
  'a deepfake helped. The AI assistant searched the mailbox and sent it to the attacker\u2019s server. ' +
  'Someone hacked my account and downloaded files, and a loan was opened in my name.';

describe('evidence spans', () => {
  const r = c.classify(NARRATIVE);

  it('has text equal to narrative.slice(start, end) for every span', () => {
    const spans = allEvidence(r).flatMap((x) => x.list);
    expect(spans.length).toBeGreaterThan(10);
    for (const e of spans) expect(e.text).toBe(NARRATIVE.slice(e.start, e.end));
  });

  it('sorts every evidence list by start, end, then rule id', () => {
    for (const { where, list } of allEvidence(r)) expect(list, where).toEqual(sorted(list));
  });

  it('breaks ties on identical spans by rule id', () => {
    const crew = r.suggestions.find((s) => s.statute === '1343')?.subsections[0]?.elements.find((e) => e.id === 'crew');
    expect(crew?.evidence.map((e) => [e.text, e.rule])).toEqual([
      ['ring', '1343.crew.accomplice-ring'],
      ['ring', '1343.crew.crew'],
    ]);
  });

  it('keeps a negated hit in the element evidence, marked negated, and not in the suggestion evidence', () => {
    const s = r.suggestions.find((x) => x.statute === '1343');
    const wire = s?.subsections[0]?.elements.find((e) => e.id === 'wire');
    expect(wire?.evidence).toEqual([
      { start: 15, end: 20, text: 'zelle', rule: '1343.wire.wire-transfer', negated: true },
      { start: 78, end: 91, text: 'wire transfer', rule: '1343.wire.wire-transfer' },
    ]);
    expect(s?.evidence.some((e) => e.negated === true)).toBe(false);
    expect(s?.evidence.map((e) => e.text)).toEqual(['ring', 'ring', 'posed as', '$500', 'wire transfer']);
  });

  it('omits `negated` (rather than false) on asserted evidence', () => {
    for (const e of allEvidence(r).flatMap((x) => x.list)) expect(e.negated === undefined || e.negated).toBe(true);
  });

  it('marks a hypothetical hit as negated', () => {
    const h = c.classify('He posed as my bank and took $500 by wire transfer. If he calls, never use zelle.');
    const wire = h.suggestions[0]?.subsections[0]?.elements.find((e) => e.id === 'wire');
    expect(wire?.evidence.map((e) => [e.text, e.negated ?? false])).toEqual([
      ['wire transfer', false],
      ['zelle', true],
    ]);
  });

  it('puts the evidence of AI kinds and exfiltration patterns in their findings', () => {
    expect(r.ai.evidence.map((e) => e.rule)).toEqual(['ai.deepfake.deepfake']);
    expect(r.exfiltration.patterns[0]?.evidence.map((e) => [e.text, e.rule])).toEqual([
      ['AI assistant', 'xf.assistant.assistant'],
      ['searched the mailbox', 'xf.gather.searched'],
      ['attacker\u2019s server', 'xf.outbound.sent-out'],
    ]);
  });

  it('deduplicates a suggestion evidence span used by two subsections', () => {
    const t = 'A crew posed as my bank and took $500 by zelle.';
    const s = c.classify(t).suggestions[0];
    expect(s?.subsections.map((x) => x.code)).toEqual(['1343', '1349']);
    expect(s?.evidence.map((e) => e.text)).toEqual(['crew', 'posed as', '$500', 'zelle']);
  });
});

describe('explain: false', () => {
  /** The explained result with every evidence list emptied and `against` removed. */
  function stripped(r: Classification): Classification {
    const copy = structuredClone(r);
    for (const s of copy.suggestions) {
      s.evidence = [];
      for (const sub of s.subsections) {
        for (const e of sub.elements) {
          e.evidence = [];
          delete e.against;
        }
      }
    }
    copy.ai.evidence = [];
    for (const p of copy.exfiltration.patterns) p.evidence = [];
    return copy;
  }

  it('returns the same result with empty evidence', () => {
    for (const text of [NARRATIVE, 'An authorized user logged into the mailbox and guessed the password, then downloaded files.']) {
      expect(c.classify(text, { explain: false })).toEqual(stripped(c.classify(text)));
    }
  });

  it('drops counter evidence (`against`) too', () => {
    const text = 'An authorized user logged into the mailbox and guessed the password, then downloaded files.';
    expect(allEvidence(c.classify(text)).some((x) => x.where.endsWith('.against'))).toBe(true);
    expect(allEvidence(c.classify(text, { explain: false })).every((x) => x.list.length === 0)).toBe(true);
  });
});

describe('id', () => {
  it('defaults to a stable hash of the text and takes the caller id when given', () => {
    const a = c.classify('He posed as my bank.');
    expect(a.id).toMatch(/^[0-9a-f]{16}$/);
    expect(c.classify('He posed as my bank.').id).toBe(a.id);
    expect(c.classify('He posed as my bank!').id).not.toBe(a.id);
    expect(c.classify('He posed as my bank.', { id: 'case-7' }).id).toBe('case-7');
  });
});
