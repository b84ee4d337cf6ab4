/**
 * The classifier: pure, synchronous and deterministic. text → tokens → rule hits → element scores →
 * targets → the output contract (result-schema.ts), with the explanation built on the same path.
 */
import { hash } from 'node:crypto';
import type { CompiledTarget, CompiledTaxonomy } from '../taxonomy/compile.js';
import type { StatuteCode } from '../taxonomy/schema.js';
import { collectEvidence, elementEvidence } from './explain.js';
import { matchRules, type RuleHit } from './match.js';
import type { Candidate, Classification, ElementResult, Evidence, Priority, Suggestion } from './result-schema.js';
import { round3, scoreElements, scoreTarget, type ElementScore, type TargetScore } from './score.js';
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
  /** Satisfied elements of the passing targets (their evidence explains the finding). */
  used: number[];
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

interface Decision {
  hits: Map<number, RuleHit[]>;
  elements: ElementScore[];
  ai: Finding;
  xf: Finding;
  aiKinds: string[];
  aiScore: number;
  aiUsed: number[];
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

  /** Scores everything a narrative's result is made of; both the contract and the summary are built from this. */
  function decide(text: string, threshold: number): Decision {
    const tokens = tokenizeShared(text, tx.stemmer);
    const hits = matchRules(text, tokens, tx);
    const elements = scoreElements(tx, hits);
    const passes = (s: TargetScore): boolean => s.complete && s.score + 1e-9 >= threshold;

    // A target none of whose elements has any asserted evidence can neither pass nor be a candidate (a candidate
    // needs two satisfied groups or partial evidence): most targets for most narratives, so they are not scored.
    const dormant = (t: CompiledTarget): boolean =>
      t.requires.length > 0 &&
      t.elementIds.every((e) => {
        const es = elements[e];
        return es === undefined || (es.score === 0 && !es.satisfied);
      });

    // AI involvement and agent exfiltration: same machinery, targets are kinds / patterns.
    const finding = (targets: number[]): Finding => {
      const passing: TargetScore[] = [];
      const used = new Set<number>();
      for (const ti of targets) {
        const t = tx.targets[ti];
        if (!t || dormant(t)) continue;
        const s = scoreTarget(tx, t, ti, elements);
        if (!passes(s)) continue;
        passing.push(s);
        for (const e of t.elementIds) if (elements[e]?.satisfied) used.add(e);
      }
      passing.sort((a, b) => b.score - a.score || byCodeOf(a, b));
      return { passing, score: passing[0]?.score ?? 0, used: [...used] };
    };
    const ai = finding(aiTargets);
    const xf = finding(exfilTargets);

    // Statutes: targets without predicates first, then those that need a predicate statute (§ 1028A).
    const targetScores: (TargetScore | undefined)[] = new Array<TargetScore | undefined>(tx.targets.length);
    const suggested = new Set<StatuteCode>();
    const flaggedPatterns = new Map(xf.passing.map((p) => [codeOf(p), p.score]));
    for (const g of statuteGroups) {
      for (const ti of g.targets) {
        const t = tx.targets[ti];
        if (!t || t.requiresStatute || dormant(t)) continue;
        const s = scoreTarget(tx, t, ti, elements);
        if (t.requiresExfiltration) withExfiltration(s, t.requiresExfiltration, flaggedPatterns);
        targetScores[ti] = s;
        if (passes(s) && g.statute) suggested.add(g.statute);
      }
    }
    for (const g of statuteGroups) {
      for (const ti of g.targets) {
        const t = tx.targets[ti];
        if (!t?.requiresStatute || dormant(t)) continue;
        const s = scoreTarget(tx, t, ti, elements);
        if (!t.requiresStatute.some((p) => suggested.has(p))) {
          s.complete = false;
          s.groups += 1;
          s.missing.push(`predicate:${t.requiresStatute.join('|')}`);
        }
        targetScores[ti] = s;
      }
    }

    const statutes: StatuteDecision[] = [];
    for (const g of statuteGroups) {
      if (!g.statute) continue;
      const scored: TargetScore[] = [];
      for (const ti of g.targets) {
        const s = targetScores[ti];
        if (s !== undefined) scored.push(s);
      }
      // Alternative formulations of one subsection (same code) report once: the one with its own element checklist
      // first (it explains more), then the best score. Cautions come from every formulation that passes.
      const passingAll = scored.filter(passes);
      const hasElements = (s: TargetScore): number => ((tx.targets[s.target]?.requires.length ?? 0) > 0 ? 1 : 0);
      const seenCodes = new Set<string>();
      const passing =
        passingAll.length === 0
          ? passingAll
          : [...passingAll]
              .sort((a, b) => hasElements(b) - hasElements(a) || b.score - a.score || byCodeOf(a, b))
              .filter((s) => !seenCodes.has(codeOf(s)) && seenCodes.add(codeOf(s)) !== undefined)
              .sort((a, b) => b.score - a.score || byCodeOf(a, b));
      statutes.push({ statute: g.statute, citation: g.citation, title: g.title, scored, passingAll, passing, score: Math.max(0, ...passingAll.map((p) => p.score)) });
    }

    // The exfiltration flag implies AI involvement (an AI agent is part of the conduct).
    const aiKinds = ai.passing.map(codeOf);
    let aiScore = ai.score;
    const aiUsed = new Set(ai.used);
    if (xf.passing.length > 0 && aiKinds.length === 0) {
      aiKinds.push(tx.impliesAiKind);
      aiScore = xf.score;
      xf.used.forEach((e) => aiUsed.add(e));
    }
    const anySuggested = statutes.some((s) => s.passing.length > 0);
    const priority: Priority = !anySuggested ? 'none' : aiKinds.length > 0 ? 'sec4' : 'statute';
    return { hits, elements, ai, xf, aiKinds, aiScore, aiUsed: [...aiUsed], statutes, priority };
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

    // An element often appears in several subsections of one statute: build its evidence once per narrative.
    const evidenceCache = new Map<number, { evidence: Evidence[]; against: Evidence[] }>();
    const elementResult = (e: number): ElementResult => {
      const el = tx.elements[e];
      const s = elements[e] as ElementScore;
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
          .filter((s) => s.missing.length > 0 && s.groups - s.satisfiedGroups === 1 && (s.satisfiedGroups >= 2 || s.missingPartial > 0))
          .sort((a, b) => b.satisfiedGroups - a.satisfiedGroups || b.score - a.score || byCodeOf(a, b))[0];
        if (best) candidates.push({ statute, code: codeOf(best), score: best.score, missing: best.missing });
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
          const es = elements[e];
          if (es?.satisfied) {
            used.add(e);
            es.cautions.forEach((c) => cautions.add(c));
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
        evidence: explain ? collectEvidence(text, tx, [...used], elements, hits) : [],
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
        evidence: explain ? collectEvidence(text, tx, d.aiUsed, elements, hits) : [],
      },
      exfiltration: {
        flagged: xf.passing.length > 0,
        score: round3(xf.score),
        patterns: xf.passing.map((s) => {
          const t = tx.targets[s.target];
          const ids = (t?.elementIds ?? []).filter((e) => elements[e]?.satisfied);
          return {
            id: t?.id ?? '',
            label: t?.title ?? '',
            atlas: t?.atlas ?? [],
            owasp: t?.owasp ?? [],
            evidence: explain ? collectEvidence(text, tx, ids, elements, hits) : [],
          };
        }),
      },
      priority: d.priority,
    };
  }

  /** A formulation resting on an exfiltration finding: the best flagged pattern's score counts as one more required group. */
  function withExfiltration(s: TargetScore, patternIds: string[], flagged: Map<string, number>): void {
    const best = Math.max(0, ...patternIds.map((id) => flagged.get(id) ?? 0));
    const groups = s.groups;
    s.groups += 1;
    if (best > 0) s.satisfiedGroups += 1;
    else {
      s.complete = false;
      s.missing.push(`exfiltration:${patternIds.join('|')}`);
    }
    s.score = round3((s.score * groups + best) / (groups + 1));
  }

  function codeOf(s: TargetScore): string {
    return tx.targets[s.target]?.id ?? '';
  }

  return { taxonomyVersion: tx.version, taxonomy: tx, classify, summarize };
}
