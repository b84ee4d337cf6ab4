/**
 * Runs the compiled trie over a tokenized narrative and turns pattern hits into rule hits: phrase rules
 * directly, proximity rules by combining their parts, regex rules by one scan each. Negation and hypothetical
 * scopes (negation.ts) and same-sentence exclusions are applied here, so scoring only sees final hits.
 */
import { listenerPart, listenerRule, prefixKey, type CompiledRule, type CompiledTaxonomy } from '../taxonomy/compile.js';
import { NO_NODE, ROOT, stemChild, type FlatTrie, type TrieExtra } from '../taxonomy/flat-trie.js';
import { computeScopes, ScopeKind } from './negation.js';
import { AMOUNT_STEM_ID, NO_STEM_ID, type Word } from './stem.js';
import { RuleHitTable, type RuleHit } from './rule-hits.js';
import type { Tokens } from './tokenize.js';

export type { RuleHit };

/**
 * Pattern hits of one narrative, flat: hit h is pattern `pattern[h]` over tokens `[from[h], to[h])`, in order of
 * `from`. The arrays are pooled (one allocation-free buffer reused by every call), so a result is valid only until
 * the next call of findPatternHits; matchRules consumes it before returning.
 */
export interface PatternHits {
  readonly count: number;
  readonly pattern: Int32Array;
  readonly from: Int32Array;
  /** Exclusive token index. */
  readonly to: Int32Array;
}

// Bounds how many combinations a proximity rule may try, so hostile input cannot blow up matching.
const MAX_PART_HITS = 64;
const MAX_PARTS = 4; // listener codes keep `part + 2` in three bits; the schema allows at most four parts

// Per-call scratch, reused: allocation costs more than the loops that use it, and matching is synchronous and
// never re-entered. Each is handed out clean (or fully overwritten by its user).
let partBitsPool = new Uint8Array(256);
let keysPool = new Int32Array(1024);
let scopesPool = new Uint8Array(1024);
/**
 * Hit indices per (rule, part) of the proximity rules being combined, flat: list `slot = rule * MAX_PARTS + part` is
 * `partHits[slot * MAX_PART_HITS ..]`, `partCounts[slot]` long. Sized for the taxonomy on first use; counts go back
 * to zero after each rule is combined.
 */
let partHits = new Int32Array(0);
let partCounts = new Int32Array(0);

function ensurePartLists(rules: number): void {
  if (partCounts.length >= rules * MAX_PARTS) return;
  partCounts = new Int32Array(rules * MAX_PARTS);
  partHits = new Int32Array(rules * MAX_PARTS * MAX_PART_HITS);
}
const hitPool = { count: 0, pattern: new Int32Array(256), from: new Int32Array(256), to: new Int32Array(256) };

/** One zeroed byte per rule; callers reset the bytes they set before returning. */
function partBits(rules: number): Uint8Array {
  if (partBitsPool.length < rules) partBitsPool = new Uint8Array(rules);
  return partBitsPool;
}

function keysFor(count: number): Int32Array {
  if (keysPool.length < count) keysPool = new Int32Array(Math.max(count, 2 * keysPool.length));
  return keysPool;
}

function scopesFor(count: number): Uint8Array {
  if (scopesPool.length < count) scopesPool = new Uint8Array(Math.max(count, 2 * scopesPool.length));
  return scopesPool;
}

/** A growable stack of int32, pooled per use site: pass 1's lists are rebuilt for every narrative. */
class IntStack {
  data = new Int32Array(256);
  n = 0;
  push(v: number): void {
    if (this.n === this.data.length) {
      const grown = new Int32Array(2 * this.n);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.n++] = v;
  }
}
const touchedPool = new IntStack();
const phraseRefPool = new IntStack();
/** (rule, sentence) pairs of the exclusions found; `excludedRule` marks the rules that have one. */
const exclusionPool = new IntStack();
let excludedRule = new Uint8Array(256);
/** combineNear's answer: (first token, end token, offset in chosenFrom) per anchor with a combination. */
const nearResults = new IntStack();
const sharedTable = new RuleHitTable();

