/**
 * The matcher over the mini fixture taxonomy (tests/fixtures/taxonomy/mini): phrase rules on stems, prefixes,
 * `_` wildcards, proximity rules (ordered / within / sameSentence), regex rules and same-sentence exclusions.
 * Hits are read straight from matchRules, so these tests pin spans before any scoring.
 */
import { describe, expect, it } from 'vitest';
import { matchRules } from '../../src/classify/match.js';
import { ScopeKind } from '../../src/classify/negation.js';
import { tokenize } from '../../src/classify/tokenize.js';
import { miniCompiled, miniRuleHits as hitsOf } from '../fixtures/taxonomy/mini-taxonomy.js';

const tx = miniCompiled();

/** All asserted rule ids that fire on a text, sorted. */
function firing(text: string): string[] {
  const out = new Set<string>();
  for (const [rule, hits] of matchRules(text, tokenize(text, tx.stemmer), tx)) {
    if (hits.some((h) => h.scope === ScopeKind.None)) out.add(tx.rules[rule]?.qid ?? '?');
  }
  return [...out].sort();
}

const ok = ScopeKind.None;

describe('phrase rules', () => {
  it('matches every inflection that shares the stem, with exact spans', () => {
    const text = 'He posed as my bank, then was posing as IT.';
    expect(hitsOf(text, '1343.scheme.posed-as')).toEqual([
      ['posed as', 3, 11, ok],
      ['posing as', 30, 39, ok],
    ]);
  });

  it('matches multi-word phrases case-insensitively and through full-width letters', () => {
    expect(hitsOf('Paid by WIRE TRANSFERS', '1343.wire.wire-transfer')).toEqual([['WIRE TRANSFERS', 8, 22, ok]]);
    expect(hitsOf('by ｗｉｒｅ transfer', '1343.wire.wire-transfer')).toEqual([['ｗｉｒｅ transfer', 3, 16, ok]]);
  });

  it('does not match a phrase whose words straddle a sentence boundary', () => {
    expect(hitsOf('He paid by wire. Transfer complete.', '1343.wire.wire-transfer')).toEqual([]);
  });

  it('matches a phrase across a clause break inside one sentence', () => {
    expect(hitsOf('paid by wire (transfer) today', '1343.wire.wire-transfer')).toEqual([['wire (transfer', 8, 22, ok]]);
  });

  it('does not match a phrase whose words are not adjacent', () => {
    expect(hitsOf('a wire and a transfer', '1343.wire.wire-transfer')).toEqual([]);
  });

  it('does not match part of a longer word', () => {
    expect(hitsOf('The crewman and the ringtone', '1343.crew.crew')).toEqual([]);
    expect(hitsOf('The crew and the ring', '1343.crew.crew').map((h) => h[0])).toEqual(['crew', 'ring']);
  });

  it('expands a concept that refers to another concept (@cash-words → @money)', () => {
    expect(hitsOf('sent cash, funds and a gift card', '1343.money.money').map((h) => h[0])).toEqual(['cash', 'funds', 'gift card']);
  });
});

describe('prefix and wildcard', () => {
  it('matches any token whose normalized form starts with the prefix', () => {
    const text = 'The impersonator was Impersonating her; impersonation.';
    expect(hitsOf(text, '1343.scheme.posed-as').map((h) => h[0])).toEqual(['impersonator', 'Impersonating', 'impersonation']);
  });

  it('does not match a token shorter than the prefix', () => {
    expect(hitsOf('the impersona', '1343.scheme.posed-as')).toEqual([]);
  });

  it('matches `_` against exactly one token', () => {
    const text = 'He promised huge returns. He promised returns. He promised very big returns.';
    expect(hitsOf(text, '1343.scheme.promised-returns')).toEqual([['promised huge returns', 3, 24, ok]]);
  });
});

describe('exact words (=word)', () => {
  it('matches only the exact normalized surface form, not other words with the same stem', () => {
    expect(hitsOf('her Savings and savings', '1343.money.savings').map((h) => h[0])).toEqual(['Savings', 'savings']);
    expect(hitsOf('to save, saving, saved', '1343.money.savings')).toEqual([]);
  });
});

