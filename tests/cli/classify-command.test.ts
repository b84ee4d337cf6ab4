/**
 * The CLI as users run it: the built binary in a child process (npm ci runs `prepare`, which builds dist/).
 * Output is the contract JSON; every failure is one line on stderr with a non-zero exit and no stack trace.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClassificationSchema } from '../../src/classify/result-schema.js';
import { PACKAGE_ROOT } from '../../src/paths.js';

const CLI = join(PACKAGE_ROOT, 'dist', 'src', 'cli.js');

function run(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const WIRE = 'She wired $4,500 after an email that posed as her bank said her account was frozen.';

describe('ai-crime-classifier classify', () => {
  it('prints the contract for a narrative given as an argument', () => {
    const r = run(['classify', WIRE]);
    expect(r.code).toBe(0);
    const result = ClassificationSchema.parse(JSON.parse(r.stdout));
    expect(result.suggestions.map((s) => s.statute)).toContain('1343');
    expect(r.stderr).toBe('');
  });

  it('reads the narrative from stdin and honours --id and --no-evidence', () => {
    const r = run(['classify', '--id', 'case-7', '--no-evidence'], WIRE);
    expect(r.code).toBe(0);
    const result = ClassificationSchema.parse(JSON.parse(r.stdout));
    expect(result.id).toBe('case-7');
    expect(result.suggestions.every((s) => s.evidence.length === 0)).toBe(true);
  });

  it('writes one line per JSONL input line, in order, with error lines for bad input', () => {
    const input = [JSON.stringify({ id: 'a', narrative: WIRE }), '{not json', JSON.stringify({ narrative: '' }), '', JSON.stringify({ narrative: WIRE })].join('\n');
    const r = run(['classify', '--jsonl'], input);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(4);
    expect(lines[0]?.id).toBe('a');
    expect(lines[1]).toEqual({ line: 2, error: 'not valid JSON' });
    expect(String(lines[2]?.error)).toMatch(/^narrative: /);
    expect(lines[3]?.id).toBe('line-5');
  });

  it.each([
    [['classify', '--bogus', 'x'], /Unknown option '--bogus'/],
    [['classify', '--threshold', '5', 'x'], /--threshold must be a number between 0 and 1/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])('fails with one line and exit 2 for %j', (args, message) => {
    const r = run(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\bat .+\(.+:\d+:\d+\)/); // no stack frames
  });

  it('refuses empty input', () => {
    const r = run(['classify'], '   \n');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the narrative is empty/);
  });
});

/** Runs a node script, reads its stdout until the first chunk, then closes the pipe as `| head -1` does. */
function readFirstChunkThenClose(args: string[], input: string): Promise<{ code: number | null; first: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let first = '';
    let stderr = '';
    child.stdout.once('data', (chunk: Buffer) => {
      first = chunk.toString('utf8');
      child.stdout.destroy();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, first, stderr }));
    child.stdin.on('error', () => undefined); // the child may exit before reading all its input
    child.stdin.end(input);
  });
}

describe('a reader that stops early (`| head`)', () => {
  it('ends classify --jsonl quietly with exit 0, no stack trace', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ id: `c${i}`, narrative: WIRE })).join('\n');
    const r = await readFirstChunkThenClose([CLI, 'classify', '--jsonl'], lines);
    expect(r.first).toMatch(/^\{"id":"c0"/);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('ai-crime-classifier taxonomy validate', () => {
  it('prints the version of the shipped taxonomy', () => {
    const r = run(['taxonomy', 'validate']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^taxonomy ok: version [0-9a-f]{16}, 3 statute files/);
  });

  it('exits 3 and names the file and path of a broken taxonomy', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tax-'));
    mkdirSync(join(dir, 'lexicons'));
    writeFileSync(join(dir, 'cautions.yaml'), 'kind: cautions\ncautions: []\n');
    const r = run(['taxonomy', 'validate', dir]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cautions\.yaml → cautions: /);
    expect(r.stderr).not.toMatch(/\bat .+\(.+:\d+:\d+\)/);
  });
});