function pushHit(pattern: number, from: number, to: number): void {
  const n = hitPool.count;
  if (n === hitPool.pattern.length) {
    const grow = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(2 * a.length);
      b.set(a);
      return b;
    };
    hitPool.pattern = grow(hitPool.pattern);
    hitPool.from = grow(hitPool.from);
    hitPool.to = grow(hitPool.to);
  }
  hitPool.pattern[n] = pattern;
  hitPool.from[n] = from;
  hitPool.to[n] = to;
  hitPool.count = n + 1;
}

/**
 * Every pattern occurrence, by trie walk from each token. The root edges a word opens are memoised on the
 * stemmer's entry for that word (tokens.word), so a token costs one lookup there instead of three.
 */
export function findPatternHits(tokens: Tokens, trie: FlatTrie): PatternHits {
  hitPool.count = 0;
  const { count, norm, sentence, word, stemId } = tokens;
  const { outStart, outPatterns, anyChild, hasExtra, extra } = trie;
  // Prefix keys are computed once per token, not once per trie node visited.
  const keys = keysFor(count);
  for (let t = 0; t < count; t++) keys[t] = prefixKey(norm[t] as string);

  // Follows every edge that token j opens from `node`; `from` is where the match started.
  const step = (node: number, from: number, j: number): void => {
    const sid = stemId[j] as number;
    if (sid !== NO_STEM_ID) {
      const nx = stemChild(trie, node, sid);
      if (nx !== NO_NODE) walk(nx, from, j + 1);
    }
    if (hasExtra[node] === 1) {
      const x = extra[node] as TrieExtra;
      const ex = x.exact?.get(norm[j] as string);
      if (ex !== undefined) walk(ex, from, j + 1);
      const bucket = x.prefixes?.get(keys[j] as number);
      if (bucket) {
        const w = norm[j] as string;
        for (const [p, n] of bucket) if (w.startsWith(p)) walk(n, from, j + 1);
      }
    }
  };
  const walk = (node: number, from: number, j: number): void => {
    const stop = outStart[node + 1] as number;
    for (let k = outStart[node] as number; k < stop; k++) pushHit(outPatterns[k] as number, from, j);
    if (j >= count || sentence[j] !== sentence[from]) return;
    step(node, from, j);
    const any = anyChild[node] as number;
    if (any !== NO_NODE) walk(any, from, j + 1);
  };
  // The root never ends a pattern and has no `_` edge (a phrase cannot start with `_`), so start at its edges.
  for (let i = 0; i < count; i++) {
    const wd = word[i] as Word;
    if (wd.stemId === AMOUNT_STEM_ID) {
      step(ROOT, i, i); // class tokens (#amount) have a stem that is not a function of the word
      continue;
    }
    let edges = wd.memoEdges;
    if (edges === undefined || wd.memoRoot !== trie) {
      edges = rootEdges(trie, norm[i] as string, wd.stemId);
      wd.memoRoot = trie;
      wd.memoEdges = edges;
    }
    for (let k = 0; k < edges.length; k++) walk(edges[k] as number, i, i + 1);
  }
  return hitPool;
}

const EMPTY: readonly number[] = Object.freeze([]);

function rootEdges(trie: FlatTrie, word: string, stemId: number): readonly number[] {
  const out: number[] = [];
  const nx = stemId === NO_STEM_ID ? NO_NODE : stemChild(trie, ROOT, stemId);
  if (nx !== NO_NODE) out.push(nx);
  const x = trie.extra[ROOT];
  const ex = x?.exact?.get(word);
  if (ex !== undefined) out.push(ex);
  const bucket = x?.prefixes?.get(prefixKey(word));
  if (bucket) for (const [p, n] of bucket) if (word.startsWith(p)) out.push(n);
  return out.length === 0 ? EMPTY : out;
}

