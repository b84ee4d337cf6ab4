/**
 * Cross-reference checks that a per-file schema cannot make: element / rule / caution / concept / ATLAS ids
 * that must exist, unique ids, phrase syntax, and regexes safe from catastrophic backtracking.
 * Returns every problem found; the loader fails once with all of them.
 */
import safeRegex from 'safe-regex2';
import { parsePhrase } from './phrase.js';
import type { Taxonomy, TaxonomyIssue } from './load.js';
import type { Counter, Element, Rule } from './schema.js';

/** A group containing "|" directly followed by *, + or an open-ended {n,} (nested groups are not descended into). */
const QUANTIFIED_ALTERNATION = /\((?:\?:)?[^()]*\|[^()]*\)(?:[*+]|\{\d+,\d*\})/;

interface Target {
  requires: (string | string[])[];
  optional: string[];
  /** A formulation that rests on another finding (requiresExfiltration) may list no elements of its own. */
  allowEmpty?: boolean;
}

export function validateReferences(t: Taxonomy, options: { checkConceptRefs?: boolean } = {}): TaxonomyIssue[] {
  const checkConceptRefs = options.checkConceptRefs ?? true;
  const issues: TaxonomyIssue[] = [];
  const cautionIds = new Set(t.cautions.map((c) => c.id));
  const add = (file: string, path: string, message: string): void => {
    issues.push({ file, path, message });
  };

  const checkPhrase = (file: string, path: string, phrase: string): void => {
    const parsed = parsePhrase(phrase);
    if (!parsed.ok) {
      add(file, path, `phrase "${phrase}": ${parsed.error}`);
      return;
    }
    if (checkConceptRefs && parsed.concept !== undefined && !t.concepts[parsed.concept]) add(file, path, `unknown concept @${parsed.concept}`);
  };

  const checkMatcher = (file: string, path: string, r: Rule | Counter): void => {
    r.phrases?.forEach((p, i) => checkPhrase(file, `${path}.phrases.${i}`, p));
    r.exclude.forEach((p, i) => checkPhrase(file, `${path}.exclude.${i}`, p));
    r.near?.all.forEach((part, i) => {
      const list = typeof part === 'string' ? [part] : part;
      list.forEach((p, j) => checkPhrase(file, `${path}.near.all.${i}${typeof part === 'string' ? '' : `.${j}`}`, p));
    });
    if (r.regex !== undefined) {
      let ok = true;
      try {
        new RegExp(r.regex, 'giu');
      } catch (err) {
        ok = false;
        add(file, `${path}.regex`, `invalid regular expression: ${(err as Error).message}`);
      }
      // safe-regex2 checks star height only; a quantified group with alternatives ("(x|x)*") can still backtrack
      // exponentially when the alternatives overlap, so such groups are refused outright.
      if (ok && QUANTIFIED_ALTERNATION.test(r.regex)) {
        add(file, `${path}.regex`, 'regular expression repeats a group of alternatives, which may backtrack catastrophically; rewrite it');
      } else if (ok && !safeRegex(r.regex)) {
        add(file, `${path}.regex`, 'regular expression may backtrack catastrophically (nested or overlapping repetition); rewrite it');
      }
    }
    if (r.caution !== undefined && !cautionIds.has(r.caution)) add(file, `${path}.caution`, `unknown caution "${r.caution}"`);
  };

  const checkElements = (file: string, elements: Element[]): Set<string> => {
    const ids = new Set<string>();
    elements.forEach((el, ei) => {
      const ep = `elements.${ei}`;
      if (ids.has(el.id)) add(file, `${ep}.id`, `duplicate element id "${el.id}"`);
      ids.add(el.id);
      const ruleIds = new Set<string>();
      el.rules.forEach((r, ri) => {
        if (ruleIds.has(r.id)) add(file, `${ep}.rules.${ri}.id`, `duplicate rule id "${r.id}" in element "${el.id}"`);
        ruleIds.add(r.id);
        checkMatcher(file, `${ep}.rules.${ri}`, r);
      });
      el.counters.forEach((c, ci) => {
        if (ruleIds.has(c.id)) add(file, `${ep}.counters.${ci}.id`, `counter id "${c.id}" repeats a rule id in element "${el.id}"`);
        checkMatcher(file, `${ep}.counters.${ci}`, c);
        c.unless.forEach((u, ui) => {
          if (!ruleIds.has(u)) add(file, `${ep}.counters.${ci}.unless.${ui}`, `unknown rule "${u}" in element "${el.id}"`);
        });
      });
    });
    return ids;
  };

  const checkTargets = (file: string, key: string, targets: Target[], elementIds: Set<string>): void => {
    targets.forEach((tg, ti) => {
      if (tg.requires.length === 0 && !tg.allowEmpty) add(file, `${key}.${ti}.requires`, 'needs at least one required element');
      tg.requires.forEach((req, ri) => {
        for (const id of typeof req === 'string' ? [req] : req) {
          if (!elementIds.has(id)) add(file, `${key}.${ti}.requires.${ri}`, `unknown element "${id}"`);
        }
      });
      tg.optional.forEach((id, oi) => {
        if (!elementIds.has(id)) add(file, `${key}.${ti}.optional.${oi}`, `unknown element "${id}"`);
      });
    });
  };

  const checkAtlas = (file: string, path: string, ids: string[]): void => {
    ids.forEach((id, i) => {
      if (!(id in t.atlas)) add(file, `${path}.${i}`, `ATLAS technique ${id} is not in the verified list (taxonomy/lexicons/atlas.yaml)`);
    });
  };

  for (const s of t.statutes) {
    const file = t.files[s.statute] ?? s.id;
    const ids = checkElements(file, s.elements);
    checkTargets(file, 'subsections', s.subsections.map((sub) => ({ ...sub, allowEmpty: sub.requiresExfiltration !== undefined })), ids);
    s.subsections.forEach((sub, i) => {
      if (sub.caution !== undefined && !cautionIds.has(sub.caution)) add(file, `subsections.${i}.caution`, `unknown caution "${sub.caution}"`);
      sub.requiresExfiltration?.forEach((pid, j) => {
        if (!t.exfil.patterns.some((pt) => pt.id === pid)) add(file, `subsections.${i}.requiresExfiltration.${j}`, `unknown exfiltration pattern "${pid}"`);
      });
    });
    const titles = new Map<string, string>();
    const allowedPrefixes = s.statute === '1028' ? ['1028A', '1028'] : s.statute === '1343' ? ['1349', '1346', '1343'] : [s.statute];
    s.subsections.forEach((sub, i) => {
      // A code may appear more than once as alternative formulations (attempt vs conspiracy); titles must agree.
      const prevTitle = titles.get(sub.code);
      if (prevTitle !== undefined && prevTitle !== sub.title) {
        add(file, `subsections.${i}.title`, `subsection ${sub.code} appears twice with different titles`);
      }
      titles.set(sub.code, sub.title);
      if (!allowedPrefixes.some((p) => sub.code.startsWith(p))) {
        add(file, `subsections.${i}.code`, `subsection ${sub.code} does not belong to § ${s.statute} (allowed: ${allowedPrefixes.join(', ')})`);
      }
    });
  }

  const aiFile = t.files.ai ?? 'ai-involvement';
  const aiIds = checkElements(aiFile, t.ai.elements);
  checkTargets(aiFile, 'kinds', t.ai.kinds, aiIds);
  t.ai.kinds.forEach((k, i) => checkAtlas(aiFile, `kinds.${i}.atlas`, k.atlas));

  const xfFile = t.files.exfil ?? 'agent-exfiltration';
  const xfIds = checkElements(xfFile, t.exfil.elements);
  checkTargets(xfFile, 'patterns', t.exfil.patterns, xfIds);
  t.exfil.patterns.forEach((p, i) => checkAtlas(xfFile, `patterns.${i}.atlas`, p.atlas));
  if (!t.ai.kinds.some((k) => k.id === t.exfil.impliesAiKind)) {
    add(xfFile, 'impliesAiKind', `unknown AI kind "${t.exfil.impliesAiKind}"`);
  }

  // Concepts may reference other concepts; refuse unknown names and cycles (named with the path that closes them).
  for (const [name, c] of Object.entries(t.concepts)) {
    const file = c.file ?? 'lexicons/concepts.yaml';
    c.phrases.forEach((p, i) => checkPhrase(file, `concepts.${name}.phrases.${i}`, p));
    const seen = new Set<string>([name]);
    const stack: { concept: string; path: string[] }[] = [];
    const pushRefs = (phrases: readonly string[], path: string[]): void => {
      for (const ph of phrases) {
        const p = parsePhrase(ph);
        if (p.ok && p.concept !== undefined) stack.push({ concept: p.concept, path: [...path, p.concept] });
      }
    };
    pushRefs(c.phrases, [name]);
    while (stack.length > 0) {
      const next = stack.pop();
      if (!next) break;
      if (next.concept === name) {
        add(file, `concepts.${name}`, `concept @${name} refers back to itself: ${next.path.map((x) => `@${x}`).join(' → ')}`);
        continue;
      }
      if (seen.has(next.concept)) continue;
      seen.add(next.concept);
      pushRefs(t.concepts[next.concept]?.phrases ?? [], next.path);
    }
  }

  const neg = t.negation;
  const negFile = t.files.negation ?? 'negation';
  for (const key of ['preNegation', 'postNegation', 'pseudoNegation', 'hypothetical', 'terminators', 'clauseNegation'] as const) {
    neg[key].forEach((p, i) => checkPhrase(negFile, `${key}.${i}`, p));
  }
  return issues;
}
