/**
 * What a taxonomy change moves: the labelled narratives whose decision (statutes, AI flag, exfiltration flag)
 * differs between two classifiers, each marked toward or away from its labels, with a tally per split. A legal
 * analyst adding a phrase sees, before committing it, which narratives it fixes and which it breaks.
 */
import type { Classifier } from '../classify/classifier.js';
import type { StatuteCode } from '../taxonomy/schema.js';
import type { LabelledCase } from './dataset.js';

const STATUTES: StatuteCode[] = ['1028', '1030', '1343'];

export interface Decision {
  statutes: StatuteCode[];
  ai: boolean;
  exfiltration: boolean;
}

export type Direction = 'toward' | 'away' | 'sideways';

export interface Move {
  id: string;
  split: 'tune' | 'holdout' | undefined;
  expected: Decision;
  before: Decision;
  after: Decision;
  direction: Direction;
}

export interface Tally {
  toward: number;
  away: number;
  sideways: number;
}

export interface CompareReport {
  baseVersion: string;
  version: string;
  n: number;
  moves: Move[];
  /** Per split ('tune', 'holdout', or 'unsplit'), then 'all'. */
  tally: Record<string, Tally>;
}

function decide(classifier: Classifier, text: string): Decision {
  const s = classifier.summarize(text);
  return { statutes: s.statutes.map((x) => x.statute).sort(), ai: s.ai.involved, exfiltration: s.exfiltration.flagged };
}

/** Label disagreements: each statute, and each flag, that differs from the labels counts one. */
function errors(d: Decision, c: LabelledCase): number {
  let n = 0;
  for (const s of STATUTES) if (d.statutes.includes(s) !== c.statutes.includes(s)) n++;
  if (d.ai !== c.aiInvolved) n++;
  if (d.exfiltration !== c.agentExfiltration) n++;
  return n;
}

function same(a: Decision, b: Decision): boolean {
  return a.ai === b.ai && a.exfiltration === b.exfiltration && a.statutes.join() === b.statutes.join();
}

export function compareClassifiers(base: Classifier, current: Classifier, cases: readonly LabelledCase[]): CompareReport {
  const moves: Move[] = [];
  const tally: Record<string, Tally> = { all: { toward: 0, away: 0, sideways: 0 } };
  for (const c of cases) {
    const before = decide(base, c.narrative);
    const after = decide(current, c.narrative);
    if (same(before, after)) continue;
    const delta = errors(after, c) - errors(before, c);
    const direction: Direction = delta < 0 ? 'toward' : delta > 0 ? 'away' : 'sideways';
    const expected: Decision = { statutes: [...c.statutes].sort(), ai: c.aiInvolved, exfiltration: c.agentExfiltration };
    moves.push({ id: c.id, split: c.split, expected, before, after, direction });
    const key = c.split ?? 'unsplit';
    tally[key] ??= { toward: 0, away: 0, sideways: 0 };
    tally[key][direction]++;
    (tally.all as Tally)[direction]++;
  }
  return { baseVersion: base.taxonomyVersion, version: current.taxonomyVersion, n: cases.length, moves, tally };
}

function show(d: Decision): string {
  return `[${d.statutes.join(',')}]${d.ai ? ' ai' : ''}${d.exfiltration ? ' xf' : ''}`;
}

export function formatCompare(r: CompareReport): string {
  const lines = [`taxonomy ${r.baseVersion} → ${r.version}: ${r.moves.length} of ${r.n} narratives change`];
  for (const m of r.moves) {
    lines.push(`  ${m.direction.padEnd(8)} ${m.id.padEnd(10)} ${(m.split ?? '').padEnd(7)} expected ${show(m.expected).padEnd(20)} ${show(m.before)} → ${show(m.after)}`);
  }
  const order = [...Object.keys(r.tally).filter((k) => k !== 'all'), 'all'];
  for (const split of order) {
    const t = r.tally[split] as Tally;
    lines.push(`${split}: ${t.toward} toward, ${t.away} away, ${t.sideways} sideways`);
  }
  return lines.join('\n');
}
