/** Precision / recall / F1 per statute and per flag, exact-set accuracy, and the misclassified ids. */
import type { Classification } from '../classify/result-schema.js';
import type { StatuteCode } from '../taxonomy/schema.js';
import type { LabelledCase } from './dataset.js';

export interface Prf {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface Miss {
  id: string;
  expected: string;
  got: string;
}

export interface EvalReport {
  n: number;
  statutes: Record<StatuteCode, Prf>;
  microF1: number;
  macroF1: number;
  exactSetAccuracy: number;
  aiInvolved: Prf;
  agentExfiltration: Prf;
  misses: Miss[];
}

const STATUTES: StatuteCode[] = ['1028', '1030', '1343'];

function prf(tp: number, fp: number, fn: number): Prf {
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { tp, fp, fn, precision, recall, f1 };
}

function describe(statutes: readonly string[], ai: boolean, xf: boolean): string {
  return `[${statutes.join(',')}]${ai ? ' ai' : ''}${xf ? ' xf' : ''}`;
}

export function evaluate(cases: readonly LabelledCase[], results: readonly Classification[]): EvalReport {
  const counts = Object.fromEntries(STATUTES.map((s) => [s, { tp: 0, fp: 0, fn: 0 }])) as Record<StatuteCode, { tp: number; fp: number; fn: number }>;
  const ai = { tp: 0, fp: 0, fn: 0 };
  const xf = { tp: 0, fp: 0, fn: 0 };
  let exact = 0;
  const misses: Miss[] = [];
  const tally = (c: { tp: number; fp: number; fn: number }, want: boolean, got: boolean): void => {
    if (want && got) c.tp++;
    else if (got) c.fp++;
    else if (want) c.fn++;
  };
  cases.forEach((k, i) => {
    const r = results[i];
    if (!r) return;
    const got = r.suggestions.map((s) => s.statute).sort();
    for (const s of STATUTES) tally(counts[s], k.statutes.includes(s), got.includes(s));
    tally(ai, k.aiInvolved, r.ai.involved);
    tally(xf, k.agentExfiltration, r.exfiltration.flagged);
    const same = got.join() === k.statutes.join();
    if (same) exact++;
    if (!same || k.aiInvolved !== r.ai.involved || k.agentExfiltration !== r.exfiltration.flagged) {
      misses.push({ id: k.id, expected: describe(k.statutes, k.aiInvolved, k.agentExfiltration), got: describe(got, r.ai.involved, r.exfiltration.flagged) });
    }
  });
  const statutes = Object.fromEntries(STATUTES.map((s) => [s, prf(counts[s].tp, counts[s].fp, counts[s].fn)])) as Record<StatuteCode, Prf>;
  const sum = STATUTES.reduce((a, s) => ({ tp: a.tp + counts[s].tp, fp: a.fp + counts[s].fp, fn: a.fn + counts[s].fn }), { tp: 0, fp: 0, fn: 0 });
  return {
    n: cases.length,
    statutes,
    microF1: prf(sum.tp, sum.fp, sum.fn).f1,
    macroF1: STATUTES.reduce((a, s) => a + statutes[s].f1, 0) / STATUTES.length,
    exactSetAccuracy: cases.length === 0 ? 0 : exact / cases.length,
    aiInvolved: prf(ai.tp, ai.fp, ai.fn),
    agentExfiltration: prf(xf.tp, xf.fp, xf.fn),
    misses,
  };
}

const pct = (x: number): string => (100 * x).toFixed(1).padStart(5);

export function formatReport(title: string, r: EvalReport, showMisses: boolean): string {
  const row = (name: string, p: Prf): string =>
    `  ${name.padEnd(22)} P ${pct(p.precision)}  R ${pct(p.recall)}  F1 ${pct(p.f1)}   (tp ${p.tp}, fp ${p.fp}, fn ${p.fn})`;
  const lines = [
    `${title} — ${r.n} narratives`,
    ...STATUTES.map((s) => row(`§ ${s}`, r.statutes[s])),
    `  statutes micro-F1 ${pct(r.microF1)}   macro-F1 ${pct(r.macroF1)}   exact-set accuracy ${pct(r.exactSetAccuracy)}`,
    row('ai_involved', r.aiInvolved),
    row('ai_agent_exfiltration', r.agentExfiltration),
  ];
  if (showMisses && r.misses.length > 0) {
    lines.push(`  misclassified (${r.misses.length}): expected → got`);
    for (const m of r.misses) lines.push(`    ${m.id.padEnd(8)} ${m.expected.padEnd(24)} → ${m.got}`);
  }
  return lines.join('\n');
}