/** Token index of the token containing or following character offset `pos`. */
function tokenAt(tokens: Tokens, pos: number): number {
  let lo = 0;
  let hi = tokens.count - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((tokens.end[mid] as number) <= pos) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Whether a scope cancels a hit of a rule with this negatable mode. Attempt rules (false) still count when the
 * outcome failed ("tried to log in but was blocked") but not when the attempt is denied ("did not try"); threats
 * (conditional) are cancelled only by a denial, since "if ..., he would post the file" is how a threat is made;
 * 'never' rules are phrases that are negations themselves.
 */
function cancels(negatable: CompiledRule['negatable'], s: ScopeKind): boolean {
  if (s === ScopeKind.None || negatable === 'never') return false;
  if (negatable === 'conditional') return s === ScopeKind.Negated;
  return !(negatable === false && s === ScopeKind.Outcome);
}

/** Rule hits keyed by global rule index, as objects (tests; the classifier reads {@link findRuleHits}). */
export function matchRules(text: string, tokens: Tokens, tx: CompiledTaxonomy): Map<number, RuleHit[]> {
  const table = findRuleHits(text, tokens, tx);
  const out = new Map<number, RuleHit[]>();
  for (let i = 0; i < table.ruleCount; i++) {
    const rule = table.rules[i] as number;
    out.set(rule, table.hitsOf(rule));
  }
  return out;
}

/**
 * Every rule hit of a narrative, in a table shared by every call: valid until the next call (matching is
 * synchronous and never re-entered; the classifier consumes it before returning).
 */
export function findRuleHits(text: string, tokens: Tokens, tx: CompiledTaxonomy): RuleHitTable {
  const ph = findPatternHits(tokens, tx.trie);
  const scopes = computeScopes(tokens, ph, tx, scopesFor(tokens.count), text);
  const { start, end, sentence } = tokens;
  const { rules } = tx;
  const out = sharedTable;
  out.reset(rules.length);

  const scopeOf = (rule: number, fromTok: number): ScopeKind => {
    const s = scopes[fromTok] as ScopeKind;
    return cancels((rules[rule] as CompiledRule).negatable, s) ? s : ScopeKind.None;
  };
  // Exclusions are few per narrative: a flag per rule, then a scan of the (rule, sentence) pairs.
  const exclusions = exclusionPool;
  exclusions.n = 0;
  if (excludedRule.length < rules.length) excludedRule = new Uint8Array(rules.length);
  const isExcluded = (rule: number, tok: number): boolean => {
    if (excludedRule[rule] !== 1) return false;
    const s = sentence[tok] as number;
    for (let q = 0; q < exclusions.n; q += 2) if (exclusions.data[q] === rule && exclusions.data[q + 1] === s) return true;
    return false;
  };

  // Pass 1: exclusions are collected, phrase-rule hits noted as (hit, rule) pairs (they need every exclusion
  // first), and each proximity part's hits go straight to its list, with a bit per part seen: only the rules
  // that saw every part are combined.
  const { listenerStart, listenerCodes } = tx;
  const seenParts = partBits(rules.length);
  const touched = touchedPool;
  const phraseRefs = phraseRefPool;
  touched.n = 0;
  phraseRefs.n = 0;
  ensurePartLists(rules.length);
  for (let i = 0; i < ph.count; i++) {
    const p = ph.pattern[i] as number;
    const stop = listenerStart[p + 1] as number;
    for (let k = listenerStart[p] as number; k < stop; k++) {
      const code = listenerCodes[k] as number;
      const rule = listenerRule(code);
      const part = listenerPart(code);
      if (part >= 0) {
        const bits = seenParts[rule] as number;
        if (bits === 0) touched.push(rule);
        seenParts[rule] = bits | (1 << part);
        const slot = rule * MAX_PARTS + part;
        const n = partCounts[slot] as number;
        if (n < MAX_PART_HITS) {
          partHits[slot * MAX_PART_HITS + n] = i;
          partCounts[slot] = n + 1;
        }
      } else if (part === -1) {
        phraseRefs.push(i);
        phraseRefs.push(rule);
      } else {
        excludedRule[rule] = 1;
        exclusions.push(rule);
        exclusions.push(sentence[ph.from[i] as number] as number);
      }
    }
  }

  for (let q = 0; q < phraseRefs.n; q += 2) {
    const i = phraseRefs.data[q] as number;
    const rule = phraseRefs.data[q + 1] as number;
    const from = ph.from[i] as number;
    if (isExcluded(rule, from)) continue;
    out.add(rule, start[from] as number, end[(ph.to[i] as number) - 1] as number, scopeOf(rule, from));
  }

  // Pass 2: combine the proximity rules that saw every part; every touched rule's lists and bits go back clean.
  const { rulePartCount } = tx;
  for (let q = 0; q < touched.n; q++) {
    const rule = touched.data[q] as number;
    const partCount = rulePartCount[rule] as number;
    const complete = seenParts[rule] === (1 << partCount) - 1;
    seenParts[rule] = 0;
    const found = complete && combineNear(ph, sentence, rule, rules[rule] as CompiledRule, scopes);
    for (let k = 0; k < partCount; k++) partCounts[rule * MAX_PARTS + k] = 0;
    if (!found) continue;
    const best = nearResults;
    for (let a = 0; a < best.n; a += 3) {
      const lo = best.data[a] as number;
      const hi = best.data[a + 1] as number;
      const anchorScope = best.data[a + 2] as number;
      if (isExcluded(rule, lo)) continue;
      let scope = ScopeKind.None;
      // The scope of the last chosen part that has one (parts were recorded in part order).
      for (let m = anchorScope; m < anchorScope + partCount; m++) {
        const s = scopeOf(rule, chosenFrom[m] as number);
        if (s !== ScopeKind.None) scope = s;
      }
      out.add(rule, start[lo] as number, end[hi - 1] as number, scope);
    }
  }

  if (tokens.count > 0) {
    for (const rule of tx.regexRules) {
      const re = rules[rule]?.regex;
      if (!re) continue;
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(text)) !== null) {
        if (m[0].length === 0) {
          re.lastIndex++;
          continue;
        }
        const tok = tokenAt(tokens, m.index);
        if (isExcluded(rule, tok)) continue;
        out.add(rule, m.index, m.index + m[0].length, scopeOf(rule, tok));
      }
    }
  }
  for (let q = 0; q < exclusions.n; q += 2) excludedRule[exclusions.data[q] as number] = 0;
  return out;
}

