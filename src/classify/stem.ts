/**
 * Porter stemming through natural, imported narrowly: the package root loads database clients, reads `.env`
 * and prints to stdout (DESIGN.md). A bounded Map cache in front makes repeated words ~20x cheaper.
 */
import PorterStemmer from 'natural/lib/natural/stemmers/porter_stemmer.js';

const MAX_CACHE = 200_000;

export interface Stemmer {
  stem(normalizedToken: string): string;
}

/** A stemmer with its own bounded cache (cleared whole when full: simple, and vocabularies are Zipfian). */
export function createStemmer(): Stemmer {
  const cache = new Map<string, string>();
  return {
    stem(token: string): string {
      let s = cache.get(token);
      if (s === undefined) {
        // Digits and very short tokens are their own stem; Porter would only copy them.
        s = token.length < 3 || isDigitStart(token) ? token : PorterStemmer.stem(token);
        if (cache.size >= MAX_CACHE) cache.clear();
        cache.set(token, s);
      }
      return s;
    },
  };
}

function isDigitStart(token: string): boolean {
  const c = token.charCodeAt(0);
  return c >= 48 && c <= 57;
}
