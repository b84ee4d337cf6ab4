/**
 * Compiles a validated taxonomy once into flat, frozen tables and ONE token trie over every phrase of every
 * rule, exclusion and negation cue, so matching costs grow with the narrative's length, not the rule count.
 */
import { AMOUNT_STEM, AMOUNT_STEM_ID, createStemmer, type Stemmer } from '../classify/stem.js';
import { parsePhrase, TokenKind, type PatternToken } from './phrase.js';
import { flattenTrie, type FlatTrie, type TrieNode } from './flat-trie.js';
import { regexFlags } from './regex-flags.js';
import type { CautionDef, Taxonomy } from './load.js';
import type { Counter, Element, Rule, StatuteCode } from './schema.js';

export const enum RuleType {
  Phrases = 0,
  Near = 1,
  Regex = 2,
}

export interface CompiledRule {
  /** Stable, fully qualified id: `<group>.<element>.<rule>`, e.g. `1030.unauthorized-access.credential-theft`. */
  qid: string;
  element: number;
  isCounter: boolean;
  /** Weight for indicators, penalty for counters. */
  weight: number;
  caution: string | undefined;
  negatable: boolean | 'never' | 'conditional';
  type: RuleType;
  partCount: number;
  within: number;
  ordered: boolean;
  sameSentence: boolean;
  regex: RegExp | undefined;
  hasExclude: boolean;
  /** Global indices of indicator rules that defeat this counter. */
  unless: number[];
  source: string;
}

export interface CompiledElement {
  id: string;
  label: string;
  group: number;
  minScore: number;
  rules: number[];
  counters: number[];
}

export interface CompiledTarget {
  /** Subsection code, AI kind id or exfiltration pattern id. */
  id: string;
  title: string;
  group: number;
  requires: number[][];
  optional: number[];
  /** Required then optional elements, in checklist order (`[...requires.flat(), ...optional]`, built once). */
  elementIds: number[];
  requiresStatute: StatuteCode[] | undefined;
  /** Exfiltration pattern ids, one of which must be flagged. */
  requiresExfiltration: string[] | undefined;
  caution: string | undefined;
  atlas: string[];
  owasp: string[];
  source: string;
}

export type GroupKind = 'statute' | 'ai' | 'exfil';

export interface CompiledGroup {
  kind: GroupKind;
  /** `1028`, `1030`, `1343`, `ai` or `xf`: the first part of rule ids. */
  key: string;
  statute: StatuteCode | undefined;
  citation: string;
  title: string;
  elements: number[];
  targets: number[];
}

export const enum NegClass {
  Pre = 1,
  Post = 2,
  Pseudo = 4,
  Hypothetical = 8,
  Terminator = 16,
  Clause = 32,
}

/** A listener: which rule (and which part of it) a pattern feeds. part >= 0: near part; -1: phrase rule; -2: exclusion. */
export interface Listener {
  rule: number;
  part: number;
}

/** A listener as one integer: the rule in the high bits, `part + 2` (0–5: parts are at most four) in the low three. */
function encodeListener(l: Listener): number {
  return (l.rule << 3) | (l.part + 2);
}

export function listenerRule(code: number): number {
  return code >> 3;
}

export function listenerPart(code: number): number {
  return (code & 7) - 2;
}

export interface CompiledTaxonomy {
  version: string;
  /** One trie over every phrase of every rule, exclusion and negation cue (see flat-trie.ts). */
  trie: FlatTrie;
  patternCount: number;
  /**
   * Which rules (and parts) each pattern feeds, flattened for the matcher: pattern p's are `listenerCodes[listenerStart[p] .. listenerStart[p + 1])`,
   * each `(rule << 3) | (part + 2)` (see `listenerRule`, `listenerPart`). Contiguous integers instead of objects keep the hot loop in cache.
   */
  listenerStart: Int32Array;
  listenerCodes: Int32Array;
  negClass: Uint8Array;
  forwardWindow: number;
  backwardWindow: number;
  rules: CompiledRule[];
  /** `rules[i].partCount`, packed: the matcher reads it for every proximity rule a narrative touches. */
  rulePartCount: Uint8Array;
  regexRules: number[];
  elements: CompiledElement[];
  targets: CompiledTarget[];
  groups: CompiledGroup[];
  cautions: Map<string, CautionDef>;
  impliesAiKind: string;
  stemmer: Stemmer;
  /** The validated source data, for the taxonomy endpoint and docs. */
  source: Taxonomy;
}

