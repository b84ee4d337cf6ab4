/** Helpers shared by the contract and property tests: walk every evidence list of a result and check its spans. */
import type { Classification, Evidence } from '../../src/classify/result-schema.js';

/** Every evidence list in a result, named by where it sits. */
export function evidenceLists(r: Classification): [string, Evidence[]][] {
  const out: [string, Evidence[]][] = [];
  for (const s of r.suggestions) {
    out.push([`${s.statute}`, s.evidence]);
    for (const sub of s.subsections) {
      for (const e of sub.elements) {
        out.push([`${sub.code}/${e.id}`, e.evidence]);
        if (e.against) out.push([`${sub.code}/${e.id}/against`, e.against]);
      }
    }
  }
  out.push(['ai', r.ai.evidence]);
  for (const p of r.exfiltration.patterns) out.push([`xf/${p.id}`, p.evidence]);
  return out;
}

/** Problems with spans: out of bounds, empty, or text differing from the narrative slice. */
export function spanProblems(narrative: string, r: Classification): string[] {
  const problems: string[] = [];
  for (const [where, list] of evidenceLists(r)) {
    for (const e of list) {
      if (!(e.start >= 0 && e.start < e.end && e.end <= narrative.length)) problems.push(`${where} ${e.rule}: [${e.start}, ${e.end}) out of bounds`);
      else if (narrative.slice(e.start, e.end) !== e.text) problems.push(`${where} ${e.rule}: ${JSON.stringify(e.text)} is not the slice`);
    }
  }
  return problems;
}