// Scratch of combineNear: the parts being tried (hit indices), and the `from` token of every part of every
// anchor's best combination (partCount entries per anchor, read back by matchRules for the scope).
const chosen = new Int32Array(MAX_PARTS);
let chosenFrom = new Int32Array(64);

interface NearSearch {
  n: number;
  base: number;
  within: number;
  ordered: boolean;
  sameSentence: boolean;
  reach: number;
  longest: number;
  from: Int32Array;
  to: Int32Array;
  sentence: Int32Array;
  aFrom: number;
  aTo: number;
  slot: number;
  /** Token scopes and the rule's negatable mode: a combination whose parts are all asserted beats a tighter one with
   *  a denied part ("the voices had been generated; no real executive was on the call" still names the CFO). */
  scopes: Uint8Array;
  negatable: CompiledRule['negatable'];
  bestSpan: number;
  bestLo: number;
  bestHi: number;
  found: boolean;
}

/** State of one combineNear search, module-level so the recursion allocates nothing. */
const near: NearSearch = {
  n: 0,
  base: 0,
  within: 0,
  ordered: false,
  sameSentence: false,
  reach: 0,
  longest: 0,
  from: new Int32Array(0),
  to: new Int32Array(0),
  sentence: new Int32Array(0),
  aFrom: 0,
  aTo: 0,
  slot: 0,
  scopes: new Uint8Array(0),
  negatable: true,
  bestSpan: 0,
  bestLo: 0,
  bestHi: 0,
  found: false,
};

/**
 * For each anchor (a hit of part 0, in token order), the tightest combination of one hit per part whose words,
 * apart from the parts' own, span at most `within` tokens (ordered and same-sentence when the rule says so;
 * parts may not overlap). Leaves triples (first token, end token, offset of its parts in `chosenFrom`) in
 * `nearResults`; false when no anchor has one.
 */
