/**
 * Tokenizer: every token keeps its offsets in the ORIGINAL text (evidence is `text.slice(start, end)`), while
 * its normalized form is NFKC + lower case with apostrophes dropped. Sentence indices feed negation scopes and
 * same-sentence rules.
 */
import { describe, expect, it } from 'vitest';
import { createStemmer, identityStemmer, type Stemmer } from '../../src/classify/stem.js';
import { phraseTokens, tokenize, tokenizeShared, type Tokens } from '../../src/classify/tokenize.js';

const identity: Stemmer = identityStemmer();

interface Tok {
  start: number;
  end: number;
  surface: string;
  norm: string;
  sentence: number;
}

function toks(text: string, stemmer: Stemmer = identity): Tok[] {
  const t: Tokens = tokenize(text, stemmer);
  const out: Tok[] = [];
  for (let i = 0; i < t.count; i++) {
    const start = t.start[i] as number;
    const end = t.end[i] as number;
    out.push({ start, end, surface: text.slice(start, end), norm: t.norm[i] as string, sentence: t.sentence[i] as number });
  }
  return out;
}

const norms = (text: string): string[] => toks(text).map((t) => t.norm);
const spans = (text: string): [number, number][] => toks(text).map((t) => [t.start, t.end]);
const sentences = (text: string): number[] => toks(text).map((t) => t.sentence);

describe('tokenize: offsets', () => {
  it('gives exact [start, end) offsets for ASCII words separated by spaces and punctuation', () => {
    const text = 'She wired $4,500 (twice) to acct #12.';
    expect(toks(text).map((t) => [t.start, t.end, t.surface])).toEqual([
      [0, 3, 'She'],
      [4, 9, 'wired'],
      [11, 16, '4,500'],
      [18, 23, 'twice'],
      [25, 27, 'to'],
      [28, 32, 'acct'],
      [34, 36, '12'],
    ]);
  });

  it('returns no tokens when the text is empty or has no letters or digits', () => {
    expect(tokenize('', identity).count).toBe(0);
    expect(tokenize('  ...  !!! --- $$$ ', identity).count).toBe(0);
  });

  it('keeps offsets in the original text when NFKC changes full-width letters', () => {
    const text = 'ｗｉｒｅ ｔｒａｎｓｆｅｒ of $5';
    expect(toks(text).map((t) => [t.start, t.end, t.surface, t.norm])).toEqual([
      [0, 4, 'ｗｉｒｅ', 'wire'],
      [5, 13, 'ｔｒａｎｓｆｅｒ', 'transfer'],
      [14, 16, 'of', 'of'],
      [18, 19, '5', '5'],
    ]);
  });

  it('keeps offsets in the original text when NFKC expands ligatures', () => {
    // "ﬁ" (U+FB01) and "ﬃ" (U+FB03) are one code unit each but two or three letters after NFKC.
    const text = 'the ﬁle from the oﬃce';
    expect(toks(text).map((t) => [t.start, t.end, t.surface, t.norm])).toEqual([
      [0, 3, 'the', 'the'],
      [4, 7, 'ﬁle', 'file'],
      [8, 12, 'from', 'from'],
      [13, 16, 'the', 'the'],
      [17, 21, 'oﬃce', 'office'],
    ]);
  });

  it('lower-cases, and keeps a combining accent inside its word', () => {
    const text = 'École e\u0301cole ÉCOLE';
    expect(toks(text).map((t) => [t.surface, t.norm])).toEqual([
      ['École', 'école'],
      ['e\u0301cole', 'école'], // NFKC composes e + U+0301 into é
      ['ÉCOLE', 'école'],
    ]);
  });
});