/**
 * The first two UTF-16 units of a word packed into a small integer (a V8 Smi: no allocation, cheap Map hashing);
 * -1 for words shorter than three. Units above 0x7fff share buckets, which is harmless: bucket entries are then
 * checked with startsWith.
 */
export function prefixKey(word: string): number {
  return word.length < 3 ? -1 : ((word.charCodeAt(0) & 0x7fff) << 15) | (word.charCodeAt(1) & 0x7fff);
}

function newNode(): TrieNode {
  return { next: new Map(), exact: undefined, prefixes: undefined, any: undefined, out: [] };
}

export function compileTaxonomy(t: Taxonomy): CompiledTaxonomy {
  // Phrases are stemmed with a stemmer of their own; narratives get one built on the finished stem-id table, so
  // every cached word carries the right id (a word stemmed before its stem had an id would keep the wrong one).
  const phraseStemmer = createStemmer(undefined, t.stems);
  const stemIds = new Map<string, number>([[AMOUNT_STEM, AMOUNT_STEM_ID]]);
  const stemIdOf = (stem: string): number => {
    let id = stemIds.get(stem);
    if (id === undefined) stemIds.set(stem, (id = stemIds.size));
    return id;
  };
  const root = newNode();
  const patternIds = new Map<string, number>();
  const listeners: Listener[][] = [];
  const negClassList: number[] = [];

  const expand = (phrases: readonly string[], seen = new Set<string>()): PatternToken[][] => {
    const out: PatternToken[][] = [];
    for (const p of phrases) {
      const parsed = parsePhrase(p);
      if (!parsed.ok) throw new Error(`unvalidated phrase reached the compiler: ${p}`);
      if (parsed.concept !== undefined) {
        if (seen.has(parsed.concept)) continue;
        const next = new Set(seen).add(parsed.concept);
        out.push(...expand(t.concepts[parsed.concept]?.phrases ?? [], next));
      } else {
        out.push(parsed.tokens);
      }
    }
    return out;
  };

  // Class tokens such as `#amount` are matched as they are, never stemmed.
  const stemOf = (word: string): string => (word.startsWith('#') ? word : phraseStemmer.stem(word));

  const insert = (tokens: PatternToken[]): number => {
    const key = tokens
      .map((tk) => (tk.kind === TokenKind.Stem ? stemOf(tk.value) : tk.kind === TokenKind.Prefix ? `${tk.value}*` : tk.kind === TokenKind.Exact ? `=${tk.value}` : '_'))
      .join(' ');
    const existing = patternIds.get(key);
    if (existing !== undefined) return existing;
    let node = root;
    for (const tk of tokens) {
      if (tk.kind === TokenKind.Any) {
        node.any ??= newNode();
        node = node.any;
      } else if (tk.kind === TokenKind.Exact) {
        node.exact ??= new Map();
        let nx = node.exact.get(tk.value);
        if (!nx) node.exact.set(tk.value, (nx = newNode()));
        node = nx;
      } else if (tk.kind === TokenKind.Prefix) {
        node.prefixes ??= new Map();
        const bucketKey = prefixKey(tk.value);
        let bucket = node.prefixes.get(bucketKey);
        if (!bucket) node.prefixes.set(bucketKey, (bucket = []));
        let edge = bucket.find(([p]) => p === tk.value);
        if (!edge) bucket.push((edge = [tk.value, newNode()]));
        node = edge[1];
      } else {
        const s = stemIdOf(stemOf(tk.value));
        let nx = node.next.get(s);
        if (!nx) node.next.set(s, (nx = newNode()));
        node = nx;
      }
    }
    const id = listeners.length;
    patternIds.set(key, id);
    listeners.push([]);
    negClassList.push(0);
    node.out.push(id);
    return id;
  };

  const listen = (phrases: readonly string[], l: Listener): void => {
    for (const tokens of expand(phrases)) {
      const id = insert(tokens);
      const ls = listeners[id];
      if (ls && !ls.some((x) => x.rule === l.rule && x.part === l.part)) ls.push(l);
    }
  };

  const rules: CompiledRule[] = [];
  const regexRules: number[] = [];
  const elements: CompiledElement[] = [];
  const targets: CompiledTarget[] = [];
  const groups: CompiledGroup[] = [];

  const addRule = (key: string, el: Element, elIndex: number, r: Rule | Counter, isCounter: boolean): number => {
    const idx = rules.length;
    const parts = r.near ? r.near.all.map((p) => (typeof p === 'string' ? [p] : p)) : [];
    rules.push({
      qid: `${key}.${el.id}.${r.id}`,
      element: elIndex,
      isCounter,
      weight: 'penalty' in r ? r.penalty : r.weight,
      caution: r.caution,
      negatable: r.negatable,
      type: r.phrases ? RuleType.Phrases : r.near ? RuleType.Near : RuleType.Regex,
      partCount: parts.length,
      within: r.near?.within ?? 0,
      ordered: r.near?.ordered ?? false,
      sameSentence: r.near?.sameSentence ?? true,
      regex: r.regex !== undefined ? new RegExp(r.regex, regexFlags(r.regex)) : undefined,
      hasExclude: r.exclude.length > 0,
      unless: [],
      source: r.source,
    });
    if (r.phrases) listen(r.phrases, { rule: idx, part: -1 });
    parts.forEach((p, i) => listen(p, { rule: idx, part: i }));
    if (r.exclude.length > 0) listen(r.exclude, { rule: idx, part: -2 });
    if (r.regex !== undefined) regexRules.push(idx);
    return idx;
  };

  const addElements = (key: string, groupIndex: number, els: Element[]): Map<string, number> => {
    const byId = new Map<string, number>();
    for (const el of els) {
      const elIndex = elements.length;
      const ruleIdx = new Map<string, number>();
      const compiled: CompiledElement = { id: el.id, label: el.label, group: groupIndex, minScore: el.minScore, rules: [], counters: [] };
      elements.push(compiled);
      for (const r of el.rules) {
        const i = addRule(key, el, elIndex, r, false);
        ruleIdx.set(r.id, i);
        compiled.rules.push(i);
      }
      for (const c of el.counters) {
        const i = addRule(key, el, elIndex, c, true);
        const rule = rules[i];
        if (rule) {
          const listed = c.unless.map((u) => ruleIdx.get(u) ?? -1).filter((x) => x >= 0);
          const floor = c.unlessWeightAtLeast;
          const strong = floor === undefined ? [] : compiled.rules.filter((r) => (rules[r]?.weight ?? 0) >= floor);
          rule.unless = [...new Set([...listed, ...strong])].sort((a, b) => a - b);
        }
        compiled.counters.push(i);
      }
      byId.set(el.id, elIndex);
    }
    return byId;
  };

  const resolve = (byId: Map<string, number>, id: string): number => {
    const i = byId.get(id);
    if (i === undefined) throw new Error(`unvalidated element reference reached the compiler: ${id}`);
    return i;
  };

  for (const s of t.statutes) {
    const gi = groups.length;
    const group: CompiledGroup = { kind: 'statute', key: s.statute, statute: s.statute, citation: s.citation, title: s.title, elements: [], targets: [] };
    groups.push(group);
    const byId = addElements(s.statute, gi, s.elements);
    group.elements = [...byId.values()];
    for (const sub of s.subsections) {
      group.targets.push(targets.length);
      targets.push({
        id: sub.code,
        title: sub.title,
        group: gi,
        requires: sub.requires.map((r) => (typeof r === 'string' ? [resolve(byId, r)] : r.map((x) => resolve(byId, x)))),
        optional: sub.optional.map((x) => resolve(byId, x)),
        elementIds: [],
        requiresStatute: sub.requiresStatute,
        requiresExfiltration: sub.requiresExfiltration,
        caution: sub.caution,
        atlas: [],
        owasp: [],
        source: sub.source,
      });
    }
  }

  const addFindingGroup = (
    kind: 'ai' | 'exfil',
    key: string,
    title: string,
    els: Element[],
    tgs: { id: string; title: string; requires: (string | string[])[]; optional: string[]; atlas: string[]; owasp?: string[]; source: string }[],
  ): void => {
    const gi = groups.length;
    const group: CompiledGroup = { kind, key, statute: undefined, citation: '', title, elements: [], targets: [] };
    groups.push(group);
    const byId = addElements(key, gi, els);
    group.elements = [...byId.values()];
    for (const tg of tgs) {
      group.targets.push(targets.length);
      targets.push({
        id: tg.id,
        title: tg.title,
        group: gi,
        requires: tg.requires.map((r) => (typeof r === 'string' ? [resolve(byId, r)] : r.map((x) => resolve(byId, x)))),
        optional: tg.optional.map((x) => resolve(byId, x)),
        elementIds: [],
        requiresStatute: undefined,
        requiresExfiltration: undefined,
        caution: undefined,
        atlas: tg.atlas,
        owasp: tg.owasp ?? [],
        source: tg.source,
      });
    }
  };
  addFindingGroup('ai', 'ai', t.ai.title, t.ai.elements, t.ai.kinds);
  addFindingGroup('exfil', 'xf', t.exfil.title, t.exfil.elements, t.exfil.patterns);
  for (const tg of targets) tg.elementIds = [...tg.requires.flat(), ...tg.optional];

  // Negation cues share the trie; a pattern may be both a rule phrase and a cue.
  const markNeg = (phrases: readonly string[], cls: NegClass): void => {
    for (const tokens of expand(phrases)) {
      const id = insert(tokens);
      negClassList[id] = (negClassList[id] ?? 0) | cls;
    }
  };
  const n = t.negation;
  markNeg(n.preNegation, NegClass.Pre);
  markNeg(n.postNegation, NegClass.Post);
  markNeg(n.pseudoNegation, NegClass.Pseudo);
  markNeg(n.hypothetical, NegClass.Hypothetical);
  markNeg(n.terminators, NegClass.Terminator);
  markNeg(n.clauseNegation, NegClass.Clause);

  const listenerStart = new Int32Array(listeners.length + 1);
  const codes: number[] = [];
  listeners.forEach((ls, p) => {
    listenerStart[p] = codes.length;
    for (const l of ls) codes.push(encodeListener(l));
  });
  listenerStart[listeners.length] = codes.length;

  return Object.freeze({
    version: t.version,
    trie: flattenTrie(root, stemIds.size),
    patternCount: listeners.length,
    listenerStart,
    listenerCodes: Int32Array.from(codes),
    negClass: Uint8Array.from(negClassList),
    forwardWindow: n.forwardWindow,
    backwardWindow: n.backwardWindow,
    rules,
    rulePartCount: Uint8Array.from(rules, (r) => r.partCount),
    regexRules,
    elements,
    targets,
    groups,
    cautions: new Map(t.cautions.map((c) => [c.id, c])),
    impliesAiKind: t.exfil.impliesAiKind,
    stemmer: createStemmer(stemIds, t.stems),
    source: t,
  });
}
