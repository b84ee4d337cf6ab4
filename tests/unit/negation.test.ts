/**
 * NegEx-style scopes over the mini fixture taxonomy, whose lexicon is:
 *   pre [no, did not, no evidence of, denied] (forward window 4), post [was blocked, were blocked, but failed]
 *   (backward window 3), pseudo [not only, no longer], hypothetical [if, warned that] (window 2 × 4),
 *   terminators [but, however].
 */
import { describe, expect, it } from 'vitest';
import { ScopeKind } from '../../src/classify/negation.js';
import { miniClassifier, miniRuleHits } from '../fixtures/taxonomy/mini-taxonomy.js';

const WIRE = '1343.wire.wire-transfer';

/** Scope of each hit of the wire rule, in order. */
const wireScopes = (text: string): ScopeKind[] => miniRuleHits(text, WIRE).map((h) => h[3]);

describe('pre-negation', () => {
  it.each([
    ['He did not use the zelle app', 'did not'],
    ['There was no evidence of a wire transfer', 'no evidence of'],
    ['He denied sending a zelle', 'denied'],
    ['no zelle was involved', 'no'],
  ])('negates a hit inside the forward window: %j (cue %j)', (text) => {
    expect(wireScopes(text)).toEqual([ScopeKind.Negated]);
  });

  it('stops at the end of the forward window (the 4 tokens after the cue)', () => {
    expect(wireScopes('He did not use zelle')).toEqual([ScopeKind.Negated]); // 2nd token after the cue
    expect(wireScopes('He did not a b c zelle')).toEqual([ScopeKind.Negated]); // 4th: the last one in scope
    expect(wireScopes('He did not a b c d zelle')).toEqual([ScopeKind.None]); // 5th: out of scope
  });

  it('carries a denial across "or" / "nor": each disjunct opens a fresh window ("did not A, B or C")', () => {
    expect(wireScopes('He did not a b c d zelle')).toEqual([ScopeKind.None]); // out of the window without a disjunction
    expect(wireScopes('He did not a b or c d zelle')).toEqual([ScopeKind.Negated]); // 'or' inside the window renews it
    expect(wireScopes('He did not a b nor c d zelle')).toEqual([ScopeKind.Negated]);
    expect(wireScopes('He did not a b and c d zelle')).toEqual([ScopeKind.None]); // 'and' starts a new assertion
    expect(wireScopes('He did not call or text. Zelle was used.')).toEqual([ScopeKind.None]); // still stops at the sentence end
  });

  it('ends a denial at "and" before a new subject ("a laptop I don\'t own, and my photos were downloaded")', () => {
    expect(wireScopes('He did not call and we zelle')).toEqual([ScopeKind.None]); // "and we ..." is a new assertion
    expect(wireScopes('He did not call and zelle')).toEqual([ScopeKind.Negated]); // a plain "and" stays inside the window
  });

  it('ends a denial at ", and" ("so the owner could not get back in, and moved the coins")', () => {
    expect(wireScopes('He did not call, and zelle was used')).toEqual([ScopeKind.None]);
    expect(wireScopes('He did not call, text or zelle')).toEqual([ScopeKind.Negated]); // a comma alone does not end it
  });

  it('renews the window at an "or" right after its end ("none of them took money from me or used ...")', () => {
    expect(wireScopes('He did not a b c d or e zelle')).toEqual([ScopeKind.Negated]); // 'or' is the 5th token, just past the window
    expect(wireScopes('He did not a b c d e or zelle')).toEqual([ScopeKind.None]); // one token later the denial has ended
  });

  it('does not negate a hit before the cue', () => {
    expect(wireScopes('The zelle payment did not arrive')).toEqual([ScopeKind.None]);
  });

  it('stops at a sentence end', () => {
    expect(wireScopes('He did not call. Zelle was used.')).toEqual([ScopeKind.None]);
  });

  it.each([
    ['He did not call \u2014 zelle was used', 'em dash'],
    ['He did not call: zelle was used', 'colon'],
    ['He did not (zelle) call', 'parenthesis'],
    ['He did not call - zelle was used', 'spaced hyphen'],
  ])('stops at a clause break: %j (%s)', (text) => {
    expect(wireScopes(text)).toEqual([ScopeKind.None]);
  });

  it('does not stop at a hyphen inside a word', () => {
    expect(wireScopes('He did not call-zelle')).toEqual([ScopeKind.Negated]);
  });

  it('stops at a terminator', () => {
    expect(wireScopes('He denied it but zelle was used')).toEqual([ScopeKind.None]);
    expect(wireScopes('He denied it; however zelle was used')).toEqual([ScopeKind.None]);
    expect(wireScopes('He denied it, however zelle was used')).toEqual([ScopeKind.None]);
  });

  it('negates only the hits in scope when a rule fires twice', () => {
    expect(wireScopes('He did not use zelle. Later zelle was used.')).toEqual([ScopeKind.Negated, ScopeKind.None]);
  });

  it('does not cancel a rule phrase that itself begins with the cue', () => {
    expect(miniRuleHits('He had no permission to log in', '1030.access.no-permission')).toEqual([
      ['no permission', 7, 20, ScopeKind.None],
    ]);
  });
});

