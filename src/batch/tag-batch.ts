/**
 * Rows → output text, for one batch: the pure step a worker thread (or the main thread, for small inputs)
 * runs. Every row gives exactly one output line; a row that cannot be classified gets its reason in the
 * `error` column (or field) and is still written.
 */
import type { Classifier } from '../classify/classifier.js';
import type { Classification } from '../classify/result-schema.js';
import { errorCells, formatRow, OUTPUT_COLUMNS, resultCells, summaryCells } from './csv-out.js';

export type OutputFormat = 'csv' | 'jsonl';

/** How to read and write the rows of one stream; fixed once its header is known. */
export interface RowSpec {
  format: OutputFormat;
  /** The input header, as parsed (JSONL keys and the expected field count come from it). */
  header: string[];
  textIndex: number;
  idIndex: number | undefined;
  delimiter: string;
  eol: string;
  /** Per-stream threshold; the classifier's default when undefined. */
  threshold: number | undefined;
  /** Longest narrative classified, in characters; a longer one makes an error row. */
  maxTextChars: number;
  /**
   * Also return each classified row as a {@link TaggedRecord} (to store it as a case), with explanations:
   * the same classification the output text is made of, so nothing is classified twice.
   */
  collect?: boolean;
}

/** One classified row, structured: what a case is made of. Error rows have none. */
export interface TaggedRecord {
  /** 1-based data row number. */
  row: number;
  narrative: string;
  /** The id column's value, when the stream has one and the cell is not empty. */
  externalId: string | undefined;
  classification: Classification;
}

export interface BatchTask {
  spec: RowSpec;
  rows: string[][];
  /** 1-based number of the first row of the batch among the data rows (the header is row 0). */
  firstRow: number;
}

export interface BatchResult {
  /** The output lines of the batch, each ended by the stream's line ending. */
  text: string;
  rows: number;
  /** Rows with at least one statute suggested. */
  tagged: number;
  /** Rows written with an error. */
  errors: number;
  /** With `spec.collect`: the classified rows, in order (error rows are left out). */
  records?: TaggedRecord[];
}

/** The header line of the output: input columns, then {@link OUTPUT_COLUMNS}. */
export function outputHeader(spec: Pick<RowSpec, 'header' | 'delimiter' | 'eol' | 'format'>): string {
  if (spec.format === 'jsonl') return '';
  return formatRow([...spec.header, ...OUTPUT_COLUMNS], spec.delimiter) + spec.eol;
}

/** Keys of the JSONL `input` object: the header, with repeated names made unique (`name_2`). */
export function jsonKeys(header: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return header.map((h) => {
    const n = (seen.get(h) ?? 0) + 1;
    seen.set(h, n);
    return n === 1 ? h : `${h}_${n}`;
  });
}

/** Why a row is not classified, or undefined when it can be. */
function rowProblem(row: readonly string[], spec: RowSpec): string | undefined {
  const width = spec.header.length;
  if (row.length !== width) {
    const extra = row.length > width ? `; the extra fields are ${JSON.stringify(row.slice(width))}` : '; the missing fields are written empty';
    return `column count mismatch: expected ${width} fields, found ${row.length}${extra}`;
  }
  const text = row[spec.textIndex] ?? '';
  const column = spec.header[spec.textIndex] ?? '';
  if (text.trim() === '') return `empty narrative in column "${column}"`;
  if (text.length > spec.maxTextChars) return `narrative too long: ${text.length} characters in column "${column}"; the limit is ${spec.maxTextChars}`;
  return undefined;
}

/** Classifies one batch of rows and writes them in order. */
export function tagBatch(classifier: Classifier, task: BatchTask): BatchResult {
  const { spec } = task;
  const width = spec.header.length;
  const keys = spec.format === 'jsonl' ? jsonKeys(spec.header) : [];
  const explain = spec.format === 'jsonl' || spec.collect === true;
  const records: TaggedRecord[] | undefined = spec.collect ? [] : undefined;
  const lean = spec.format === 'csv' && spec.collect !== true;
  let text = '';
  let tagged = 0;
  let errors = 0;
  for (let r = 0; r < task.rows.length; r++) {
    const row = task.rows[r] as string[];
    let problem = rowProblem(row, spec);
    let added: string[] | undefined;
    let result: Classification | undefined;
    if (problem === undefined) {
      try {
        const narrative = row[spec.textIndex] as string;
        if (lean) {
          // CSV columns only: the decision without the contract around it (no id, checklists or evidence).
          const summary = classifier.summarize(narrative, { threshold: spec.threshold });
          if (summary.statutes.length > 0) tagged++;
          added = summaryCells(summary);
        } else {
          const id = spec.idIndex === undefined ? undefined : row[spec.idIndex] || undefined;
          result = classifier.classify(narrative, { id, threshold: spec.threshold, explain });
          if (result.suggestions.length > 0) tagged++;
          records?.push({ row: task.firstRow + r, narrative, externalId: id, classification: result });
        }
      } catch (err) {
        // The message of a classifier failure never contains the narrative (the classifier does not echo it).
        problem = `classifier failed on this row: ${(err as Error).message.split('\n')[0] ?? 'unknown error'}`;
      }
    }
    if (problem !== undefined) errors++;
    if (spec.format === 'csv') {
      const cells = row.length === width ? row : row.length < width ? [...row, ...new Array<string>(width - row.length).fill('')] : row.slice(0, width);
      added ??= result ? resultCells(result) : errorCells(classifier.taxonomyVersion, problem ?? '');
      text += formatRow(cells.concat(added), spec.delimiter) + spec.eol;
    } else {
      // No prototype: a column named "__proto__" is data (a plain object would drop it through the setter).
      const input = Object.create(null) as Record<string, string>;
      for (let i = 0; i < width; i++) input[keys[i] as string] = row[i] ?? '';
      const line: Record<string, unknown> = { row: task.firstRow + r, input };
      if (row.length > width) line.extra = row.slice(width);
      if (result) Object.assign(line, result, { error: null });
      else Object.assign(line, { taxonomyVersion: classifier.taxonomyVersion, error: problem });
      text += `${JSON.stringify(line)}\n`;
    }
  }
  return records ? { text, rows: task.rows.length, tagged, errors, records } : { text, rows: task.rows.length, tagged, errors };
}
