/**
 * An open-addressing hash table of words keyed by a hash the tokenizer computes while it scans, compared against
 * the source text in place: finding a word already seen needs neither a substring nor a string hash. Bounded:
 * cleared whole when half full, like the stem cache behind it.
 */
export interface TableWord {
  readonly norm: string;
}

const BITS = 16;
const SIZE = 1 << BITS;
const MASK = SIZE - 1;
const MAX_ENTRIES = SIZE >> 1;

export class WordTable<W extends TableWord = TableWord> {
  private readonly hashes = new Int32Array(SIZE);
  private readonly words: (W | undefined)[] = new Array<W | undefined>(SIZE).fill(undefined);
  private entries = 0;

  find(src: string, start: number, end: number, hash: number): W | undefined {
    const len = end - start;
    for (let slot = hash & MASK; ; slot = (slot + 1) & MASK) {
      const w = this.words[slot];
      if (w === undefined) return undefined;
      if (this.hashes[slot] === hash && w.norm.length === len && sameChars(w.norm, src, start, len)) return w;
    }
  }

  add(hash: number, word: W): void {
    if (this.entries >= MAX_ENTRIES) {
      this.words.fill(undefined);
      this.entries = 0;
    }
    let slot = hash & MASK;
    while (this.words[slot] !== undefined) slot = (slot + 1) & MASK;
    this.hashes[slot] = hash;
    this.words[slot] = word;
    this.entries++;
  }
}

function sameChars(word: string, src: string, start: number, len: number): boolean {
  for (let k = 0; k < len; k++) if (word.charCodeAt(k) !== src.charCodeAt(start + k)) return false;
  return true;
}