describe('tokenize: apostrophes, hyphens, numbers', () => {
  it.each([
    ["He didn't click.", 'didn\'t', 'didnt'],
    ["the victim's bank", "victim's", 'victims'],
    ['the victim\u2019s bank', 'victim\u2019s', 'victims'],
    ['he didn\u2019t pay', 'didn\u2019t', 'didnt'],
    ['it\u02bcs gone', 'it\u02bcs', 'its'],
  ])('keeps the apostrophe inside the word and drops it from the normalized form in %j', (text, surface, norm) => {
    const t = toks(text).find((x) => x.surface === surface);
    expect(t?.norm).toBe(norm);
    expect(t && text.slice(t.start, t.end)).toBe(surface);
  });

  it.each([
    ["accounts I'd never seen", "I'd", "i'd"],
    ['accounts I\u2019d never seen', 'I\u2019d', "i'd"],
    ["she'll wire it", "she'll", "she'll"],
    ["we're locked out", "we're", "we're"],
  ])('keeps the apostrophe of a pronoun contraction that would otherwise read as another word in %j', (text, surface, norm) => {
    // Without it "I'd" would be "id" (an ID document), "she'll" "shell", "we're" "were".
    const t = toks(text).find((x) => x.surface === surface);
    expect(t?.norm).toBe(norm);
  });

  it('drops a trailing apostrophe and a quoting apostrophe from the token', () => {
    expect(toks("the victims' money").map((t) => t.surface)).toEqual(['the', 'victims', 'money']);
    expect(toks('the victims\u2019 money').map((t) => t.surface)).toEqual(['the', 'victims', 'money']);
    expect(toks("she said 'wire it'").map((t) => t.surface)).toEqual(['she', 'said', 'wire', 'it']);
  });

  it('does not join an apostrophe followed by a digit (\'90s)', () => {
    expect(norms("rock '90s")).toEqual(['rock', '90s']);
    expect(norms("x'9")).toEqual(['x', '9']);
  });

  it('splits on hyphens so "face-swapped" meets a rule written "face swapped"', () => {
    expect(toks('face-swapped e-mail').map((t) => [t.start, t.end, t.norm])).toEqual([
      [0, 4, 'face'],
      [5, 12, 'swapped'],
      [13, 14, 'e'],
      [15, 19, 'mail'],
    ]);
    expect(phraseTokens('face-swapped')).toEqual(phraseTokens('face swapped'));
  });

  it('keeps thousands separators and decimals between digits in one token', () => {
    expect(toks('paid $5,000.00 and 1.5 BTC').map((t) => [t.start, t.end, t.norm])).toEqual([
      [0, 4, 'paid'],
      [6, 14, '5,000.00'],
      [15, 18, 'and'],
      [19, 22, '1.5'],
      [23, 26, 'btc'],
    ]);
  });

  it('does not keep a comma or period that is not between digits', () => {
    expect(norms('paid 5,000. Then, a,b 7,')).toEqual(['paid', '5,000', 'then', 'a', 'b', '7']);
  });

  it('keeps letters and digits together in one token', () => {
    expect(norms('CVE-2024-3094 x86 3rd')).toEqual(['cve', '2024', '3094', 'x86', '3rd']);
  });
});

describe('tokenize: sentences', () => {
  it('starts a new sentence after ". ", "!", "?" and ";"', () => {
    expect(sentences('One two. Three! Four? Five; six')).toEqual([0, 0, 1, 2, 3, 4]);
  });

  it('does not end a sentence at "U.S." or a single-letter initial', () => {
    const text = 'Sent to the U.S. Treasury. Then left.';
    expect(toks(text).map((t) => [t.norm, t.sentence])).toEqual([
      ['sent', 0],
      ['to', 0],
      ['the', 0],
      ['u', 0],
      ['s', 0],
      ['treasury', 0],
      ['then', 1],
      ['left', 1],
    ]);
    expect(sentences('J. Smith called. He paid.')).toEqual([0, 0, 0, 1, 1]);
  });

  it.each([
    ['Dr. Smith called', [0, 0, 0]],
    ['Mr. Jones paid', [0, 0, 0]],
    ['Acme Inc. wired it', [0, 0, 0, 0]],
    ['approx. 40 files', [0, 0, 0]],
    ['see e.g. this', [0, 0, 0, 0]],
    ['at 9 a.m. sharp', [0, 0, 0, 0, 0]],
    ['acct no. 5 was hit', [0, 0, 0, 0, 0]],
  ])('does not end a sentence after the abbreviation in %j', (text, expected) => {
    expect(sentences(text)).toEqual(expected);
  });

  it('does not end a sentence at a period inside a token or not followed by space', () => {
    expect(sentences('visit evil.example.com today')).toEqual([0, 0, 0, 0, 0]);
  });

  it('ends a sentence at a period followed by a closing quote or parenthesis', () => {
    expect(sentences('He said "pay now." Then (he left.) Done')).toEqual([0, 0, 0, 0, 1, 1, 1, 2]);
  });

  it('ends a sentence at a blank line but not at a single line break', () => {
    expect(sentences('one\ntwo\n\nthree\r\n\r\nfour')).toEqual([0, 0, 1, 2]);
  });

  it('does not count empty sentences: repeated punctuation advances the index once', () => {
    expect(sentences('One... Two!!! ;; Three')).toEqual([0, 1, 2]);
  });
});

