/**
 * Hand-built classifier results for store tests, so they do not move when the taxonomy is tuned (the real
 * classifier is exercised once, in sqlite-store.test.ts, to prove a real result round-trips).
 */
import type { Classification, Priority } from '../../src/classify/result-schema.js';
import type { StatuteCode } from '../../src/taxonomy/schema.js';

export interface FakeOptions {
  /** Statute → its subsection codes (default: one subsection named after the statute). */
  statutes?: Partial<Record<StatuteCode, string[]>>;
  ai?: boolean;
  exfil?: boolean;
  taxonomyVersion?: string;
}

export function makeClassification(o: FakeOptions = {}): Classification {
  const statutes = Object.entries(o.statutes ?? {}) as [StatuteCode, string[]][];
  const ai = o.ai ?? false;
  const priority: Priority = statutes.length === 0 ? 'none' : ai ? 'sec4' : 'statute';
  return {
    id: 'tmp',
    taxonomyVersion: o.taxonomyVersion ?? 'v1',
    suggestions: statutes.map(([statute, subs]) => ({
      statute,
      citation: `18 U.S.C. § ${statute}`,
      title: `Statute ${statute}`,
      score: 0.8,
      subsections: (subs.length > 0 ? subs : [statute]).map((code) => ({
        code,
        title: `Subsection ${code}`,
        score: 0.8,
        elements: [{ id: 'el', label: 'An element', satisfied: true, score: 0.8, evidence: [{ start: 0, end: 3, text: 'She', rule: `${statute}.el.r` }] }],
      })),
      evidence: [{ start: 0, end: 3, text: 'She', rule: `${statute}.el.r` }],
      cautions: [],
    })),
    candidates: [],
    ai: { involved: ai, score: ai ? 0.8 : 0, kinds: ai ? ['chatbot-impersonation'] : [], atlas: ai ? ['AML.T0052.000'] : [], evidence: [] },
    exfiltration: { flagged: o.exfil ?? false, score: o.exfil ? 0.7 : 0, patterns: [] },
    priority,
  };
}
