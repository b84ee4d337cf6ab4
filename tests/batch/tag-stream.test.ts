import { describe, expect, it } from 'vitest';
import { OUTPUT_COLUMNS } from '../../src/batch/csv-out.js';
import { CsvInputError } from '../../src/batch/csv-in.js';
import { TagStreamError } from '../../src/batch/tag-stream.js';
import { classifier, fixture, parseOutput, tagBuffer } from './helpers/tag.js';

const ADDED = [...OUTPUT_COLUMNS];
const col = (name: (typeof OUTPUT_COLUMNS)[number], header: string[]): number => header.length - ADDED.length + ADDED.indexOf(name);

describe('tagCsv round trips on fixtures', () => {
  it('keeps every input column in order and appends the result columns when the input is plain CSV', async () => {
    const run = await tagBuffer(fixture('crlf.csv'));
    expect(run.error).toBeUndefined();
    const rows = parseOutput(run.output);
    expect(rows[0]).toEqual(['case_id', 'narrative', 'agency', ...ADDED]);
    expect(rows.map((r) => r[0])).toEqual(['case_id', 'C1', 'C2']);
    expect(rows[1]?.[2]).toBe('FBI');
    const header = rows[0] as string[];
    expect(rows[1]?.[col('statutes', header)]).toContain('1343');
    expect(rows[1]?.[col('taxonomy_version', header)]).toBe(classifier().taxonomyVersion);
    expect(rows[1]?.[col('error', header)]).toBe('');
    expect(run.summary).toMatchObject({ rows: 2, errors: 0 });
  });

  it('writes CRLF line endings when the input uses CRLF', async () => {
    const run = await tagBuffer(fixture('crlf.csv'));
    expect(run.output.split('\r\n')).toHaveLength(4);
    expect(run.output.replaceAll('\r\n', '')).not.toContain('\n');
  });

  it('strips the BOM from the first column name and writes one back when the input has a BOM', async () => {
    const run = await tagBuffer(fixture('bom.csv'));
    expect(run.output.startsWith('\uFEFFcase_id,narrative,')).toBe(true);
    expect(run.summary?.columns.text.name).toBe('narrative');
    expect(parseOutput(run.output)).toHaveLength(3);
  });

  it('keeps quoted newlines and doubled quotes intact when fields span lines', async () => {
    const run = await tagBuffer(fixture('quoted-newlines.csv'));
    const rows = parseOutput(run.output);
    expect(rows).toHaveLength(3);
    expect(rows[1]?.[1]).toBe('The victim said: "I never gave them my password."\nThen, on a second line, she added that\nthe subject logged into her bank account and wired $9,000 to an account overseas.');
    expect(rows[2]?.[1]).toBe('One line, with a comma and a "quote"');
  });

  it.each([
    ['semicolon.csv', ';', ['case_id', 'narrative', 'amount'], ['C2', 'A note; with a semicolon inside quotes', '12,50']],
    ['tab.tsv', '\t', ['case_id', 'narrative', 'agency'], ['C2', 'A note, with commas, and no tabs', 'IC3']],
  ])('detects the delimiter and writes the output with it when the input is %s', async (name, delimiter, header, lastRow) => {
    const run = await tagBuffer(fixture(name));
    expect(run.summary?.columns.dialect).toMatchObject({ delimiter, delimiterDetected: true });
    const rows = parseOutput(run.output, delimiter);
    expect(rows[0]?.slice(0, 3)).toEqual(header);
    expect(rows[2]?.slice(0, 3)).toEqual(lastRow);
    expect(rows[1]?.[3]).toContain('1343');
  });

  it('uses the given delimiter when it is passed explicitly, even against the header', async () => {
    const run = await tagBuffer('a;b,notes\nx;y,She wired $4500 to a stranger after an email.\n', { delimiter: ';' });
    expect(run.error).toBeInstanceOf(CsvInputError);
    expect((run.error as CsvInputError).code).toBe('CSV_MISSING_COLUMN');
    expect(run.error?.message).toContain('columns found: "a", "b,notes"');
  });

  it('writes only the header when the input is header-only', async () => {
    const run = await tagBuffer(fixture('header-only.csv'));
    expect(run.error).toBeUndefined();
    expect(run.output).toBe(`case_id,narrative,agency,${ADDED.join(',')}\n`);
    expect(run.summary).toMatchObject({ rows: 0, tagged: 0, errors: 0 });
  });

  it('decodes latin-1 bytes when --encoding latin1 is given', async () => {
    const run = await tagBuffer(fixture('latin1.csv'), { encoding: 'latin1' });
    const rows = parseOutput(run.output);
    expect(rows[1]?.[1]).toBe('Herr Müller sagte, the café owner wired £4,500 after an email that posed as his bank.');
  });

  it('shows replacement characters (not a crash) when latin-1 bytes are read as UTF-8', async () => {
    const run = await tagBuffer(fixture('latin1.csv'));
    expect(run.error).toBeUndefined();
    expect(parseOutput(run.output)[1]?.[1]).toContain('M\uFFFDller');
  });

  it('decodes windows-1252 punctuation when --encoding windows-1252 is given', async () => {
    const bytes = Buffer.concat([Buffer.from('id,narrative\n1,She said \x93wire it\x94 and I did\n', 'latin1')]);
    const run = await tagBuffer(bytes, { encoding: 'windows-1252' });
    expect(parseOutput(run.output)[1]?.[1]).toBe('She said \u201cwire it\u201d and I did');
  });

  it('reads UTF-16LE with a byte order mark (Excel "Unicode text")', async () => {
    const text = 'id\tnarrative\n1\tShe wired $4500 after an email that posed as her bank.\n';
    const run = await tagBuffer(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    expect(run.error).toBeUndefined();
    const rows = parseOutput(run.output, '\t');
    expect(rows[1]?.slice(0, 2)).toEqual(['1', 'She wired $4500 after an email that posed as her bank.']);
  });

  it('fails naming the line, with nothing written, when a quote is never closed in a small file', async () => {
    const run = await tagBuffer(fixture('unclosed-quote.csv'));
    expect(run.error).toBeInstanceOf(CsvInputError);
    expect(run.error).not.toBeInstanceOf(TagStreamError);
    expect((run.error as CsvInputError).code).toBe('CSV_MALFORMED');
    expect((run.error as CsvInputError).line).toBe(3);
    expect(run.error?.message).toMatch(/^unclosed quote: a quoted field that begins after line 2 is still open at the end of the file \(line 4\)/);
    expect(run.output).toBe('');
  });

  it('keeps the rows before an unclosed quote and ends with an error row when output has begun', async () => {
    const good = Array.from({ length: 40 }, (_, i) => `C${i},Row ${i} about a stolen password used to log in.\n`).join('');
    const run = await tagBuffer(`case_id,narrative\n${good}C40,"never closed\nmore text\n`, { batchRows: 4 });
    expect(run.error).toBeInstanceOf(TagStreamError);
    expect((run.error as TagStreamError).progress.rows).toBe(40);
    const rows = parseOutput(run.output);
    expect(rows).toHaveLength(42);
    const last = rows[41] as string[];
    expect(last.slice(0, 2)).toEqual(['', '']);
    expect(last.at(-1)).toMatch(/^CSV_MALFORMED: unclosed quote: a quoted field that begins after line 41 .*the rows after this point were not processed$/);
  });

  it('refuses binary data naming the line, with nothing written, when the input is an .xlsx', async () => {
    const run = await tagBuffer(fixture('binary.xlsx'));
    expect(run.error).toBeInstanceOf(CsvInputError);
    expect(run.error?.message).toMatch(/^binary data at line 1: the input contains NUL bytes/);
    expect(run.output).toBe('');
  });

  it('names the line of a NUL byte found further down the file', async () => {
    const run = await tagBuffer(Buffer.from('id,narrative\n1,ok\n2,also ok\n3,bad \0 byte\n'));
    expect((run.error as CsvInputError).line).toBe(4);
  });

  it('writes mismatched rows with an error, padded or trimmed to the header, when the column count differs', async () => {
    const run = await tagBuffer(fixture('column-mismatch.csv'));
    const rows = parseOutput(run.output);
    const header = rows[0] as string[];
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.length === header.length)).toBe(true);
    expect(rows[1]?.[col('error', header)]).toBe('');
    expect(rows[2]?.slice(0, 3)).toEqual(['C2', 'Too few fields', '']);
    expect(rows[2]?.[col('error', header)]).toBe('column count mismatch: expected 3 fields, found 2; the missing fields are written empty');
    expect(rows[2]?.[col('statutes', header)]).toBe('');
    expect(rows[4]?.[col('error', header)]).toBe('column count mismatch: expected 3 fields, found 5; the extra fields are ["from her \\"bank\\"","extra"]');
    expect(run.summary).toMatchObject({ rows: 4, errors: 2 });
  });

  it('writes an error row when the narrative is empty or blank', async () => {
    const run = await tagBuffer(fixture('empty-narrative.csv'));
    const rows = parseOutput(run.output);
    const header = rows[0] as string[];
    expect(rows.slice(1).map((r) => r[col('error', header)])).toEqual(['empty narrative in column "narrative"', 'empty narrative in column "narrative"', '']);
    expect(rows[3]?.[col('statutes', header)]).toContain('1343');
  });

  it('writes the over-long narrative unchanged with an error when it exceeds the limit', async () => {
    const long = `She wired money. ${'x'.repeat(200)}`;
    const run = await tagBuffer(`id,narrative\n1,${long}\n2,short and fine\n`, { maxTextChars: 100 });
    const rows = parseOutput(run.output);
    const header = rows[0] as string[];
    expect(rows[1]?.[1]).toBe(long);
    expect(rows[1]?.[col('error', header)]).toBe(`narrative too long: ${long.length} characters in column "narrative"; the limit is 100`);
    expect(rows[2]?.[col('error', header)]).toBe('');
  });

  it('stops with CSV_MALFORMED naming the line when one record exceeds the parser limit', async () => {
    const run = await tagBuffer(`id,narrative\n1,short\n2,${'y'.repeat(500)}\n`, { maxRecordChars: 100 });
    expect((run.error as CsvInputError).code).toBe('CSV_MALFORMED');
    expect(run.error?.message).toMatch(/^record too large at line 3/);
  });

  it('lists the columns found when no narrative column can be detected', async () => {
    const run = await tagBuffer(fixture('missing-column.csv'));
    expect(run.error).toBeInstanceOf(CsvInputError);
    expect((run.error as CsvInputError).code).toBe('CSV_MISSING_COLUMN');
    expect((run.error as CsvInputError).columns).toEqual(['case_id', 'reported_at', 'agency']);
    expect(run.error?.message).toContain('columns found: "case_id", "reported_at", "agency"');
    expect(run.output).toBe('');
  });

  it('reports which column it detected when the header uses another common name', async () => {
    const seen: string[] = [];
    const run = await tagBuffer(fixture('detected-column.csv'), {}, undefined, { onHeader: (info) => void seen.push(`${info.text.name}:${info.text.source}`) });
    expect(seen).toEqual(['Incident Description:detected']);
    expect(parseOutput(run.output)[1]?.[3]).toContain('1343');
  });

  it('neutralises cells that a spreadsheet would run as formulas', async () => {
    const run = await tagBuffer(fixture('formula-injection.csv'));
    const rows = parseOutput(run.output);
    expect(rows[1]?.slice(0, 3)).toEqual(["'=HYPERLINK(\"http://evil.example\")", 'She wired $4500 after an email that posed as her bank said her account was frozen.', "'+1 555 0100"]);
    expect(rows[2]?.slice(0, 3)).toEqual(["'@SUM(A1:A2)", "'-2+3 people called", "'\tleading tab"]);
    expect(rows[3]?.slice(0, 3)).toEqual(['C4', "'\rleading carriage return", 'safe text']);
    for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('skips blank lines rather than counting them as rows', async () => {
    const run = await tagBuffer('id,narrative\n\n1,She wired money after an email.\n\n\n2,Another case.\n\n');
    expect(parseOutput(run.output).map((r) => r[0])).toEqual(['id', '1', '2']);
  });

  it('writes the full contract and the input columns per line when the format is jsonl', async () => {
    const run = await tagBuffer(fixture('column-mismatch.csv'), { format: 'jsonl', idColumn: 'case_id' });
    const lines = run.output.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({ row: 1, id: 'C1', input: { case_id: 'C1', agency: 'FBI' }, error: null, priority: expect.any(String) as string });
    expect((lines[0]?.suggestions as { statute: string }[]).map((s) => s.statute)).toContain('1343');
    expect(lines[1]).toMatchObject({ row: 2, input: { case_id: 'C2', narrative: 'Too few fields', agency: '' }, error: expect.stringMatching(/^column count mismatch/) as string });
    expect(lines[3]?.extra).toEqual(['from her "bank"', 'extra']);
  });

  it('carries the threshold to the classifier when one is given', async () => {
    const text = 'id,narrative\n1,She wired $4500 after an email that posed as her bank said her account was frozen.\n';
    const strict = parseOutput((await tagBuffer(text, { threshold: 1 })).output);
    const loose = parseOutput((await tagBuffer(text, { threshold: 0.1 })).output);
    expect(strict[1]?.[2]).toBe('');
    expect(loose[1]?.[2]).toContain('1343');
  });

  it('keeps the order and every row when batches are tiny and chunks split records', async () => {
    const body = Array.from({ length: 101 }, (_, i) => `R${i},"Case ${i}: she wired $${i}00, after an email"`).join('\n');
    const run = await tagBuffer(`id,narrative\n${body}\n`, { batchRows: 3 }, undefined, {}, 5);
    expect(parseOutput(run.output).slice(1).map((r) => r[0])).toEqual(Array.from({ length: 101 }, (_, i) => `R${i}`));
  });

  it('resumes after the given rows without a header and continues the counts', async () => {
    const body = Array.from({ length: 10 }, (_, i) => `R${i},Case ${i} about a stolen password.`).join('\n');
    const run = await tagBuffer(`id,narrative\n${body}\n`, { resume: { rows: 6, tagged: 1, errors: 2 } });
    const rows = parseOutput(run.output);
    expect(rows.map((r) => r[0])).toEqual(['R6', 'R7', 'R8', 'R9']);
    expect(run.summary).toMatchObject({ rows: 10, errors: 2 });
  });

  it('fails with CSV_MALFORMED when the input is empty', async () => {
    const run = await tagBuffer('');
    expect((run.error as CsvInputError).code).toBe('CSV_MALFORMED');
    expect(run.error?.message).toBe('the CSV is empty: there is no header row');
  });
});
