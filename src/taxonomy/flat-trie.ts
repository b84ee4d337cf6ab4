/**
 * The compiled phrase trie in flat typed arrays: nodes are integers, every stem edge of every node lives in one
 * open-addressed table, and the patterns ending at a node are a slice of one array. The matcher walks it for
 * every token; objects and a Map per node scattered that walk over the heap, and on a server, where requests
 * evict the classifier from the CPU caches between narratives, each step cost a chain of cache misses (measured:
 * pattern matching 5x slower with cold caches than in a tight loop). Here a step reads one table slot.
 */

/** The trie as the compiler builds it (objects, easy to grow); flattened once by {@link flattenTrie}. */
export interface TrieNode {
  /** Stem edges, keyed by stem id (see the compiled `stemIds` table). */
  next: Map<number, TrieNode>;
  /** Exact-surface edges (`=word`), kept apart from stem edges. */
  exact: Map<string, TrieNode> | undefined;
  /** Prefix edges indexed by their first two letters (prefixes are at least three long), see `prefixKey`. */
  prefixes: Map<number, [string, TrieNode][]> | undefined;
  any: TrieNode | undefined;
  /** Pattern ids that end here. */
  out: number[];
}

/** The rare edges of a node: exact-surface words and prefixes (children are node ids). */
export interface TrieExtra {
  exact: Map<string, number> | undefined;
  prefixes: Map<number, [string, number][]> | undefined;
}

export interface FlatTrie {
  readonly nodeCount: number;
  /** Number of stem ids: an edge's key is `node * stemCount + stemId`. */
  readonly stemCount: number;
  /** Open-addressed stem edges, two lanes per slot: key (-1 when empty) then child. */
  readonly edges: Int32Array;
  /** Slot mask (slots - 1; slots is a power of two) and the hash shift (32 - log2 slots). */
  readonly mask: number;
  readonly shift: number;
  /** Patterns ending at node n: `outPatterns[outStart[n] .. outStart[n + 1])`. */
  readonly outStart: Int32Array;
  readonly outPatterns: Int32Array;
  /** The `_` (any word) child of each node, or -1. */
  readonly anyChild: Int32Array;
  /** 1 where a node has exact or prefix edges (then `extra[node]` holds them). */
  readonly hasExtra: Uint8Array;
  readonly extra: readonly (TrieExtra | undefined)[];
}

export const ROOT = 0;
export const NO_NODE = -1;

/** Slot of a key: multiplicative (Fibonacci) hashing, the product's top bits. */
function slotOf(key: number, shift: number): number {
  return Math.imul(key, 0x9e3779b1) >>> shift;
}

/** The child of `node` along stem id `stemId`, or NO_NODE. */
export function stemChild(trie: FlatTrie, node: number, stemId: number): number {
  const key = node * trie.stemCount + stemId;
  const { edges, mask } = trie;
  for (let slot = slotOf(key, trie.shift); ; slot = (slot + 1) & mask) {
    const k = edges[2 * slot] as number;
    if (k === key) return edges[2 * slot + 1] as number;
    if (k === -1) return NO_NODE;
  }
}

export function flattenTrie(root: TrieNode, stemCount: number): FlatTrie {
  // Number nodes breadth-first from the root (0), so a node's children sit near each other.
  const order: TrieNode[] = [root];
  const ids = new Map<TrieNode, number>([[root, ROOT]]);
  const visit = (n: TrieNode | undefined): void => {
    if (n !== undefined && !ids.has(n)) {
      ids.set(n, order.length);
      order.push(n);
    }
  };
  for (let i = 0; i < order.length; i++) {
    const n = order[i] as TrieNode;
    for (const c of n.next.values()) visit(c);
    for (const c of n.exact?.values() ?? []) visit(c);
    for (const bucket of n.prefixes?.values() ?? []) for (const [, c] of bucket) visit(c);
    visit(n.any);
  }
  const nodeCount = order.length;
  if (nodeCount * stemCount + stemCount >= 2 ** 31) throw new Error(`the phrase trie is too large to flatten (${nodeCount} nodes × ${stemCount} stems)`);
  const idOf = (n: TrieNode): number => ids.get(n) as number;

  let edgeCount = 0;
  for (const n of order) edgeCount += n.next.size;
  let bits = 4;
  while (1 << bits < 2 * edgeCount) bits++; // load factor at most one half: probes stay short
  const slots = 1 << bits;
  const mask = slots - 1;
  const shift = 32 - bits;
  const edges = new Int32Array(2 * slots).fill(-1);
  const outStart = new Int32Array(nodeCount + 1);
  const outPatterns: number[] = [];
  const anyChild = new Int32Array(nodeCount).fill(NO_NODE);
  const hasExtra = new Uint8Array(nodeCount);
  const extra: (TrieExtra | undefined)[] = new Array<TrieExtra | undefined>(nodeCount).fill(undefined);

  order.forEach((n, id) => {
    for (const [stemId, child] of n.next) {
      const key = id * stemCount + stemId;
      let slot = slotOf(key, shift);
      while (edges[2 * slot] !== -1) slot = (slot + 1) & mask;
      edges[2 * slot] = key;
      edges[2 * slot + 1] = idOf(child);
    }
    outStart[id] = outPatterns.length;
    outPatterns.push(...n.out);
    if (n.any) anyChild[id] = idOf(n.any);
    if (n.exact || n.prefixes) {
      hasExtra[id] = 1;
      extra[id] = {
        exact: n.exact && new Map([...n.exact].map(([w, c]) => [w, idOf(c)])),
        prefixes: n.prefixes && new Map([...n.prefixes].map(([k, bucket]) => [k, bucket.map(([p, c]): [string, number] => [p, idOf(c)])])),
      };
    }
  });
  outStart[nodeCount] = outPatterns.length;
  return { nodeCount, stemCount, edges, mask, shift, outStart, outPatterns: Int32Array.from(outPatterns), anyChild, hasExtra, extra };
}