describe('tokenize: clauses', () => {
  const clauses = (text: string): number[] => Array.from(tokenize(text, identity).clause);

  it("starts a new clause at ':', '(', ')', em and en dashes and a spaced hyphen, inside one sentence", () => {
    const text = 'a b: c (d e) f \u2014 g \u2013 h - i';
    expect(clauses(text)).toEqual([0, 0, 1, 2, 2, 3, 4, 5, 6]);
    expect(sentences(text)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('does not start a clause at a hyphen inside a word', () => {
    expect(clauses('face-swapped e-mail')).toEqual([0, 0, 0, 0]);
  });

  it('starts a new clause with every new sentence', () => {
    expect(clauses('One two. Three: four. Five')).toEqual([0, 0, 1, 2, 3]);
  });

  it('does not count empty clauses', () => {
    expect(clauses('(a) b: (c)')).toEqual([0, 1, 2]);
  });
});

describe('tokenize: hostile Unicode', () => {
  it('skips emoji, including ZWJ sequences, without shifting offsets', () => {
    const text = 'paid 👨\u200d👩\u200d👧 via 💸 zelle';
    expect(toks(text).map((t) => [t.surface, t.start, t.end])).toEqual([
      ['paid', 0, 4],
      ['via', 14, 17],
      ['zelle', 21, 26],
    ]);
  });

  it('splits at a zero-width joiner or zero-width space between letters', () => {
    expect(toks('wi\u200dre tr\u200bansfer').map((t) => t.surface)).toEqual(['wi', 're', 'tr', 'ansfer']);
  });

  it('skips right-to-left and left-to-right marks without shifting offsets', () => {
    const text = '\u200fwire\u200e \u202etransfer\u202c';
    expect(toks(text).map((t) => [t.start, t.end, t.norm])).toEqual([
      [1, 5, 'wire'],
      [8, 16, 'transfer'],
    ]);
  });

  it('tokenizes right-to-left script as words with exact offsets', () => {
    const text = 'paid \u05e9\u05dc\u05d5\u05dd ok';
    expect(toks(text).map((t) => [t.start, t.end])).toEqual([
      [0, 4],
      [5, 9],
      [10, 12],
    ]);
  });

  it('treats lone surrogates as separators and keeps surrounding offsets exact', () => {
    const text = 'a\ud800b \udc00c \ud83d';
    expect(spans(text)).toEqual([
      [0, 1],
      [2, 3],
      [5, 6],
    ]);
  });

  it('keeps astral letters (surrogate pairs) whole inside a token', () => {
    const text = 'x𝐀𝐁y z'; // U+1D400, U+1D401: mathematical bold letters, NFKC → "ab"
    expect(toks(text).map((t) => [t.start, t.end, t.norm])).toEqual([
      [0, 6, 'xaby'],
      [7, 8, 'z'],
    ]);
  });

  it('skips control characters', () => {
    expect(toks('a\u0000b\u0007c\u001bd').map((t) => t.surface)).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('tokenize: stems and phrases', () => {
  it('fills stems from the given stemmer, one per token', () => {
    const t = tokenize('She wired funds; wiring again', createStemmer());
    expect(t.word.map((w) => w.stem)).toEqual(['she', 'wire', 'fund', 'wire', 'again']);
    expect(t.norm).toEqual(['she', 'wired', 'funds', 'wiring', 'again']);
  });

  it('tokenizes taxonomy phrases exactly like narratives', () => {
    expect(phraseTokens("Victim's E-Mail")).toEqual(['victims', 'e', 'mail']);
    expect(phraseTokens('ｗｉｒｅ')).toEqual(['wire']);
  });
});

describe('tokenizeShared: the classifier reuses one set of buffers', () => {
  const lanes = (t: Tokens): unknown[] => {
    const n = t.count;
    const lane = (a: Int32Array): number[] => Array.from(a.subarray(0, n));
    return [n, lane(t.start), lane(t.end), lane(t.sentence), lane(t.clause), lane(t.stemId), t.norm.slice(0, n), t.word.slice(0, n).map((w) => w.stem)];
  };

  it('gives what tokenize gives, and nothing of a longer narrative before it leaks into a shorter one', () => {
    const stemmer = createStemmer();
    const long = 'The victims wired $9,000. They did not click the link; the agent (an AI) emailed the files. '.repeat(40);
    const short = "Acct no. 4411, didn't wire";
    expect(lanes(tokenizeShared(long, stemmer))).toEqual(lanes(tokenize(long, stemmer)));
    const shared = tokenizeShared(short, stemmer);
    expect(lanes(shared)).toEqual(lanes(tokenize(short, stemmer)));
    expect(shared.norm).toEqual(['acct', 'no', '4411', 'didnt', 'wire']);
    expect(shared.word).toHaveLength(5);
    // "no." before a number does not end the sentence: the period check reads this narrative's previous token.
    expect(Array.from(shared.sentence.subarray(0, shared.count))).toEqual([0, 0, 0, 0, 0]);
  });

  it('handles an input larger than the buffers it keeps without keeping it', () => {
    const stemmer = createStemmer();
    const huge = 'wire '.repeat(70_000);
    expect(tokenizeShared(huge, stemmer).count).toBe(70_000);
    expect(lanes(tokenizeShared('wired money', stemmer))).toEqual(lanes(tokenize('wired money', stemmer)));
  });
});

describe('tokenize: case-log shorthand', () => {
  it('reads "w/" as with and "w/o" as without, keeping the original span as the token', () => {
    const text = 'Subj w/ fake ID; logged in w/o authorization';
    expect(toks(text).map((t) => [t.norm, t.surface])).toEqual([
      ['subj', 'Subj'],
      ['with', 'w/'],
      ['fake', 'fake'],
      ['id', 'ID'],
      ['logged', 'logged'],
      ['in', 'in'],
      ['without', 'w/o'],
      ['authorization', 'authorization'],
    ]);
  });

  it('leaves other slashed forms alone', () => {
    expect(norms('and/or w/in 40 min, w/e')).toEqual(['and', 'or', 'w', 'in', '40', 'min', 'w', 'e']);
  });
});
