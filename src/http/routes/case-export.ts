/**
 * Reviewed labels as files, for measuring and improving the rules.
 * - JSONL: one reviewed case per line in the labelled-dataset format of samples/labelled (`id`, `narrative`,
 *   `statutes`, `ai_involved`, `ai_agent_exfiltration`), so `npm run eval -- <file>` can score the rules on it;
 *   hence its snake_case fields, like the dataset files. The AI flags are the classifier's, not reviewed.
 * - CSV: one row per current label (case × statute or subsection), snake_case columns, with every cell that a
 *   spreadsheet would run as a formula neutralised (OWASP CSV injection).
 */
import { stringify } from 'csv-stringify/sync';
import type { ExportedCase, Label } from '../../store/store.js';

export const CSV_COLUMNS = [
  'case_id',
  'external_id',
  'source',
  'received_at',
  'statute',
  'subsection',
  'decision',
  'positive',
  'suggested',
  'reason_code',
  'reviewer',
  'decided_at',
  'note',
  'taxonomy_version',
  'narrative',
] as const;

/** Statutes a reviewer labelled positive: by a statute-level label, or by a subsection when the statute has none. */
export function positiveStatutes(labels: readonly Label[]): string[] {
  const out = new Set<string>();
  const statuteLevel = new Map(labels.filter((l) => l.subsection === null).map((l) => [l.statute, l.positive]));
  for (const l of labels) {
    const whole = statuteLevel.get(l.statute);
    if (l.subsection === null ? l.positive === true : whole === undefined && l.positive === true) out.add(l.statute);
  }
  return [...out].sort();
}

export function toJsonlRecord(c: ExportedCase): Record<string, unknown> {
  return {
    id: c.id,
    narrative: c.narrative,
    statutes: positiveStatutes(c.labels),
    ai_involved: c.aiInvolved,
    ai_agent_exfiltration: c.exfiltrationFlagged,
    needs_legal_review: [...new Set(c.labels.filter((l) => l.positive === null).map((l) => l.subsection ?? l.statute))].sort(),
    suggested: c.suggested,
    external_id: c.externalId,
    source: c.source,
    received_at: c.receivedAt,
    taxonomy_version: c.taxonomyVersion,
    labels: c.labels.map((l) => ({
      statute: l.statute,
      subsection: l.subsection,
      decision: l.decision,
      positive: l.positive,
      suggested: l.suggested,
      reason_code: l.reasonCode,
      reviewer: l.reviewer,
      decided_at: l.decidedAt,
      note: l.note,
    })),
  };
}

/** A leading = + - @ tab or CR makes spreadsheets evaluate the cell; a leading apostrophe keeps it text. */
export function neutralizeCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export function csvHeader(): string {
  return stringify([[...CSV_COLUMNS]]);
}

export function toCsvRows(c: ExportedCase): string {
  const rows = c.labels.map((l) =>
    [
      c.id,
      c.externalId ?? '',
      c.source ?? '',
      c.receivedAt,
      l.statute,
      l.subsection ?? '',
      l.decision,
      l.positive === null ? '' : String(l.positive),
      String(l.suggested),
      l.reasonCode ?? '',
      l.reviewer,
      l.decidedAt,
      l.note ?? '',
      c.taxonomyVersion,
      c.narrative,
    ].map(neutralizeCell),
  );
  return stringify(rows);
}
