/**
 * Tokenizer that keeps every token's character offsets in the ORIGINAL text, so evidence is always
 * `text.slice(start, end)`. natural's tokenizers return bare strings, hence our own.
 *
 * Tokens are runs of letters, digits and combining marks. Inside a token an apostrophe followed by a letter is
 * kept (and dropped from the normalized form: "didn't" → "didnt", "victim's" → "victims", except where that makes
 * another word: "I'd" stays "i'd", not "id"), and `,` / `.`
 * between digits are kept ("5,000.00"). Hyphens split ("face-swapped" → face, swapped), and phrases are
 * tokenized the same way, so both spellings meet. Normalization is per token (NFKC + lower case), which
 * keeps offsets exact even where NFKC changes lengths. Case-log shorthand "w/" and "w/o" normalizes to "with" and
 * "without" (the token spans the slash).
 */
import { AMOUNT_STEM, AMOUNT_STEM_ID, FNV_OFFSET, FNV_PRIME, identityStemmer, newWord, type Stemmer, type Word } from './stem.js';

export { AMOUNT_STEM };

export interface Tokens {
  readonly count: number;
  readonly start: Int32Array;
  readonly end: Int32Array;
  /** NFKC, lower-cased, apostrophes removed. */
  readonly norm: string[];
  /** The stemmer's entry for each token (carries the matcher's per-word memo). */
  readonly word: Word[];
  /** Each token's stem id in the taxonomy (`word[i].stemId`, packed for the trie walk). */
  readonly stemId: Int32Array;
  /** Sentence index of each token. */
  readonly sentence: Int32Array;
  /** Clause index: also advances at ':', '(', ')' and dashes, where negation scopes stop but phrases may still span. */
  readonly clause: Int32Array;
}

// Abbreviations whose trailing period does not end a sentence (case-insensitive, no period).
const ABBREVIATIONS = new Set([
  'approx', 'etc', 'mr', 'mrs', 'ms', 'dr', 'inc', 'ltd', 'co', 'corp', 'vs', 'no', 'st', 'jr', 'sr',
  'acct', 'subj', 'vic', 'dept', 'est', 'ref', 'min', 'max', 'mo', 'yr', 'yrs', 'hr', 'hrs', 'fig',
]);
// (Dotted forms such as "U.S.", "e.g." and "a.m." split into one-letter tokens, which never end a sentence.)

const LETTER_OR_DIGIT = /[\p{L}\p{N}\p{M}]/u;
// A token starts with a letter or digit; combining marks and variation selectors only continue one.
const LETTER_OR_DIGIT_START = /[\p{L}\p{N}]/u;
// Any UTF-16 code unit outside ASCII (NFKC and case folding are then done per token).
const NON_ASCII = /[\u0080-\uffff]/;

const enum Cls {
  Other = 0,
  Word = 1,
  Apostrophe = 2,
  NumberJoiner = 3,
  SentenceEnd = 4,
}

// ASCII classification table: one lookup per character on the common path.
const ASCII = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9]/.test(ch)) ASCII[c] = Cls.Word;
  else if (ch === "'") ASCII[c] = Cls.Apostrophe;
  else if (ch === ',' || ch === '.') ASCII[c] = Cls.NumberJoiner;
  else ASCII[c] = Cls.Other;
}

function isWordCodePoint(cp: number): boolean {
  if (cp < 128) return ASCII[cp] === Cls.Word;
  if (cp === 0x2019 || cp === 0x02bc) return false; // typographic apostrophes: handled by the caller
  return LETTER_OR_DIGIT.test(String.fromCodePoint(cp));
}

function isApostrophe(c: number): boolean {
  return c === 39 || c === 0x2019 || c === 0x02bc;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9 || c === 0xa0;
}

/** Code point at i, and its length in UTF-16 units; lone surrogates are returned as themselves. */
function codePointAt(text: string, i: number): number {
  return text.codePointAt(i) ?? 0;
}

/** Token arrays with room for `capacity` tokens; `count` of them are in use. */
interface TokenBuffers {
  count: number;
  capacity: number;
  start: Int32Array;
  end: Int32Array;
  norm: string[];
  word: Word[];
  stemId: Int32Array;
  sentence: Int32Array;
  clause: Int32Array;
}

function tokenBuffers(capacity: number): TokenBuffers {
  return {
    count: 0,
    capacity,
    start: new Int32Array(capacity),
    end: new Int32Array(capacity),
    norm: [],
    word: [],
    stemId: new Int32Array(capacity),
    sentence: new Int32Array(capacity),
    clause: new Int32Array(capacity),
  };
}

// Reused by every tokenizeShared call (tokenizing is synchronous and never re-entered); an input too large to keep
// the buffers for gets its own.
const SHARED_KEEP = 1 << 15;
let shared = tokenBuffers(2048);

