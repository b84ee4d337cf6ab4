/**
 * The stemmer adapter: Porter through natural's one file, with a bounded per-instance cache in front.
 * The cache is observed by spying on the Porter stemmer the adapter calls.
 */
import PorterStemmer from 'natural/lib/natural/stemmers/porter_stemmer.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createStemmer } from '../../src/classify/stem.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('createStemmer', () => {
  it.each([
    ['wired', 'wire'],
    ['wiring', 'wire'],
    ['wire', 'wire'],
    ['transfers', 'transfer'],
    ['impersonating', 'imperson'],
    ['accessed', 'access'],
  ])('stems %j to %j like Porter', (token, stem) => {
    expect(createStemmer().stem(token)).toBe(stem);
  });

  it.each(['5,000.00', '3rd', '2024', '0day'])('returns a token starting with a digit unchanged: %j', (token) => {
    const spy = vi.spyOn(PorterStemmer, 'stem');
    expect(createStemmer().stem(token)).toBe(token);
    expect(spy).not.toHaveBeenCalled();
  });

  it('returns tokens shorter than three characters unchanged without calling Porter', () => {
    const spy = vi.spyOn(PorterStemmer, 'stem');
    const s = createStemmer();
    expect(['as', 'is', 'ss', 'x'].map((t) => s.stem(t))).toEqual(['as', 'is', 'ss', 'x']);
    expect(spy).not.toHaveBeenCalled();
  });

  it('keeps the pronoun "us" apart from Porter\'s stem of use, used, using and uses', () => {
    const s = createStemmer();
    const verb = ['use', 'used', 'using', 'uses'].map((t) => s.stem(t));
    expect(new Set(verb)).toEqual(new Set(['us']));
    expect(verb).not.toContain(s.stem('us'));
  });

  it('calls Porter once per distinct token when the same token repeats', () => {
    const spy = vi.spyOn(PorterStemmer, 'stem');
    const s = createStemmer();
    for (let i = 0; i < 5; i++) expect(s.stem('wiring')).toBe('wire');
    expect(s.stem('wired')).toBe('wire');
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it('keeps a separate cache per stemmer instance', () => {
    const spy = vi.spyOn(PorterStemmer, 'stem');
    createStemmer().stem('wiring');
    createStemmer().stem('wiring');
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it('stays correct after the bounded cache fills and is cleared', () => {
    // Fake Porter so 200k distinct tokens are cheap; the adapter must call it again once the cache was cleared.
    const spy = vi.spyOn(PorterStemmer, 'stem').mockImplementation((t: string) => `${t}~`);
    const s = createStemmer();
    expect(s.stem('wiring')).toBe('wiring~');
    for (let i = 0; i < 200_000; i++) s.stem(`tok${i}`);
    const before = spy.mock.calls.length;
    expect(s.stem('wiring')).toBe('wiring~');
    expect(spy.mock.calls.length).toBe(before + 1);
    expect(s.stem('wiring')).toBe('wiring~');
    expect(spy.mock.calls.length).toBe(before + 1);
  });
});