function combineNear(ph: PatternHits, sentence: Int32Array, rule: number, r: CompiledRule, scopes: Uint8Array): boolean {
  const n = r.partCount;
  const base = rule * MAX_PARTS;
  const { from, to } = ph;
  let longest = 0;
  for (let k = 0; k < n; k++) {
    const first = (base + k) * MAX_PART_HITS;
    const stop = first + (partCounts[base + k] as number);
    for (let q = first; q < stop; q++) {
      const h = partHits[q] as number;
      longest = Math.max(longest, (to[h] as number) - (from[h] as number));
    }
  }
  near.n = n;
  near.base = base;
  near.within = r.within;
  near.ordered = r.ordered;
  near.sameSentence = r.sameSentence;
  near.reach = r.within + (n - 1) * longest;
  near.longest = longest;
  near.from = from;
  near.to = to;
  near.sentence = sentence;
  near.scopes = scopes;
  near.negatable = r.negatable;
  const anchorsEnd = base * MAX_PART_HITS + (partCounts[base] as number);
  const results = nearResults;
  results.n = 0;
  for (let q = base * MAX_PART_HITS; q < anchorsEnd; q++) {
    const a = partHits[q] as number;
    near.aFrom = from[a] as number;
    near.aTo = to[a] as number;
    near.bestSpan = Infinity;
    near.found = false;
    near.slot = (results.n / 3) * n;
    chosen[0] = a;
    searchPart(1);
    if (near.found) {
      results.push(near.bestLo);
      results.push(near.bestHi);
      results.push(near.slot);
    }
  }
  return results.n > 0;
}

/** Larger than any span in tokens: ranks a combination with a denied part after every asserted one. */
const DENIED_RANK = 1 << 30;

/** Depth-first over parts k..n-1 (n ≤ 4): fills chosen[k] with each fitting hit of part k. */
function searchPart(k: number): void {
  const { n, from, to } = near;
  if (k === n) {
    let lo = Infinity;
    let hi = -Infinity;
    let covered = 0;
    for (let m = 0; m < n; m++) {
      const c = chosen[m] as number;
      lo = Math.min(lo, from[c] as number);
      hi = Math.max(hi, to[c] as number);
      covered += (to[c] as number) - (from[c] as number);
    }
    if (hi - lo - covered > near.within) return;
    // An asserted best no wider than this one cannot be beaten: skip the scope check (the common case).
    if (near.bestSpan < DENIED_RANK && hi - lo >= near.bestSpan) return;
    // Rank: asserted combinations first (by span), then the others (by span), so the keys never collide.
    let denied = 0;
    for (let m = 0; m < n && denied === 0; m++) if (cancels(near.negatable, near.scopes[from[chosen[m] as number] as number] as ScopeKind)) denied = 1;
    const key = denied * DENIED_RANK + (hi - lo);
    if (key < near.bestSpan) {
      near.bestSpan = key;
      near.bestLo = lo;
      near.bestHi = hi;
      near.found = true;
      const slot = near.slot;
      if (chosenFrom.length < slot + n) {
        const grown = new Int32Array(2 * (slot + n));
        grown.set(chosenFrom);
        chosenFrom = grown;
      }
      for (let m = 0; m < n; m++) chosenFrom[slot + m] = from[chosen[m] as number] as number;
    }
    return;
  }
  const first = (near.base + k) * MAX_PART_HITS;
  const count = partCounts[near.base + k] as number;
  const { aFrom, aTo, reach } = near;
  // Hits are in token order (by `from`) and none is longer than `longest`: skip, by binary search, those that end
  // before the window (plus room for the parts' own length), and stop at the first that starts after it.
  const minFrom = aFrom - reach - near.longest;
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((from[partHits[first + mid] as number] as number) < minFrom) lo = mid + 1;
    else hi = mid;
  }
  const prevTo = to[chosen[k - 1] as number] as number;
  for (let i = lo; i < count; i++) {
    const h = partHits[first + i] as number;
    const hFrom = from[h] as number;
    const hTo = to[h] as number;
    if (hTo < aFrom - reach) continue;
    if (hFrom > aTo + reach) break;
    if (near.sameSentence && near.sentence[hFrom] !== near.sentence[aFrom]) continue;
    if (near.ordered && hFrom < prevTo) continue;
    let overlaps = false; // parts may not overlap
    for (let m = 0; m < k && !overlaps; m++) {
      const c = chosen[m] as number;
      overlaps = hFrom < (to[c] as number) && (from[c] as number) < hTo;
    }
    if (overlaps) continue;
    chosen[k] = h;
    searchPart(k + 1);
  }
}