/**
 * Tokenize into buffers shared by every call: the result is valid only until the next call (the classifier consumes
 * it before returning). Typed arrays allocated per narrative cost more than the scan that fills them (each one a
 * separately tracked off-heap allocation); {@link tokenize} is the copying version for callers that keep tokens.
 */
export function tokenizeShared(text: string, stemmer: Stemmer): Tokens {
  // A token takes at least one character and is followed by one that is not part of it: at most ⌈n/2⌉ tokens.
  const cap = (text.length >> 1) + 1;
  let buffers = shared;
  if (cap > buffers.capacity) {
    buffers = tokenBuffers(Math.max(cap, 2 * shared.capacity));
    if (buffers.capacity <= SHARED_KEEP) shared = buffers;
  }
  scan(text, stemmer, buffers);
  return buffers;
}

export function tokenize(text: string, stemmer: Stemmer): Tokens {
  const t = tokenizeShared(text, stemmer);
  const count = t.count;
  const copy = (a: Int32Array): Int32Array => a.slice(0, count);
  return {
    count,
    start: copy(t.start),
    end: copy(t.end),
    norm: t.norm.slice(0, count),
    word: t.word.slice(0, count),
    stemId: copy(t.stemId),
    sentence: copy(t.sentence),
    clause: copy(t.clause),
  };
}

