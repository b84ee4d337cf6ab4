/**
 * Porter stemming through natural, imported narrowly: the package root loads database clients, reads `.env`
 * and prints to stdout (DESIGN.md). A bounded cache of `Word` entries in front makes repeated words ~20x
 * cheaper, and gives the matcher a place to memoise what a word opens in the trie (one lookup per token).
 */
import PorterStemmer from 'natural/lib/natural/stemmers/porter_stemmer.js';
import { WordTable } from './word-table.js';

const MAX_CACHE = 200_000;

/** Short words whose surface equals Porter's stem of other words: the pronoun "us" against use/used/using/uses. */
const SHORT_COLLISIONS: ReadonlyMap<string, string> = new Map([['us', 'us:pronoun']]);

/** Stem given to currency amounts; phrases write it `#amount`. */
export const AMOUNT_STEM = '#amount';
/** Stem ids: the compiled trie keys its stem edges by small integers; `#amount` is 0 in every taxonomy. */
export const AMOUNT_STEM_ID = 0;
/** The id of a stem no phrase uses: it can never follow a trie edge. */
export const NO_STEM_ID = -1;

/** One distinct normalized word. */
export interface Word {
  readonly norm: string;
  readonly stem: string;
  /** The stem's id in the taxonomy this stemmer serves, or NO_STEM_ID. */
  readonly stemId: number;
  /** Matcher memo: the trie these root edges were computed for, and the child node ids (see match.ts). */
  memoRoot: object | undefined;
  memoEdges: readonly number[] | undefined;
}

export interface Stemmer {
  stem(normalizedToken: string): string;
  /** The cached entry for a word; entries live as long as the cache keeps them. */
  word(normalizedToken: string): Word;
  /**
   * The entry for the word `src.slice(start, end)` (already normalized) whose FNV-1a hash the tokenizer computed
   * while scanning it: a repeated word costs no slice and no string hashing.
   */
  wordAt(src: string, start: number, end: number, hash: number): Word;
}

export function newWord(norm: string, stem: string, stemId: number = NO_STEM_ID): Word {
  return { norm, stem, stemId, memoRoot: undefined, memoEdges: undefined };
}

/** FNV-1a over UTF-16 units, as the tokenizer computes it character by character. */
export const FNV_OFFSET = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;

/**
 * A stemmer with its own bounded cache (cleared whole when full: simple, and vocabularies are Zipfian). With
 * `stemIds` (the compiled taxonomy's stem → id table, complete before the first narrative) each word also carries
 * its stem's id; stems outside the table get NO_STEM_ID, so the table never grows with the input. `overrides`
 * (the taxonomy's stems file) gives listed words a stem of their own, ahead of Porter.
 */
export function createStemmer(stemIds?: ReadonlyMap<string, number>, overrides?: ReadonlyMap<string, string>): Stemmer {
  const cache = new Map<string, Word>();
  const table = new WordTable<Word>();
  const word = (token: string): Word => {
    let w = cache.get(token);
    if (w === undefined) {
      // Digits and very short tokens are their own stem; Porter would only copy them. A short token that is also
      // Porter's stem of longer words gets its own ("us" is not a form of "used").
      const stem =
        overrides?.get(token) ??
        (token.length < 3 ? (SHORT_COLLISIONS.get(token) ?? token) : isDigitStart(token) ? token : PorterStemmer.stem(token));
      w = newWord(token, stem, stemIds?.get(stem) ?? NO_STEM_ID);
      if (cache.size >= MAX_CACHE) cache.clear();
      cache.set(token, w);
    }
    return w;
  };
  const wordAt = (src: string, start: number, end: number, hash: number): Word => {
    let w = table.find(src, start, end, hash);
    if (w === undefined) {
      w = word(src.slice(start, end));
      table.add(hash, w);
    }
    return w;
  };
  return { word, wordAt, stem: (token) => word(token).stem };
}

/** Porter's stem of a normalized word, without the cache or the taxonomy's overrides (for validating them). */
export function porterStem(token: string): string {
  return PorterStemmer.stem(token);
}

/** Stems words as themselves (phrases are tokenized with it before stemming is decided per token). */
export function identityStemmer(): Stemmer {
  const word = (token: string): Word => newWord(token, token);
  return { word, wordAt: (src, start, end) => word(src.slice(start, end)), stem: (token) => token };
}

function isDigitStart(token: string): boolean {
  const c = token.charCodeAt(0);
  return c >= 48 && c <= 57;
}
