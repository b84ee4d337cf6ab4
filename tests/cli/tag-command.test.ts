/**
 * `tag` as users run it: the built binary in a child process, with its worker thread (`--workers 1`; a small file
 * otherwise stays on the main thread). Rows in = rows out, the same bytes whichever thread classified them, and
 * every failure is a one-line message with a non-zero exit, never a stack trace or a hang.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { OUTPUT_COLUMNS } from '../../src/batch/csv-out.js';
import { PACKAGE_ROOT } from '../../src/paths.js';

const CLI = join(PACKAGE_ROOT, 'dist', 'src', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'tag-cli-'));

function run(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'tag', ...args], { input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const NARRATIVES = [
  'She wired $4,500 after an email that posed as her bank said her account was frozen.',
  'Subj logged into the payroll server with a stolen admin password and copied 40,000 employee records.',
  'Vic reports a stranger opened three credit cards in her name using her SSN and date of birth.',
  'A neighbour shouted at the victim over a parking space; no injuries.',
  'An AI agent with mailbox access read a poisoned email, gathered invoices and sent them to an outside server.',
];

// 60 rows: a quoted field with a comma, quote and line break among them, so the pool path sees real CSV.
const rows = Array.from({ length: 60 }, (_, i) => [`case-${i + 1}`, i === 7 ? 'Said "pay now", then\nhung up; she wired $900.' : (NARRATIVES[i % NARRATIVES.length] as string)]);
const csv = `case_id,narrative\n${rows.map(([id, n]) => `${id},"${(n as string).replaceAll('"', '""')}"`).join('\n')}\n`;
const input = join(dir, 'cases.csv');
writeFileSync(input, csv);

describe('ai-crime-classifier tag', () => {
  it('tags every row through a worker thread: input columns, then the statute columns', () => {
    const output = join(dir, 'out-worker.csv');
    const r = run([input, '-o', output, '--workers', '1']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^text column: "narrative" \(detected/);
    expect(r.stderr).toMatch(/tagged 60 rows in .*: \d+ with a statute, 0 errors/);
    const out = parse(readFileSync(output, 'utf8'));
    expect(out[0]).toEqual(['case_id', 'narrative', ...OUTPUT_COLUMNS]);
    expect(out).toHaveLength(61);
    expect(out.slice(1).map((row) => row.slice(0, 2))).toEqual(rows);
    const statutes = (i: number): string => out[i + 1]?.[2] ?? '';
    expect(statutes(0)).toContain('1343');
    expect(statutes(1)).toContain('1030');
    expect(statutes(3)).toBe('');
  });

  it('writes the same bytes whether the worker or the main thread classifies, file or stdout', () => {
    const viaWorker = join(dir, 'out-a.csv');
    const inline = join(dir, 'out-b.csv');
    expect(run([input, '-o', viaWorker, '--workers', '1']).code).toBe(0);
    expect(run([input, '-o', inline, '--workers', '0']).code).toBe(0);
    const piped = run(['-', '-o', '-', '--workers', '1'], csv);
    expect(piped.code).toBe(0);
    expect(readFileSync(viaWorker, 'utf8')).toBe(readFileSync(inline, 'utf8'));
    expect(piped.stdout).toBe(readFileSync(inline, 'utf8'));
  });

  it('fails in one line, without waiting on its workers, when the taxonomy is broken', () => {
    const broken = mkdtempSync(join(tmpdir(), 'tax-'));
    mkdirSync(join(broken, 'lexicons'));
    writeFileSync(join(broken, 'cautions.yaml'), 'kind: cautions\ncautions: []\n');
    const r = run([input, '-o', join(dir, 'never.csv'), '--workers', '1', '--taxonomy', broken]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/taxonomy is invalid/);
    expect(r.stderr).toMatch(/cautions\.yaml → cautions: /);
    expect(r.stderr).not.toMatch(/\bat .+\(.+:\d+:\d+\)/);
  });

  it('names the columns it found when the text column is missing', () => {
    const r = run([input, '-o', join(dir, 'never.csv'), '--workers', '1', '--text-column', 'story']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('ai-crime-classifier: CSV_MISSING_COLUMN: no column "story" in the header; columns found: "case_id", "narrative"');
  });
});