function scan(text: string, stemmer: Stemmer, out: TokenBuffers): void {
  const n = text.length;
  const { start: starts, end: ends, sentence: sentences, clause: clauses, stemId: stemIds, norm: norms, word: words } = out;
  let count = 0;
  let sentence = 0;
  let clause = 0;
  let i = 0;
  // For all-ASCII text, lower-case once: offsets stay the same, each token costs one slice, and the scan reads a
  // flat string (a narrative built by concatenation would otherwise be read through its rope).
  const lower = NON_ASCII.test(text) ? undefined : text.toLowerCase();
  const src = lower ?? text;
  while (i < n) {
    const c = src.charCodeAt(i);
    // Sentence boundaries between tokens.
    if (c === 46 /* . */ || c === 33 /* ! */ || c === 63 /* ? */ || c === 59 /* ; */) {
      if (c !== 46 || endsSentence(src, i, count > 0 ? norms[count - 1] : undefined)) {
        if (count > 0 && sentences[count - 1] === sentence) sentence++;
      }
      i++;
      continue;
    }
    if (c === 58 /* : */ || c === 40 /* ( */ || c === 41 /* ) */ || c === 0x2014 || c === 0x2013 || (c === 45 && i > 0 && src.charCodeAt(i - 1) === 32)) {
      if (count > 0 && clauses[count - 1] === clause) clause++;
      i++;
      continue;
    }
    if (c === 10 && i + 1 < n && (src.charCodeAt(i + 1) === 10 || src.charCodeAt(i + 1) === 13)) {
      if (count > 0 && sentences[count - 1] === sentence) sentence++;
      i++;
      continue;
    }
    const cp = c < 128 ? c : codePointAt(src, i);
    if (cp < 128 ? ASCII[cp] !== Cls.Word : !isWordCodePoint(cp) || !LETTER_OR_DIGIT_START.test(String.fromCodePoint(cp))) {
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    // Scan one token.
    const start = i;
    let ascii = true;
    let hasApostrophe = false;
    // FNV-1a of the token's characters, so the stemmer finds a known word without slicing it (see WordTable).
    let hash = FNV_OFFSET;
    while (i < n) {
      const d = src.charCodeAt(i);
      if (d < 128) {
        const cls = ASCII[d];
        if (cls === Cls.Word) {
          hash = Math.imul(hash ^ d, FNV_PRIME);
          i++;
          continue;
        }
        if (cls === Cls.Apostrophe && i + 1 < n && isWordCodePoint(src.charCodeAt(i + 1)) && !isDigit(src.charCodeAt(i + 1))) {
          hasApostrophe = true;
          i++;
          continue;
        }
        if (cls === Cls.NumberJoiner && i > start && isDigit(src.charCodeAt(i - 1)) && i + 1 < n && isDigit(src.charCodeAt(i + 1))) {
          hash = Math.imul(hash ^ d, FNV_PRIME);
          i++;
          continue;
        }
        break;
      }
      if (isApostrophe(d) && i + 1 < n && isWordCodePoint(codePointAt(src, i + 1))) {
        hasApostrophe = true;
        ascii = false;
        i++;
        continue;
      }
      const dcp = codePointAt(src, i);
      if (!isWordCodePoint(dcp)) break;
      ascii = false;
      i += dcp > 0xffff ? 2 : 1;
    }
    if (i === start) {
      // Defensive: a character that starts no token must still be consumed (never loop in place).
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    let norm: string;
    let word: Word;
    // A number right after a currency sign is an amount: its stem is the class "#amount", so rules can say
    // "paid #amount" without a regex ("wired $4,500", "sent € 900").
    const amount = isDigit(c) && isCurrencyBefore(text, start);
    const slashWord = i - start === 1 && i < n && src.charCodeAt(i) === 47 /* / */ ? slashAbbreviation(src, start, i) : undefined;
    if (slashWord !== undefined) {
      // Case-log shorthand: "w/" is "with" and "w/o" "without", so phrases written in full match terse lines.
      norm = slashWord.norm;
      word = stemmer.word(norm);
      i = slashWord.end;
    } else if (lower !== undefined && !hasApostrophe && !amount) {
      // All-ASCII text (lower-cased once, offsets unchanged): the token is its own normalized form.
      word = stemmer.wordAt(lower, start, i, hash);
      norm = word.norm;
    } else {
      if (lower !== undefined) norm = lower.slice(start, i);
      else {
        const surface = text.slice(start, i);
        norm = (ascii ? surface : surface.normalize('NFKC')).toLowerCase();
      }
      if (hasApostrophe) norm = dropApostrophes(norm);
      word = amount ? AMOUNT_WORD : stemmer.word(norm);
    }
    starts[count] = start;
    ends[count] = i;
    norms[count] = norm;
    words[count] = word;
    stemIds[count] = word.stemId;
    if (count > 0 && sentences[count - 1] !== sentence) clause++;
    sentences[count] = sentence;
    clauses[count] = clause;
    count++;
  }
  norms.length = count;
  words.length = count;
  out.count = count;
}

// Pronoun contractions that would become another word without their apostrophe ("I'd" → "id", an ID; "she'll" →
// "shell"; "we're" → "were"): they keep it, so rules about IDs and shell companies never read them.
const KEEP_APOSTROPHE = new Set(["i'd", "i'll", "we'd", "we'll", "we're", "she'd", "she'll", "he'll"]);

/** The normalized form of a token with apostrophes: without them ("didn't" → "didnt"), unless that makes another word. */
function dropApostrophes(norm: string): string {
  const ascii = norm.replace(/[\u2019\u02bc]/g, "'");
  return KEEP_APOSTROPHE.has(ascii) ? ascii : ascii.replace(/'/g, '');
}

/**
 * "w/" → with, "w/o" → without (the token and its slash, and the "o"), for the one-letter token at `start`; undefined
 * for anything else ("and/or", "w/e" and "w/in" are left alone: "w/in" is ambiguous between within and with in).
 */
function slashAbbreviation(src: string, start: number, slash: number): { norm: string; end: number } | undefined {
  const c = src.charCodeAt(start) | 0x20; // ASCII lower case
  if (c !== 119 /* w */) return undefined;
  const next = slash + 1 < src.length ? src.charCodeAt(slash + 1) | 0x20 : 32;
  const after = slash + 2 < src.length ? src.charCodeAt(slash + 2) : 32;
  const wordChar = (d: number): boolean => d < 128 && ASCII[d] === Cls.Word;
  if (next === 111 /* o */ && !wordChar(after)) return { norm: 'without', end: slash + 2 };
  if (!wordChar(src.charCodeAt(slash + 1) | 0)) return { norm: 'with', end: slash + 1 };
  return undefined;
}

// Shared by every amount token; the matcher never memoises on class words (their edges depend on the digits).
const AMOUNT_WORD: Word = newWord(AMOUNT_STEM, AMOUNT_STEM, AMOUNT_STEM_ID);

function isCurrencyBefore(text: string, start: number): boolean {
  let j = start - 1;
  if (j >= 0 && text.charCodeAt(j) === 32) j--;
  const c = j >= 0 ? text.charCodeAt(j) : 0;
  return c === 36 /* $ */ || c === 0x20ac /* € */ || c === 0xa3 /* £ */ || c === 0xa5 /* ¥ */ || c === 0x20b9 /* ₹ */;
}

/** A period ends a sentence when followed by space or end, and not after an abbreviation or a single letter ("U.S."). */
function endsSentence(text: string, i: number, prev: string | undefined): boolean {
  const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 32;
  if (!isSpace(next) && next !== 34 && next !== 41) return false;
  if (prev === undefined) return false;
  // The previous token must end right before the period to be an abbreviation candidate.
  if (prev.length === 1 && /[a-z]/.test(prev)) return false;
  // "no." abbreviates "number" only before a number ("acct no. 4411"); otherwise "He said no." ends a sentence.
  if (prev === 'no') return !isDigitOrHashAfter(text, i + 1);
  return !ABBREVIATIONS.has(prev);
}

function isDigitOrHashAfter(text: string, i: number): boolean {
  let j = i;
  while (j < text.length && isSpace(text.charCodeAt(j))) j++;
  const c = j < text.length ? text.charCodeAt(j) : 0;
  return isDigit(c) || c === 35;
}

const IDENTITY = identityStemmer();

/** Tokenize a taxonomy phrase the same way as narratives; returns the normalized surface tokens. */
export function phraseTokens(phrase: string): string[] {
  // Compiling a taxonomy tokenizes every phrase word by word: the shared buffers, no copies of the offsets.
  return tokenizeShared(phrase, IDENTITY).norm.slice();
}
