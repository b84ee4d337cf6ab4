/**
 * WordTable finds a word by the hash the tokenizer computed and by comparing characters in place; the stemmer
 * behind it must give the same Word for a token whether it comes through the table or through the Map.
 */
import { describe, expect, it } from 'vitest';
import { AMOUNT_STEM_ID, createStemmer, FNV_OFFSET, FNV_PRIME, NO_STEM_ID } from '../../src/classify/stem.js';
import { tokenize } from '../../src/classify/tokenize.js';
import { WordTable } from '../../src/classify/word-table.js';

const fnv = (s: string): number => {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
};

describe('WordTable', () => {
  it('finds an added word inside a longer text, by hash and characters', () => {
    const table = new WordTable();
    table.add(fnv('wire'), { norm: 'wire' });
    const src = 'they wire money';
    expect(table.find(src, 5, 9, fnv('wire'))?.norm).toBe('wire');
    expect(table.find(src, 10, 15, fnv('money'))).toBeUndefined();
  });

  it('keeps words whose hashes collide apart', () => {
    const table = new WordTable();
    table.add(7, { norm: 'alpha' });
    table.add(7, { norm: 'bravo' });
    table.add(7 + (1 << 16), { norm: 'delta' }); // same slot, different hash
    expect(table.find('bravo', 0, 5, 7)?.norm).toBe('bravo');
    expect(table.find('alpha', 0, 5, 7)?.norm).toBe('alpha');
    expect(table.find('delta', 0, 5, 7 + (1 << 16))?.norm).toBe('delta');
    expect(table.find('delta', 0, 5, 7)).toBeUndefined();
    expect(table.find('alphas', 0, 6, 7)).toBeUndefined();
  });

  it('stays bounded: clears itself when half full and keeps working', () => {
    const table = new WordTable();
    const words = Array.from({ length: 40_000 }, (_, i) => `w${i}`);
    for (const w of words) table.add(fnv(w), { norm: w });
    const last = words[words.length - 1] as string;
    expect(table.find(last, 0, last.length, fnv(last))?.norm).toBe(last);
    expect(table.find('w0', 0, 2, fnv('w0'))).toBeUndefined(); // dropped by the clear at 32,768 entries
  });
});

describe('stemmer lookups through the table', () => {
  it('returns the same Word object for a token however it is reached', () => {
    const stemmer = createStemmer();
    const a = tokenize('The victims wired money. Wired again', stemmer);
    const b = tokenize('wired', stemmer);
    expect(a.word[2]).toBe(a.word[4]);
    expect(b.word[0]).toBe(a.word[2]);
    expect(stemmer.word('wired')).toBe(a.word[2]);
    expect(a.norm).toEqual(['the', 'victims', 'wired', 'money', 'wired', 'again']);
    expect(a.word[2]?.stem).toBe('wire');
  });

  it('does not use the table for tokens whose normalized form is not their text', () => {
    const stemmer = createStemmer();
    const t = tokenize("Didn't wire $4,500", stemmer);
    expect(t.norm).toEqual(['didnt', 'wire', '4,500']);
    expect(t.word[2]?.stem).toBe('#amount');
  });
});

describe('stem ids', () => {
  it('gives each word its stem id from the taxonomy table, and NO_STEM_ID otherwise, without growing the table', () => {
    const ids = new Map([['wire', 7]]);
    const stemmer = createStemmer(ids);
    expect(stemmer.word('wired').stemId).toBe(7);
    expect(stemmer.word('wiring').stemId).toBe(7);
    const t = tokenize('zxqv wired 8812 wires', stemmer);
    expect(Array.from(t.stemId)).toEqual([NO_STEM_ID, 7, NO_STEM_ID, 7]);
    expect(ids.size).toBe(1);
  });

  it('packs the amount class as AMOUNT_STEM_ID in every taxonomy', () => {
    const t = tokenize('paid $4,500', createStemmer(new Map()));
    expect(Array.from(t.stemId)).toEqual([NO_STEM_ID, AMOUNT_STEM_ID]);
  });
});
