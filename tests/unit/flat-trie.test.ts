/**
 * The flattened trie answers exactly what the object trie it came from says: every stem edge, no other, the
 * patterns ending at each node, `_` children and the rare exact/prefix edges.
 */
import { describe, expect, it } from 'vitest';
import { flattenTrie, NO_NODE, ROOT, stemChild, type TrieNode } from '../../src/taxonomy/flat-trie.js';

function node(): TrieNode {
  return { next: new Map(), exact: undefined, prefixes: undefined, any: undefined, out: [] };
}

describe('flattenTrie', () => {
  it('keeps every stem edge, out list and any child, and finds no edge that was not there', () => {
    // A random trie: 400 nodes over 50 stem ids, built by random insertions.
    let seed = 7;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const root = node();
    const all: TrieNode[] = [root];
    while (all.length < 400) {
      const parent = all[rand(all.length)] as TrieNode;
      const sid = rand(50);
      if (parent.next.has(sid)) continue;
      const child = node();
      if (rand(3) === 0) child.out.push(all.length);
      if (rand(10) === 0) child.any = node();
      parent.next.set(sid, child);
      all.push(child);
    }
    const trie = flattenTrie(root, 50);

    // Walk both tries together from the root.
    const check = (obj: TrieNode, id: number): void => {
      const outs = Array.from(trie.outPatterns.subarray(trie.outStart[id], trie.outStart[id + 1]));
      expect(outs).toEqual(obj.out);
      for (let sid = 0; sid < 50; sid++) {
        const child = obj.next.get(sid);
        const flat = stemChild(trie, id, sid);
        if (child === undefined) expect(flat).toBe(NO_NODE);
        else check(child, flat);
      }
      if (obj.any) check(obj.any, trie.anyChild[id] as number);
      else expect(trie.anyChild[id]).toBe(NO_NODE);
    };
    check(root, ROOT);
  });

  it('moves exact and prefix edges to the node’s extra table', () => {
    const root = node();
    const exactChild = node();
    exactChild.out.push(3);
    const prefixChild = node();
    prefixChild.out.push(4);
    root.exact = new Map([['us', exactChild]]);
    root.prefixes = new Map([[1, [['crypt', prefixChild]]]]);
    const trie = flattenTrie(root, 1);
    expect(trie.hasExtra[ROOT]).toBe(1);
    const ex = trie.extra[ROOT]?.exact?.get('us') as number;
    const edge = trie.extra[ROOT]?.prefixes?.get(1)?.[0];
    expect(edge?.[0]).toBe('crypt');
    const pc = edge?.[1] ?? NO_NODE;
    expect(Array.from(trie.outPatterns.subarray(trie.outStart[ex], trie.outStart[ex + 1]))).toEqual([3]);
    expect(Array.from(trie.outPatterns.subarray(trie.outStart[pc], trie.outStart[(pc) + 1]))).toEqual([4]);
  });
});