describe('proximity (near) rules', () => {
  it.each([
    ['She logged into her mailbox', 'logged into her mailbox'],
    ['She logged into the old mailbox', 'logged into the old mailbox'],
    ['Someone accessed my account', 'accessed my account'],
    ['Someone accessed account 7', 'accessed account'],
  ])('fires an ordered rule when the parts are in order within the gap: %j', (text, span) => {
    expect(hitsOf(text, '1030.access.logged-into').map((h) => h[0])).toEqual([span]);
  });

  it.each([
    ['The mailbox was logged into', 'parts out of order'],
    ['She logged into the old shared mailbox', 'gap of 3 tokens > within 2'],
    ['She logged into it. The mailbox was full.', 'parts in different sentences'],
    ['She logged into nothing', 'second part missing'],
  ])('does not fire an ordered rule when %j (%s)', (text) => {
    expect(hitsOf(text, '1030.access.logged-into')).toEqual([]);
  });

  it('fires an unordered rule in either order', () => {
    expect(hitsOf('He guessed the password', '1030.access.password-near')).toEqual([['guessed the password', 3, 23, ok]]);
    expect(hitsOf('the password was guessed', '1030.access.password-near')).toEqual([['password was guessed', 4, 24, ok]]);
  });

  it('keeps parts in one sentence by default', () => {
    expect(hitsOf('He guessed it. The password was weak.', '1030.access.password-near')).toEqual([]);
  });

  it('crosses sentences when sameSentence is false, and the span covers both parts', () => {
    const text = 'An intruder got in. Weeks later he left a backdoor.';
    expect(hitsOf(text, '1030.access.cross-sentence')).toEqual([['intruder got in. Weeks later he left a backdoor', 3, 50, ok]]);
  });

  it('prefers an asserted combination to a tighter one with a denied part', () => {
    // "no password" is the nearer partner of "stole" but denied; "password that he stole" is asserted.
    const text = 'The password that he stole, no password else.';
    expect(hitsOf(text, '1030.access.password-near')).toEqual([['password that he stole', 4, 26, ok]]);
  });

  it('reports the tightest combination for an anchor', () => {
    const text = 'He guessed a password, then the password again.';
    expect(hitsOf(text, '1030.access.password-near')).toEqual([['guessed a password', 3, 21, ok]]);
  });
});

describe('regex rules', () => {
  it('finds every match with exact spans in the original text', () => {
    expect(hitsOf('paid $5,000.00 and then $20.', '1343.money.amount')).toEqual([
      ['$5,000.00', 5, 14, ok],
      ['$20', 24, 27, ok],
    ]);
  });

  it('finds matches after astral characters with UTF-16 offsets', () => {
    const text = '💸💸 $75 now';
    expect(hitsOf(text, '1343.money.amount')).toEqual([['$75', 5, 8, ok]]);
  });

  it('is deterministic across calls (the global regex state is reset)', () => {
    const text = 'a $1 b $2';
    expect(hitsOf(text, '1343.money.amount')).toEqual(hitsOf(text, '1343.money.amount'));
    expect(hitsOf(text, '1343.money.amount')).toHaveLength(2);
  });

  it('matches an SSN-shaped number only on word boundaries', () => {
    expect(hitsOf('SSN 123-45-6789 used', '1028.identity-use.ssn')).toEqual([['123-45-6789', 4, 15, ok]]);
    expect(hitsOf('order 9123-45-67890', '1028.identity-use.ssn')).toEqual([]);
  });
});

describe('exclusions', () => {
  it('cancels a hit when an exclusion phrase is in the same sentence', () => {
    expect(hitsOf('They growth hacked the funnel.', '1030.access.hacked')).toEqual([]);
    expect(hitsOf('The demo was hacked together and someone hacked it.', '1030.access.hacked')).toEqual([]);
  });

  it('keeps a hit in another sentence than the exclusion', () => {
    const text = 'They growth hacked the funnel. Then someone hacked my account.';
    expect(hitsOf(text, '1030.access.hacked')).toEqual([['hacked', 44, 50, ok]]);
  });
});

describe('one pass over all rules', () => {
  it('reports every rule that fires in a narrative, across statutes and findings', () => {
    const text =
      'A crew posed as the bank and took $900 by zelle. Someone hacked my account and downloaded files. ' +
      'A deepfake followed. The AI assistant searched the mailbox and sent it to the attacker\u2019s server.';
    expect(firing(text)).toEqual([
      '1030.access.hacked',
      '1030.data.downloaded',
      '1343.crew.crew',
      '1343.money.amount',
      '1343.scheme.posed-as',
      '1343.wire.wire-transfer',
      'ai.deepfake.deepfake',
      'xf.assistant.assistant',
      'xf.gather.searched',
      'xf.outbound.sent-out',
    ]);
  });

  it('fires nothing on an empty or neutral narrative', () => {
    expect(firing('')).toEqual([]);
    expect(firing('The weather was nice and we went for a walk.')).toEqual([]);
  });
});
