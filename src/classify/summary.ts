/**
 * The decision of a classification without its explanation: which statutes (with their subsection codes and
 * score), the AI and exfiltration flags and the priority. A CSV row's added columns are made of it, so the batch
 * path can ask the classifier for it directly (`Classifier.summarize`) instead of building the whole contract.
 */
import type { Classification, Priority } from './result-schema.js';
import type { StatuteCode } from '../taxonomy/schema.js';

export interface ClassificationSummary {
  taxonomyVersion: string;
  /** As the contract's suggestions: by score, then statute; subsections in their order there. */
  statutes: { statute: StatuteCode; score: number; subsections: string[] }[];
  ai: { involved: boolean; kinds: string[] };
  exfiltration: { flagged: boolean; patterns: string[] };
  priority: Priority;
}

/** The summary of a full result: equal to `summarize` on the same text and threshold (a test holds them to it). */
export function summaryOf(result: Classification): ClassificationSummary {
  return {
    taxonomyVersion: result.taxonomyVersion,
    statutes: result.suggestions.map((s) => ({ statute: s.statute, score: s.score, subsections: s.subsections.map((sub) => sub.code) })),
    ai: { involved: result.ai.involved, kinds: result.ai.kinds },
    exfiltration: { flagged: result.exfiltration.flagged, patterns: result.exfiltration.patterns.map((p) => p.id) },
    priority: result.priority,
  };
}
