/**
 * Runs the compiled trie over a tokenized narrative and turns pattern hits into rule hits: phrase rules
 * directly, proximity rules by combining their parts, regex rules by one scan each. Negation and hypothetical
 * scopes (negation.ts) and same-sentence exclusions are applied here, so scoring only sees final hits.
 */
import { listenerPart, listenerRule, prefixKey, type CompiledRule, type CompiledTaxonomy, type TrieNode } from '../taxonomy/compile.js';
import { computeScopes, ScopeKind } from './negation.js';
import { AMOUNT_STEM_ID, NO_STEM_ID, type Word } from './stem.js';
import type { Tokens } from './tokenize.js';

export interface RuleHit {
  start: number;
  end: number;
  /** 0 = asserted; otherwise the scope that cancels it (negated, hypothetical, or a failed outcome). */
  scope: ScopeKind;
}

interface PatternHit {
  pattern: number;
  from: number;
  /** Exclusive token index. */
  to: number;
}

// Bounds how many combinations a proximity rule may try, so hostile input cannot blow up matching.
const MAX_PART_HITS = 64;

// Per-call scratch arrays, reused: typed-array allocation costs more than the loops that use them, and matching
// is synchronous and never re-entered. Each is handed out clean (or fully overwritten by its user).
const COMPLETE = 0x80; // part bits use the low four; this marks "every part seen"
let partBitsPool = new Uint8Array(256);
let keysPool = new Int32Array(1024);
let scopesPool = new Uint8Array(1024);

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

/**
 * Every pattern occurrence, by trie walk from each token. The root edges a word opens are memoised on the
 * stemmer's entry for that word (tokens.word), so a token costs one lookup there instead of three.
 */
export function findPatternHits(tokens: Tokens, root: TrieNode): PatternHit[] {
  const hits: PatternHit[] = [];
  const { count, norm, sentence, word, stemId } = tokens;
  // Prefix keys are computed once per token, not once per trie node visited.
  const keys = keysFor(count);
  for (let t = 0; t < count; t++) keys[t] = prefixKey(norm[t] as string);

  // Follows every edge that token j opens from `node`; `from` is where the match started.
  const step = (node: TrieNode, from: number, j: number): void => {
    const sid = stemId[j] as number;
    if (sid !== NO_STEM_ID) {
      const nx = node.next.get(sid);
      if (nx) walk(nx, from, j + 1);
    }
    if (node.exact) {
      const ex = node.exact.get(norm[j] as string);
      if (ex) walk(ex, from, j + 1);
    }
    if (node.prefixes) {
      const bucket = node.prefixes.get(keys[j] as number);
      if (bucket) {
        const w = norm[j] as string;
        for (const [p, n] of bucket) if (w.startsWith(p)) walk(n, from, j + 1);
      }
    }
  };
  const walk = (node: TrieNode, from: number, j: number): void => {
    if (node.out.length > 0) for (const p of node.out) hits.push({ pattern: p, from, to: j });
    if (j >= count || sentence[j] !== sentence[from]) return;
    step(node, from, j);
    if (node.any) walk(node.any, from, j + 1);
  };
  // The root never ends a pattern and has no `_` edge (a phrase cannot start with `_`), so start at its edges.
  for (let i = 0; i < count; i++) {
    const wd = word[i] as Word;
    if (wd.stemId === AMOUNT_STEM_ID) {
      step(root, i, i); // class tokens (#amount) have a stem that is not a function of the word
      continue;
    }
    let edges = wd.memoEdges as readonly TrieNode[] | undefined;
    if (edges === undefined || wd.memoRoot !== root) {
      edges = rootEdges(root, norm[i] as string, wd.stemId);
      wd.memoRoot = root;
      wd.memoEdges = edges;
    }
    for (const n of edges) walk(n, i, i + 1);
  }
  return hits;
}

const EMPTY: readonly TrieNode[] = Object.freeze([]);

