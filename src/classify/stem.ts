/**
 * Porter stemming through natural, imported narrowly: the package root loads database clients, reads `.env`
 * and prints to stdout (DESIGN.md). A bounded cache of `Word` entries in front makes repeated words ~20x
 * cheaper, and gives the matcher a place to memoise what a word opens in the trie (one lookup per token).
 */
import PorterStemmer from 'natural/lib/natural/stemmers/porter_stemmer.js';

const MAX_CACHE = 200_000;

/** One distinct normalized word. */
export interface Word {
  readonly stem: string;
  /** Matcher memo: the trie root these edges were computed for, and the edges (see match.ts). */
  memoRoot: object | undefined;
  memoEdges: readonly object[] | undefined;
}

export interface Stemmer {
  stem(normalizedToken: string): string;
  /** The cached entry for a word; entries live as long as the cache keeps them. */
  word(normalizedToken: string): Word;
}

export function newWord(stem: string): Word {
  return { stem, memoRoot: undefined, memoEdges: undefined };
}

/** A stemmer with its own bounded cache (cleared whole when full: simple, and vocabularies are Zipfian). */
export function createStemmer(): Stemmer {
  const cache = new Map<string, Word>();
  const word = (token: string): Word => {
    let w = cache.get(token);
    if (w === undefined) {
      // Digits and very short tokens are their own stem; Porter would only copy them.
      w = newWord(token.length < 3 || isDigitStart(token) ? token : PorterStemmer.stem(token));
      if (cache.size >= MAX_CACHE) cache.clear();
      cache.set(token, w);
    }
    return w;
  };
  return { word, stem: (token) => word(token).stem };
}

/** Stems words as themselves (phrases are tokenized with it before stemming is decided per token). */
export function identityStemmer(): Stemmer {
  return { word: newWord, stem: (token) => token };
}

function isDigitStart(token: string): boolean {
  const c = token.charCodeAt(0);
  return c >= 48 && c <= 57;
}
