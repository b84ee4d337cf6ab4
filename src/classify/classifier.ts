/**
 * The classifier: pure, synchronous and deterministic. text → tokens → rule hits → element scores →
 * targets → the output contract (result-schema.ts), with the explanation built on the same path.
 */
import { hash } from 'node:crypto';
import type { CompiledTaxonomy } from '../taxonomy/compile.js';
import type { StatuteCode } from '../taxonomy/schema.js';
import { collectEvidence, elementEvidence } from './explain.js';
import { findRuleHits } from './match.js';
import type { Candidate, Classification, ElementResult, Evidence, Priority, Suggestion } from './result-schema.js';
import type { RuleHitTable } from './rule-hits.js';
import { elementDetail, missingOf, round3, scoreElementTable, scoreTarget, type ElementScore, type ElementTable, type TargetScore } from './score.js';
import type { ClassificationSummary } from './summary.js';
import { tokenizeShared } from './tokenize.js';

export const DEFAULT_THRESHOLD = 0.5;

export interface ClassifyOptions {
  /** Caller's id; defaults to a hash of the text, so the same narrative always gets the same id. */
  id?: string;
  /** Minimum score for a suggestion or flag, in [0, 1]. */
  threshold?: number;
  /** Include evidence spans (default true). Without them the structure is the same, the arrays empty. */
  explain?: boolean;
}

export interface Classifier {
  readonly taxonomyVersion: string;
  readonly taxonomy: CompiledTaxonomy;
  classify(text: string, options?: ClassifyOptions): Classification;
  /**
   * The decision alone (statutes, subsections, flags, priority), as `summaryOf(classify(text))` would give it,
   * without building element checklists, candidates, evidence or an id: what a CSV row's columns need.
   */
  summarize(text: string, options?: Pick<ClassifyOptions, 'threshold'>): ClassificationSummary;
}

interface Finding {
  passing: TargetScore[];
  score: number;
}

/** One statute's scored formulations, and those that pass (one per subsection code, best first). */
interface StatuteDecision {
  statute: StatuteCode;
  citation: string;
  title: string;
  scored: TargetScore[];
  passingAll: TargetScore[];
  passing: TargetScore[];
  score: number;
}

/** Valid until the next narrative is classified: hits and element scores live in tables shared by every call. */
interface Decision {
  hits: RuleHitTable;
  elements: ElementTable;
  ai: Finding;
  xf: Finding;
  aiKinds: string[];
  aiScore: number;
  /** The AI kind was implied by an exfiltration finding (its evidence then explains the AI finding). */
  aiImplied: boolean;
  statutes: StatuteDecision[];
  priority: Priority;
}

// Statute codes are digit strings of one length: code-unit order is their collation order.
function byScoreThenStatute(a: { score: number; statute: StatuteCode }, b: { score: number; statute: StatuteCode }): number {
  return b.score - a.score || (a.statute < b.statute ? -1 : a.statute > b.statute ? 1 : 0);
}

export interface ClassifierOptions {
  threshold?: number;
}

export function textId(text: string): string {
  // One-shot hash (Node >= 20.12): no Hash object per narrative; same digest as createHash('sha256').
  return hash('sha256', text, 'hex').slice(0, 16);
}