function rootEdges(root: TrieNode, word: string, stemId: number): readonly TrieNode[] {
  const out: TrieNode[] = [];
  const nx = stemId === NO_STEM_ID ? undefined : root.next.get(stemId);
  if (nx) out.push(nx);
  const ex = root.exact?.get(word);
  if (ex) out.push(ex);
  const bucket = root.prefixes?.get(prefixKey(word));
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

/** Rule hits keyed by global rule index. */
export function matchRules(text: string, tokens: Tokens, tx: CompiledTaxonomy): Map<number, RuleHit[]> {
  const patternHits = findPatternHits(tokens, tx.root);
  const scopes = computeScopes(tokens, patternHits, tx, scopesFor(tokens.count));
  const out = new Map<number, RuleHit[]>();
  const parts = new Map<number, PatternHit[][]>();
  const excluded = new Map<number, Set<number>>();
  const { start, end, sentence } = tokens;

  const push = (rule: number, hit: RuleHit): void => {
    const list = out.get(rule);
    if (list) list.push(hit);
    else out.set(rule, [hit]);
  };
  // Attempt rules (negatable: false) still count when the outcome failed ("tried to log in but was blocked"),
  // but not when the attempt itself is denied ("did not try to log in").
  const scopeOf = (rule: number, fromTok: number): ScopeKind => {
    const s = scopes[fromTok] as ScopeKind;
    const negatable = tx.rules[rule]?.negatable;
    if (negatable === 'never') return ScopeKind.None;
    return negatable === false && s === ScopeKind.Outcome ? ScopeKind.None : s;
  };

  // Pass 1: phrase rules and exclusions take their hits; proximity rules only note which parts were seen (a bit
  // per part), since most never see all their parts and need no hit lists at all.
  const { listenerStart, listenerCodes } = tx;
  const phraseHits: PatternHit[][] = [];
  const seenParts = partBits(tx.rules.length);
  const touched: number[] = [];
  // (pattern-hit index, listener code) pairs of proximity parts, so pass 2 revisits only those.
  const partRefs: number[] = [];
  for (let i = 0; i < patternHits.length; i++) {
    const h = patternHits[i] as PatternHit;
    const stop = listenerStart[h.pattern + 1] as number;
    for (let k = listenerStart[h.pattern] as number; k < stop; k++) {
      const code = listenerCodes[k] as number;
      const rule = listenerRule(code);
      const part = listenerPart(code);
      if (part >= 0) {
        const bits = seenParts[rule] as number;
        if (bits === 0) touched.push(rule);
        seenParts[rule] = bits | (1 << part);
        partRefs.push(i, code);
      } else if (part === -1) (phraseHits[rule] ??= []).push(h);
      else {
        let s = excluded.get(rule);
        if (!s) excluded.set(rule, (s = new Set()));
        s.add(sentence[h.from] as number);
      }
    }
  }
  // Pass 2: hit lists for the proximity rules that saw every part (marked with the COMPLETE bit).
  let anyComplete = false;
  for (const rule of touched) {
    if (seenParts[rule] === (1 << (tx.rules[rule] as CompiledRule).partCount) - 1) {
      seenParts[rule] = COMPLETE;
      anyComplete = true;
    }
  }
  if (anyComplete) {
    for (let q = 0; q < partRefs.length; q += 2) {
      const code = partRefs[q + 1] as number;
      const rule = listenerRule(code);
      if (seenParts[rule] !== COMPLETE) continue;
      let ps = parts.get(rule);
      if (!ps) parts.set(rule, (ps = []));
      const list = (ps[listenerPart(code)] ??= []);
      if (list.length < MAX_PART_HITS) list.push(patternHits[partRefs[q] as number] as PatternHit);
    }
  }
  for (const rule of touched) seenParts[rule] = 0; // the pooled bytes go back clean
  const isExcluded = (rule: number, tok: number): boolean => excluded.get(rule)?.has(sentence[tok] as number) ?? false;

  phraseHits.forEach((hs, rule) => {
    for (const h of hs) {
      if (isExcluded(rule, h.from)) continue;
      push(rule, { start: start[h.from] as number, end: end[h.to - 1] as number, scope: scopeOf(rule, h.from) });
    }
  });

  for (const [rule, ps] of parts) {
    const r = tx.rules[rule] as CompiledRule;
    combineNear(rule, ps, r.partCount, r.within, r.ordered, r.sameSentence);
  }

  function combineNear(rule: number, ps: PatternHit[][], n: number, within: number, ordered: boolean, sameSentence: boolean): void {
    const anchors = ps[0] ?? [];
    let longest = 0;
    for (let k = 0; k < n; k++) for (const h of ps[k] ?? []) longest = Math.max(longest, h.to - h.from);
    const reach = within + (n - 1) * longest;
    const chosen: PatternHit[] = [];
    for (const a of anchors) {
      let best: PatternHit[] | undefined;
      let bestSpan = Infinity;
      chosen.length = 0;
      chosen.push(a);
      const search = (k: number): void => {
        if (k === n) {
          let lo = Infinity;
          let hi = -Infinity;
          let covered = 0;
          for (const c of chosen) {
            lo = Math.min(lo, c.from);
            hi = Math.max(hi, c.to);
            covered += c.to - c.from;
          }
          const gap = hi - lo - covered;
          if (gap <= within && hi - lo < bestSpan) {
            bestSpan = hi - lo;
            best = [...chosen];
          }
          return;
        }
        for (const h of ps[k] ?? []) {
          // Hits are in token order: parts further than the window (plus room for the parts' own length) cannot fit.
          if (h.to < a.from - reach) continue;
          if (h.from > a.to + reach) break;
          if (sameSentence && sentence[h.from] !== sentence[a.from]) continue;
          const prev = chosen[k - 1] as PatternHit;
          if (ordered && h.from < prev.to) continue;
          if (chosen.some((c) => h.from < c.to && c.from < h.to)) continue; // parts may not overlap
          chosen.push(h);
          search(k + 1);
          chosen.pop();
        }
      };
      search(1);
      if (!best) continue;
      const lo = Math.min(...best.map((b) => b.from));
      const hi = Math.max(...best.map((b) => b.to));
      if (isExcluded(rule, lo)) continue;
      let scope = ScopeKind.None;
      for (const b of best) {
        const s = scopeOf(rule, b.from);
        if (s !== ScopeKind.None) scope = s;
      }
      push(rule, { start: start[lo] as number, end: end[hi - 1] as number, scope });
    }
  }

  if (tokens.count > 0) {
    for (const rule of tx.regexRules) {
      const re = tx.rules[rule]?.regex;
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
        push(rule, { start: m.index, end: m.index + m[0].length, scope: scopeOf(rule, tok) });
      }
    }
  }
  return out;
}

export type { PatternHit };
