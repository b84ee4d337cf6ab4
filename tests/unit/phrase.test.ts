/** Phrase syntax of taxonomy rules: words (stemmed later), `prefix*`, `_` (any one token), `@concept`. */
import { describe, expect, it } from 'vitest';
import { parsePhrase, TokenKind } from '../../src/taxonomy/phrase.js';

const S = TokenKind.Stem;
const P = TokenKind.Prefix;
const A = TokenKind.Any;
const E = TokenKind.Exact;

describe('parsePhrase', () => {
  it.each([
    ['posed as', [[S, 'posed'], [S, 'as']]],
    ['  Wire   Transfer ', [[S, 'wire'], [S, 'transfer']]],
    ['impersonat*', [[P, 'impersonat']]],
    ['posed as _ ceo', [[S, 'posed'], [S, 'as'], [A, ''], [S, 'ceo']]],
    ['x _ _ y', [[S, 'x'], [A, ''], [A, ''], [S, 'y']]],
    ['e-mail', [[S, 'e'], [S, 'mail']]],
    ["victim's", [[S, 'victims']]],
    ['ｗｉｒｅ', [[S, 'wire']]],
    ['5,000.00', [[S, '5,000.00']]],
    ['Spoof* email', [[P, 'spoof'], [S, 'email']]],
    ['=savings', [[E, 'savings']]],
    ['life =Savings', [[S, 'life'], [E, 'savings']]],
  ])('parses %j into tokens', (phrase, expected) => {
    const r = parsePhrase(phrase);
    expect(r).toEqual({ ok: true, tokens: expected.map(([kind, value]) => ({ kind, value })) });
  });

  it.each([
    ['@money', 'money'],
    [' @wire-payment ', 'wire-payment'],
    ['@ai-agent2', 'ai-agent2'],
  ])('parses %j as a reference to concept %j', (phrase, concept) => {
    expect(parsePhrase(phrase)).toEqual({ ok: true, concept });
  });

  it.each([
    ['@Money', 'a concept reference is one @kebab-name, alone'],
    ['@money extra', 'a concept reference is one @kebab-name, alone'],
    ['@', 'a concept reference is one @kebab-name, alone'],
    ['@-x', 'a concept reference is one @kebab-name, alone'],
    ['im*', 'prefix "im*" is too short (at least 3 letters)'],
    ['a* b', 'prefix "a*" is too short (at least 3 letters)'],
    ['face-swap*', 'prefix "face-swap*" must be one word'],
    ['---*', 'prefix "---*" must be one word'],
    ['---', '"---" has no letters or digits'],
    ['=e-mail', 'exact word "=e-mail" must be one word'],
    ['=--', 'exact word "=--" must be one word'],
    ['wire --- transfer', '"---" has no letters or digits'],
    ['', '"" has no letters or digits'],
    ['_', '`_` may only stand between words'],
    ['_ ceo', '`_` may only stand between words'],
    ['posed as _', '`_` may only stand between words'],
  ])('rejects %j with %j', (phrase, error) => {
    expect(parsePhrase(phrase)).toEqual({ ok: false, error });
  });
});