export function createClassifier(tx: CompiledTaxonomy, defaults: ClassifierOptions = {}): Classifier {
  const defaultThreshold = defaults.threshold ?? DEFAULT_THRESHOLD;
  const statuteGroups = tx.groups.filter((g) => g.kind === 'statute');
  const aiGroup = tx.groups.find((g) => g.kind === 'ai');
  const exfilGroup = tx.groups.find((g) => g.kind === 'exfil');
  if (!aiGroup || !exfilGroup) throw new Error('compiled taxonomy lacks the AI or exfiltration group');
  const aiTargets = aiGroup.targets;
  const exfilTargets = exfilGroup.targets;
  // Score ties are broken by target code in localeCompare order, as always; ranking the codes once here saves a
  // collation per comparison (equal codes, alternative formulations of one subsection, share a rank).
  const codeRank = new Int32Array(tx.targets.length);
  const byCode = tx.targets.map((t, i) => ({ id: t.id, i })).sort((a, b) => a.id.localeCompare(b.id));
  byCode.forEach((e, k) => {
    const prev = byCode[k - 1];
    codeRank[e.i] = prev !== undefined && prev.id.localeCompare(e.id) === 0 ? (codeRank[prev.i] as number) : k;
  });
  const byCodeOf = (a: TargetScore, b: TargetScore): number => (codeRank[a.target] as number) - (codeRank[b.target] as number);
  // What a target resting on a predicate statute lacks when none is suggested, written once.
  const predicateLack = tx.targets.map((t) => (t.requiresStatute ? `predicate:${t.requiresStatute.join('|')}` : undefined));
  const exfiltrationLack = tx.targets.map((t) => (t.requiresExfiltration ? `exfiltration:${t.requiresExfiltration.join('|')}` : undefined));

  // Which targets each element belongs to, and the targets that have no required element (never dormant).
  const targetsOfElement: number[][] = tx.elements.map(() => []);
  tx.targets.forEach((t, ti) => {
    for (const e of new Set(t.elementIds)) targetsOfElement[e]?.push(ti);
  });
  const alwaysLive = tx.targets.flatMap((t, ti) => (t.requires.length === 0 ? [ti] : []));
  // Per narrative, reused: live[ti] = 1 when target ti has an element with some evidence; its score once scored.
  const live = new Uint8Array(tx.targets.length);
  const targetScores: (TargetScore | undefined)[] = new Array<TargetScore | undefined>(tx.targets.length).fill(undefined);

  /**
   * Marks the targets worth scoring. A target none of whose elements has any evidence (score 0, unsatisfied) can
   * neither pass nor be a candidate (a candidate needs two satisfied groups or partial evidence): most targets for
   * most narratives, so they are not scored at all.
   */
  function markLive(elements: ElementTable): void {
    live.fill(0);
    targetScores.fill(undefined);
    for (const ti of alwaysLive) live[ti] = 1;
    for (let i = 0; i < elements.touchedCount; i++) {
      const e = elements.touched[i] as number;
      if (elements.score[e] === 0 && elements.satisfied[e] === 0) continue;
      for (const ti of targetsOfElement[e] ?? []) live[ti] = 1;
    }
  }

  /** Scores everything a narrative's result is made of; both the contract and the summary are built from this. */
  function decide(text: string, threshold: number): Decision {
    const tokens = tokenizeShared(text, tx.stemmer);
    const hits = findRuleHits(text, tokens, tx);
    const elements = scoreElementTable(tx, hits);
    markLive(elements);
    const passes = (s: TargetScore): boolean => s.complete && s.score + 1e-9 >= threshold;

    // AI involvement and agent exfiltration: same machinery, targets are kinds / patterns.
    const finding = (targets: number[]): Finding => {
      const passing: TargetScore[] = [];
      for (const ti of targets) {
        const t = tx.targets[ti];
        if (!t || live[ti] === 0) continue;
        const s = scoreTarget(tx, t, ti, elements);
        if (passes(s)) passing.push(s);
      }
      if (passing.length > 1) passing.sort((a, b) => b.score - a.score || byCodeOf(a, b));
      return { passing, score: passing[0]?.score ?? 0 };
    };
    const ai = finding(aiTargets);
    const xf = finding(exfilTargets);

    // Statutes: targets without predicates first, then those that need a predicate statute (§ 1028A).
    const suggested = new Set<StatuteCode>();
    for (const g of statuteGroups) {
      for (const ti of g.targets) {
        const t = tx.targets[ti];
        if (!t || t.requiresStatute || live[ti] === 0) continue;
        const s = scoreTarget(tx, t, ti, elements);
        if (t.requiresExfiltration) withExfiltration(s, t.requiresExfiltration, exfiltrationLack[ti] ?? '', xf.passing);
        targetScores[ti] = s;
        if (passes(s) && g.statute) suggested.add(g.statute);
      }
    }
    for (const g of statuteGroups) {
      for (const ti of g.targets) {
        const t = tx.targets[ti];
        if (!t?.requiresStatute || live[ti] === 0) continue;
        const s = scoreTarget(tx, t, ti, elements);
        if (!t.requiresStatute.some((p) => suggested.has(p))) {
          s.complete = false;
          s.groups += 1;
          s.lacks = predicateLack[ti];
        }
        targetScores[ti] = s;
      }
    }

    const statutes: StatuteDecision[] = [];
    for (const g of statuteGroups) {
      if (!g.statute) continue;
      const scored: TargetScore[] = [];
      const passingAll: TargetScore[] = [];
      let score = 0;
      for (const ti of g.targets) {
        const s = targetScores[ti];
        if (s === undefined) continue;
        scored.push(s);
        if (!passes(s)) continue;
        passingAll.push(s);
        score = Math.max(score, s.score);
      }
      // Alternative formulations of one subsection (same code) report once: the one with its own element checklist
      // first (it explains more), then the best score. Cautions come from every formulation that passes.
      const passing = passingAll.length <= 1 ? passingAll : onePerCode(passingAll);
      statutes.push({ statute: g.statute, citation: g.citation, title: g.title, scored, passingAll, passing, score });
    }

    // The exfiltration flag implies AI involvement (an AI agent is part of the conduct).
    const aiKinds = ai.passing.map(codeOf);
    let aiScore = ai.score;
    const aiImplied = xf.passing.length > 0 && aiKinds.length === 0;
    if (aiImplied) {
      aiKinds.push(tx.impliesAiKind);
      aiScore = xf.score;
    }
    const anySuggested = statutes.some((s) => s.passing.length > 0);
    const priority: Priority = !anySuggested ? 'none' : aiKinds.length > 0 ? 'sec4' : 'statute';
    return { hits, elements, ai, xf, aiKinds, aiScore, aiImplied, statutes, priority };
  }

  function summarize(text: string, options: Pick<ClassifyOptions, 'threshold'> = {}): ClassificationSummary {
    const d = decide(text, options.threshold ?? defaultThreshold);
    const statutes = d.statutes
      .filter((s) => s.passing.length > 0)
      .map((s) => ({ statute: s.statute, score: s.score, subsections: s.passing.map(codeOf) }))
      .sort(byScoreThenStatute);
    return {
      taxonomyVersion: tx.version,
      statutes,
      ai: { involved: d.aiKinds.length > 0, kinds: d.aiKinds },
      exfiltration: { flagged: d.xf.passing.length > 0, patterns: d.xf.passing.map(codeOf) },
      priority: d.priority,
    };
  }

  function classify(text: string, options: ClassifyOptions = {}): Classification {
    const explain = options.explain ?? true;
    const d = decide(text, options.threshold ?? defaultThreshold);
    const { hits, elements, ai, xf } = d;
    // Elements in full (firing rules, counters, cautions) are built only for the elements a result shows.
    const details = new Map<number, ElementScore>();
    const detailOf = (e: number): ElementScore => {
      let s = details.get(e);
      if (s === undefined) details.set(e, (s = elementDetail(tx, hits, e)));
      return s;
    };
    // Satisfied elements of the passing AI kinds, and of the exfiltration patterns when those imply the AI finding.
    const aiUsed = (): number[] => {
      const used = new Set<number>();
      for (const f of d.aiImplied ? [ai, xf] : [ai]) {
        for (const s of f.passing) for (const e of tx.targets[s.target]?.elementIds ?? []) if (elements.satisfied[e] === 1) used.add(e);
      }
      return [...used];
    };

    // An element often appears in several subsections of one statute: build its evidence once per narrative.
    const evidenceCache = new Map<number, { evidence: Evidence[]; against: Evidence[] }>();
    const elementResult = (e: number): ElementResult => {
      const el = tx.elements[e];
      const s = detailOf(e);
      let ev = evidenceCache.get(e);
      if (!ev) {
        ev = explain ? elementEvidence(text, tx, hits, s) : { evidence: [], against: [] };
        evidenceCache.set(e, ev);
      }
      const r: ElementResult = { id: el?.id ?? '', label: el?.label ?? '', satisfied: s.satisfied, score: s.score, evidence: ev.evidence };
      if (ev.against.length > 0) r.against = ev.against;
      return r;
    };

    const suggestions: Suggestion[] = [];
    const candidates: Candidate[] = [];
    for (const { statute, citation, title, scored, passingAll, passing, score } of d.statutes) {
      if (passing.length === 0) {
        // A candidate is one required element away, with some evidence for the rest: what an analyst may add.
        const best = scored
          .filter((s) => !s.complete && s.groups - s.satisfiedGroups === 1 && (s.satisfiedGroups >= 2 || s.missingPartial > 0))
          .sort((a, b) => b.satisfiedGroups - a.satisfiedGroups || b.score - a.score || byCodeOf(a, b))[0];
        if (best) candidates.push({ statute, code: codeOf(best), score: best.score, missing: missingOf(tx, best, elements) });
        continue;
      }
      const used = new Set<number>();
      const cautions = new Set<string>();
      for (const s of passingAll) {
        const c = tx.targets[s.target]?.caution;
        if (c) cautions.add(c);
      }
      const subsections = passing.map((s) => {
        const t = tx.targets[s.target];
        const ids = t?.elementIds ?? [];
        for (const e of ids) {
          if (elements.satisfied[e] === 1) {
            used.add(e);
            detailOf(e).cautions.forEach((c) => cautions.add(c));
          }
        }
        const score = Math.max(...passingAll.filter((p) => codeOf(p) === codeOf(s)).map((p) => p.score));
        return { code: t?.id ?? '', title: t?.title ?? '', score, elements: ids.map(elementResult) };
      });
      suggestions.push({
        statute,
        citation,
        title,
        score,
        subsections,
        evidence: explain ? collectEvidence(text, tx, [...used], detailOf, hits) : [],
        cautions: [...cautions].sort(),
      });
    }
    suggestions.sort(byScoreThenStatute);
    candidates.sort(byScoreThenStatute);

    const atlasOf = (list: TargetScore[]): string[] => (list.length === 0 ? [] : [...new Set(list.flatMap((s) => tx.targets[s.target]?.atlas ?? []))].sort());
    return {
      id: options.id ?? textId(text),
      taxonomyVersion: tx.version,
      suggestions,
      candidates,
      ai: {
        involved: d.aiKinds.length > 0,
        score: round3(d.aiScore),
        kinds: d.aiKinds,
        atlas: atlasOf(ai.passing),
        evidence: explain ? collectEvidence(text, tx, aiUsed(), detailOf, hits) : [],
      },
      exfiltration: {
        flagged: xf.passing.length > 0,
        score: round3(xf.score),
        patterns: xf.passing.map((s) => {
          const t = tx.targets[s.target];
          const ids = (t?.elementIds ?? []).filter((e) => elements.satisfied[e] === 1);
          return {
            id: t?.id ?? '',
            label: t?.title ?? '',
            atlas: t?.atlas ?? [],
            owasp: t?.owasp ?? [],
            evidence: explain ? collectEvidence(text, tx, ids, detailOf, hits) : [],
          };
        }),
      },
      priority: d.priority,
    };
  }

  /** A formulation resting on an exfiltration finding: the best flagged pattern's score counts as one more required group. */
  function withExfiltration(s: TargetScore, patternIds: string[], lack: string, flagged: TargetScore[]): void {
    let best = 0;
    for (const p of flagged) if (patternIds.includes(codeOf(p))) best = Math.max(best, p.score);
    const groups = s.groups;
    s.groups += 1;
    if (best > 0) s.satisfiedGroups += 1;
    else {
      s.complete = false;
      s.lacks = lack;
    }
    s.score = round3((s.score * groups + best) / (groups + 1));
  }

  /** Passing formulations, one per subsection code (the one with its own elements, then the best), best first. */
  function onePerCode(passingAll: TargetScore[]): TargetScore[] {
    const hasElements = (s: TargetScore): number => ((tx.targets[s.target]?.requires.length ?? 0) > 0 ? 1 : 0);
    const seenCodes = new Set<string>();
    return [...passingAll]
      .sort((a, b) => hasElements(b) - hasElements(a) || b.score - a.score || byCodeOf(a, b))
      .filter((s) => !seenCodes.has(codeOf(s)) && seenCodes.add(codeOf(s)) !== undefined)
      .sort((a, b) => b.score - a.score || byCodeOf(a, b));
  }

  function codeOf(s: TargetScore): string {
    return tx.targets[s.target]?.id ?? '';
  }

  return { taxonomyVersion: tx.version, taxonomy: tx, classify, summarize };
}
