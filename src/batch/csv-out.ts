/**
 * CSV output: the columns added to every row, RFC 4180 quoting, and neutralising of cells a spreadsheet would
 * run as a formula (OWASP "CSV Injection": a cell beginning with `=`, `+`, `-`, `@`, tab or carriage return
 * gets a leading `'`, so Excel, LibreOffice and Google Sheets show it as text).
 *
 * A small hand-written writer rather than csv-stringify: rows are written in workers as one string per batch,
 * and every cell passes through the neutraliser anyway.
 */
import type { Classification } from '../classify/result-schema.js';
import { summaryOf, type ClassificationSummary } from '../classify/summary.js';

/** Columns appended after the input's, in this order (snake_case, as CSV columns are). */
export const OUTPUT_COLUMNS = [
  'statutes',
  'subsections',
  'score',
  'ai_involved',
  'ai_kinds',
  'ai_agent_exfiltration',
  'exfiltration_patterns',
  'priority',
  'taxonomy_version',
  'error',
] as const;

/** Separator inside a multi-valued cell ("1030;1343"). */
export const LIST_SEPARATOR = ';';

const EQUALS = 0x3d;
const PLUS = 0x2b;
const MINUS = 0x2d;
const AT = 0x40;
const TAB = 0x09;
const CR = 0x0d;

/**
 * Prefixes `'` to a cell that a spreadsheet would treat as a formula. Idempotent: a neutralised cell starts
 * with `'` and is left alone. Negative numbers ("-5") are neutralised too: OWASP's rule is by first
 * character, because "-2+3" and "-cmd|..." are formulas as well.
 */
export function neutraliseCell(value: string): string {
  const c = value.charCodeAt(0);
  return c === EQUALS || c === PLUS || c === MINUS || c === AT || c === TAB || c === CR ? `'${value}` : value;
}

const NEEDS_QUOTES: Record<string, RegExp> = {
  ',': /[",\r\n]/,
  ';': /[";\r\n]/,
  '\t': /["\t\r\n]/,
  '|': /["|\r\n]/,
};

/** One cell as written: neutralised, then quoted when it holds the delimiter, a quote or a line break. */
export function formatCell(value: string, delimiter: string): string {
  const v = neutraliseCell(value);
  const re = NEEDS_QUOTES[delimiter] ?? new RegExp(`["\\r\\n${delimiter.replace(/[\\^\]-]/g, '\\$&')}]`);
  return re.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/** One record as a line (without the line ending). */
export function formatRow(cells: readonly string[], delimiter: string): string {
  let line = '';
  for (let i = 0; i < cells.length; i++) {
    if (i > 0) line += delimiter;
    line += formatCell(cells[i] ?? '', delimiter);
  }
  return line;
}

/** The appended cells for a classified row. Statutes are in the contract's order: by score, then statute. */
export function resultCells(result: Classification): string[] {
  return summaryCells(summaryOf(result));
}

/** The appended cells for a row's summary ({@link resultCells} without building the whole contract). */
export function summaryCells(summary: ClassificationSummary): string[] {
  const statutes: string[] = [];
  const subsections: string[] = [];
  let top = 0;
  for (const s of summary.statutes) {
    statutes.push(s.statute);
    for (const code of s.subsections) subsections.push(code);
    if (s.score > top) top = s.score;
  }
  return [
    statutes.join(LIST_SEPARATOR),
    subsections.join(LIST_SEPARATOR),
    String(top),
    String(summary.ai.involved),
    summary.ai.kinds.join(LIST_SEPARATOR),
    String(summary.exfiltration.flagged),
    summary.exfiltration.patterns.join(LIST_SEPARATOR),
    summary.priority,
    summary.taxonomyVersion,
    '',
  ];
}

/** The appended cells for a row that was not classified: empty results, the version, and the reason. */
export function errorCells(taxonomyVersion: string, message: string): string[] {
  return ['', '', '', '', '', '', '', '', taxonomyVersion, message];
}
