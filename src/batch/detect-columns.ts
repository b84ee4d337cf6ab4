/**
 * Finds the narrative (and optional id) column in a header row. Names are compared case-insensitively with
 * spaces, hyphens and dots folded to `_`, so "Incident Description" matches `incident_description`.
 */
import { CsvInputError } from './csv-in.js';

/** Narrative column names, most specific first: the first present wins. */
export const TEXT_COLUMN_NAMES = [
  'narrative',
  'incident_narrative',
  'case_narrative',
  'narrative_text',
  'incident_description',
  'case_description',
  'complaint_narrative',
  'complaint_text',
  'complaint',
  'description',
  'details',
  'incident_details',
  'summary',
  'incident_summary',
  'case_summary',
  'text',
  'report_text',
  'body',
] as const;

export function normaliseColumnName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s.-]+/g, '_');
}

export interface ColumnChoice {
  index: number;
  name: string;
  /** How it was chosen: named by the caller, or detected from {@link TEXT_COLUMN_NAMES}. */
  source: 'given' | 'detected';
}

/** Columns named in an error message: enough to spot the mistake, never a message as large as a hostile header. */
const LISTED_COLUMNS = 20;
const LISTED_NAME_CHARS = 60;

function listColumns(header: readonly string[]): string {
  if (header.length === 0) return '(none)';
  const shown = header.slice(0, LISTED_COLUMNS).map((h) => JSON.stringify(h.length > LISTED_NAME_CHARS ? `${h.slice(0, LISTED_NAME_CHARS)}…` : h));
  return header.length > LISTED_COLUMNS ? `${shown.join(', ')} … (${header.length} columns)` : shown.join(', ');
}

/** Finds a column the caller named: exact name first, then the normalised name. */
function findNamed(header: readonly string[], wanted: string): number {
  const exact = header.indexOf(wanted);
  if (exact !== -1) return exact;
  const n = normaliseColumnName(wanted);
  return header.findIndex((h) => normaliseColumnName(h) === n);
}

/**
 * The narrative column: the one named by `textColumn`, else the first of {@link TEXT_COLUMN_NAMES} present,
 * else a column whose name contains "narrative" or "description".
 * @throws CsvInputError CSV_MISSING_COLUMN listing the columns found.
 */
export function chooseTextColumn(header: readonly string[], textColumn?: string): ColumnChoice {
  if (textColumn !== undefined) {
    const i = findNamed(header, textColumn);
    if (i === -1) {
      throw new CsvInputError('CSV_MISSING_COLUMN', `no column "${textColumn}" in the header; columns found: ${listColumns(header)}`, { line: 1, columns: header });
    }
    return { index: i, name: header[i] as string, source: 'given' };
  }
  const normalised = header.map(normaliseColumnName);
  for (const name of TEXT_COLUMN_NAMES) {
    const i = normalised.indexOf(name);
    if (i !== -1) return { index: i, name: header[i] as string, source: 'detected' };
  }
  const loose = normalised.findIndex((h) => h.includes('narrative') || h.includes('description'));
  if (loose !== -1) return { index: loose, name: header[loose] as string, source: 'detected' };
  throw new CsvInputError(
    'CSV_MISSING_COLUMN',
    `no narrative column found (looked for ${TEXT_COLUMN_NAMES.slice(0, 6).join(', ')} …); columns found: ${listColumns(header)}; name one with --text-column (textColumn over HTTP)`,
    { line: 1, columns: header },
  );
}

/**
 * The id column named by the caller (ids are optional: without one a row's id is the hash of its text).
 * @throws CsvInputError CSV_MISSING_COLUMN listing the columns found.
 */
export function chooseIdColumn(header: readonly string[], idColumn: string): ColumnChoice {
  const i = findNamed(header, idColumn);
  if (i === -1) {
    throw new CsvInputError('CSV_MISSING_COLUMN', `no id column "${idColumn}" in the header; columns found: ${listColumns(header)}`, { line: 1, columns: header });
  }
  return { index: i, name: header[i] as string, source: 'given' };
}
