import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OUTPUT_COLUMNS } from '../../src/batch/csv-out.js';
import type { CsvDelimiter } from '../../src/batch/csv-in.js';
import { parseOutput, tagBuffer } from './helpers/tag.js';

const DELIMITERS: CsvDelimiter[] = [',', ';', '\t', '|'];

/** The oracle, written independently of the code under test: OWASP's first-character rule. */
const neutral = (v: string): string => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);

/** Characters that stress quoting, delimiters, line breaks, formula prefixes and multi-byte encoding. */
const cellChar = fc.constantFrom(...'aZ09 ,;|\t"\n\r=+-@\'é€—😀'.match(/./gsu) as string[]);
const cell = fc.array(cellChar, { maxLength: 12 }).map((cs) => cs.join(''));

/** Writes a table as CSV the way spreadsheets do: quotes only where needed, CRLF or LF. */
function writeCsv(rows: string[][], delimiter: string, eol: string): string {
  const q = (v: string): string => (v.includes(delimiter) || /["\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  return rows.map((r) => (r.length === 1 && r[0] === '' ? '""' : r.map(q).join(delimiter))).join(eol) + eol;
}

describe('tagCsv properties', () => {
  it('preserves the row count and every input column (neutralised) when the CSV is random', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }).chain((width) =>
          fc.record({
            width: fc.constant(width),
            header: fc.array(cell, { minLength: width, maxLength: width }),
            rows: fc.array(fc.array(cell, { minLength: width, maxLength: width }), { maxLength: 15 }),
            textIndex: fc.integer({ min: 0, max: width - 1 }),
            delimiter: fc.constantFrom(...DELIMITERS),
            eol: fc.constantFrom('\n', '\r\n'),
            chunk: fc.integer({ min: 1, max: 64 }),
            batchRows: fc.integer({ min: 1, max: 8 }),
          }),
        ),
        async ({ header, rows, textIndex, delimiter, eol, chunk, batchRows }) => {
          // A header cell that is not unique would make the named text column ambiguous; the name is not the point here.
          const names = header.map((h, i) => (i === textIndex ? `text_${i}` : h));
          const input = writeCsv([names, ...rows], delimiter, eol);
          const run = await tagBuffer(input, { delimiter, textColumn: `text_${textIndex}`, batchRows }, undefined, {}, chunk);
          expect(run.error).toBeUndefined();
          const out = parseOutput(run.output, delimiter);
          expect(out).toHaveLength(rows.length + 1);
          expect(out[0]).toEqual([...names.map(neutral), ...OUTPUT_COLUMNS]);
          out.slice(1).forEach((r, i) => {
            expect(r.slice(0, names.length)).toEqual((rows[i] as string[]).map(neutral));
            expect(r).toHaveLength(names.length + OUTPUT_COLUMNS.length);
          });
          expect(run.summary?.rows).toBe(rows.length);
        },
      ),
      { numRuns: 150 },
    );
  });
});