describe('post-negation', () => {
  it('marks a hit inside the backward window as a failed outcome', () => {
    expect(wireScopes('The zelle payment was blocked')).toEqual([ScopeKind.Outcome]);
    expect(wireScopes('He tried a wire transfer but failed')).toEqual([ScopeKind.Outcome]);
  });

  it('stops at the end of the backward window (3 tokens before the cue)', () => {
    expect(wireScopes('zelle one two was blocked')).toEqual([ScopeKind.Outcome]);
    expect(wireScopes('zelle one two three was blocked')).toEqual([ScopeKind.None]);
  });

  it('does not negate a hit after the cue', () => {
    expect(wireScopes('It was blocked, then zelle worked')).toEqual([ScopeKind.None]);
  });

  it('stops at a clause start', () => {
    expect(wireScopes('The zelle payment: it was blocked')).toEqual([ScopeKind.None]);
  });

  it('stops at a sentence start', () => {
    expect(wireScopes('He used zelle. It was blocked.')).toEqual([ScopeKind.None]);
  });
});

describe('pseudo-negation', () => {
  it('ignores a cue that is part of a pseudo-negation', () => {
    expect(wireScopes('He no longer uses zelle')).toEqual([ScopeKind.None]);
  });

  it('still honours the same cue elsewhere in the text', () => {
    expect(wireScopes('He no longer calls. He did not use zelle.')).toEqual([ScopeKind.Negated]);
  });
});

describe('hypotheticals', () => {
  it('marks hits in an "if" clause hypothetical', () => {
    expect(wireScopes('If he sends a zelle payment, call us')).toEqual([ScopeKind.Hypothetical]);
  });

  it('marks hits after "warned that" hypothetical, up to twice the forward window', () => {
    expect(wireScopes('The bank warned that scammers often ask victims to pay by zelle')).toEqual([ScopeKind.Hypothetical]);
    expect(wireScopes('The bank warned that scammers will often ask elderly victims to pay quickly by zelle')).toEqual([ScopeKind.None]);
  });

  it('ends an "if" condition at its comma: what follows is told as done ("if not, dropped the tables")', () => {
    expect(wireScopes('If locked, he paid by zelle')).toEqual([ScopeKind.None]);
    expect(wireScopes('If he sends a zelle payment, call us')).toEqual([ScopeKind.Hypothetical]); // the condition itself stays hypothetical
    expect(wireScopes('The bank warned that, often, victims pay by zelle')).toEqual([ScopeKind.Hypothetical]); // other cues are not cut at commas
  });

  it('ends the hypothetical scope at a sentence end', () => {
    expect(wireScopes('If in doubt, hang up. He paid by zelle.')).toEqual([ScopeKind.None]);
  });
});

describe('non-negatable rules', () => {
  it('keeps a non-negatable rule asserted when only the outcome failed', () => {
    expect(miniRuleHits('The login attempts were blocked', '1030.access.attempted')).toEqual([['login attempts', 4, 18, ScopeKind.None]]);
  });

  it('still cancels a non-negatable rule when it is denied before the fact', () => {
    expect(miniRuleHits('He did not see login attempts', '1030.access.attempted')).toEqual([['login attempts', 15, 29, ScopeKind.Negated]]);
  });

  it('still negates a negatable rule in the same scope', () => {
    expect(miniRuleHits('No one hacked it; the login attempts were blocked', '1030.access.hacked')[0]?.[3]).toBe(ScopeKind.Negated);
  });
});

describe('negation in the classification', () => {
  it('drops a statute whose only wire evidence is negated, and keeps the hit as negated evidence', () => {
    const c = miniClassifier();
    const asserted = c.classify('He posed as my bank and I sent $500 by zelle.');
    const negated = c.classify('He posed as my bank and asked for $500, but I did not use zelle.');
    expect(asserted.suggestions.map((s) => s.statute)).toEqual(['1343']);
    expect(negated.suggestions).toEqual([]);
    expect(negated.candidates).toEqual([{ statute: '1343', code: '1343', score: expect.any(Number) as number, missing: ['wire', 'phone'] }]);
  });

  it('treats a negated regex hit (an amount) as negated evidence', () => {
    const r = miniRuleHits('He denied sending $500.', '1343.money.amount');
    expect(r).toEqual([['$500', 18, 22, ScopeKind.Negated]]);
  });
});
