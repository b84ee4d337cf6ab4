/**
 * Hostile CSV: whatever the bytes, the batch pipeline ends with a result (bad rows as error rows) or one
 * CsvInputError naming the problem — never another exception, a hang, or memory that grows with the input.
 * Sizes are bounded (small maxRecordChars, a few MB at most) so the file runs in seconds.
 */
import { Readable } from 'node:stream';
import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CsvInputError } from '../../src/batch/csv-in.js';
import { tagCsv, type TagCsvOptions } from '../../src/batch/tag-stream.js';
import { createInlineExecutor } from '../../src/batch/workers.js';
import { ProblemSchema } from '../../src/http/problem.js';
import { batchApp, tempDir, type BatchApp } from '../batch/helpers/http.js';
import { classifier, parseOutput, tagBuffer } from '../batch/helpers/tag.js';

const NARRATIVE = 'She wired $4,500 after an email that posed as her bank said her account was frozen.';
/** What no error message may contain: a stack frame or a source path. */
const LEAK = /\bat [\w.<>]+ \(|\.ts:\d+|\.js:\d+|node_modules|\/work\//;

/** The only acceptable failure: a CsvInputError with a catalog code, a short one-line message and no stack or path. */
function expectCleanFailure(error: Error | undefined): void {
  if (error === undefined) return;
  expect(error, `${error.name}: ${error.message.slice(0, 300)}`).toBeInstanceOf(CsvInputError);
  const e = error as CsvInputError;
  expect(['CSV_MALFORMED', 'CSV_MISSING_COLUMN']).toContain(e.code);
  expect(e.message).not.toMatch(LEAK);
  expect(e.message.length).toBeLessThan(4096);
}

/** A source that yields `chunks` lazily and counts how many were pulled, to show the parser stopped early. */
function countingSource(total: number, chunk: (i: number) => Buffer): { source: AsyncIterable<Buffer>; pulled: () => number } {
  let pulled = 0;
  return {
    pulled: () => pulled,
    source: Readable.from(
      (function* () {
        for (let i = 0; i < total; i++) {
          pulled++;
          yield chunk(i);
        }
      })(),
      { objectMode: false, highWaterMark: 1 },
    ),
  };
}

async function tagSource(source: AsyncIterable<Buffer>, options: TagCsvOptions = {}): Promise<{ output: string; error?: Error; rows?: number }> {
  let output = '';
  try {
    const s = await tagCsv(source, (t) => void (output += t), createInlineExecutor(classifier()), options);
    return { output, rows: s.rows };
  } catch (error) {
    return { output, error: error as Error };
  }
}

describe('CSV fuzz', () => {
  it('ends with rows or a clean CsvInputError when the input is random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 1, max: 64 }), async (bytes, chunk) => {
        const run = await tagBuffer(Buffer.from(bytes), {}, undefined, {}, chunk);
        expectCleanFailure(run.error);
      }),
      { numRuns: 300 },
    );
  });

  it('ends with rows or a clean CsvInputError when random bytes follow a valid header', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), fc.constantFrom<('csv' | 'jsonl')[]>('csv', 'jsonl'), async (bytes, format) => {
        const run = await tagBuffer(Buffer.concat([Buffer.from('id,narrative\n'), Buffer.from(bytes)]), { format }, undefined, {}, 13);
        expectCleanFailure(run.error);
      }),
      { numRuns: 200 },
    );
  });

  it('writes one output row per input row, bad ones as error rows, when the text is made of CSV syntax', async () => {
    const syntax = fc.array(fc.constantFrom('"', '""', ',', '\n', '\r\n', '\r', 'a', 'wired', ' ', ';', '\t', '\u00e9', '\ufeff'), { maxLength: 80 }).map((p) => p.join(''));
    await fc.assert(
      fc.asyncProperty(syntax, async (body) => {
        const run = await tagBuffer(`id,narrative\n${body}`, {}, undefined, {}, 5);
        expectCleanFailure(run.error);
        if (!run.error) {
          const out = parseOutput(run.output);
          expect(out.length - 1).toBe(run.summary?.rows);
          const errorCol = out[0]?.indexOf('error') ?? -1;
          expect(errorCol).toBeGreaterThan(-1);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never fails otherwise when a valid file is cut at any byte', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => `${i},"${NARRATIVE.replace('email', 'e""mail,\nwith a break')}",x${i}`);
    const full = Buffer.from(`id,narrative,other\r\n${rows.join('\r\n')}\r\n`, 'utf8');
    for (let cut = 0; cut <= full.length; cut += 7) {
      const run = await tagBuffer(full.subarray(0, cut), {}, undefined, {}, 11);
      expectCleanFailure(run.error);
      if (!run.error) expect(run.summary?.rows ?? 0).toBeLessThanOrEqual(rows.length);
    }
  });

  it('stops with CSV_MALFORMED, without reading the rest, when one field is larger than maxRecordChars', async () => {
    // An unclosed quote makes the rest of a 64 MB file one field: the parser must give up at the limit.
    const total = 1024;
    const src = countingSource(total, (i) => Buffer.from(i === 0 ? `id,narrative\n1,"${'x'.repeat(65_522)}` : 'x'.repeat(65_536)));
    const run = await tagSource(src.source, { maxRecordChars: 1024 * 1024 });
    expect(run.error).toBeInstanceOf(CsvInputError);
    expect((run.error as CsvInputError).code).toBe('CSV_MALFORMED');
    expect(run.error?.message).toMatch(/record too large at line 2/);
    expect(src.pulled()).toBeLessThan(40);
  });

  it('turns a huge quoted narrative into an error row when it is under the record limit but over the narrative limit', async () => {
    const huge = 'w'.repeat(300_000);
    const run = await tagBuffer(`id,narrative\n1,"${huge}"\n2,"${NARRATIVE}"\n`, { maxTextChars: 100_000 }, undefined, {}, 65_536);
    expect(run.error).toBeUndefined();
    const out = parseOutput(run.output);
    expect(out).toHaveLength(3);
    const errorCol = out[0]?.indexOf('error') ?? -1;
    expect(out[1]?.[errorCol]).toMatch(/narrative too long: 300000 characters/);
    expect(out[2]?.[errorCol]).toBe('');
  });

  it('answers CSV_MISSING_COLUMN with a bounded message when the header has a million columns', async () => {
    // Mostly empty names keep the parse under a second; the named ones show the listing is cut.
    const header = Buffer.from(`${Array.from({ length: 1000 }, (_, i) => `column_${'x'.repeat(i)}`).join(',')}${','.repeat(999_000)}\n`);
    const run = await tagBuffer(Buffer.concat([header, Buffer.from('1,2\n')]), {}, undefined, {}, 65_536);
    expect(run.error).toBeInstanceOf(CsvInputError);
    expect((run.error as CsvInputError).code).toBe('CSV_MISSING_COLUMN');
    expect(run.error?.message.length).toBeLessThan(4096);
    expect(run.error?.message).toMatch(/1000000 columns/);
  }, 60_000);

  it('writes error rows, not a crash, when a header of 200,000 columns has a narrative column', async () => {
    const n = 200_000;
    const header = `${Array.from({ length: n }, (_, i) => `c${i}`).join(',')},narrative\n`;
    const row = `${','.repeat(n)}"${NARRATIVE}"\n`;
    const run = await tagBuffer(`${header}${row}1,2\n`, {}, undefined, {}, 65_536);
    expect(run.error).toBeUndefined();
    expect(run.summary?.rows).toBe(2);
    expect(run.summary?.errors).toBe(1);
  }, 60_000);

  it.each([
    ['a run of 100,000 quotes', '"'.repeat(100_000)],
    ['a run of 100,001 quotes', '"'.repeat(100_001)],
    ['doubled quotes inside a quoted field', `"${'""'.repeat(50_000)}"`],
    ['quote-comma-quote patterns', '","'.repeat(30_000)],
    ['nested-looking quotes', `"${'"a"'.repeat(30_000)}"`],
    ['quotes and line breaks alternating', '"\n'.repeat(50_000)],
    ['a quote after text in an unquoted field', `He said "stop${' "x'.repeat(30_000)}`],
  ])('ends with rows or a clean CsvInputError when a narrative is %s', async (_name, field) => {
    const run = await tagBuffer(`id,narrative\n1,${field}\n2,${NARRATIVE}\n`, {}, undefined, {}, 4096);
    expectCleanFailure(run.error);
  });
});

describe('CSV fuzz over HTTP', () => {
  let b: BatchApp;
  let cleanup: () => void;
  beforeAll(() => {
    const t = tempDir();
    cleanup = t.cleanup;
    b = batchApp(t.dir, { maxUploadBytes: 64 * 1024 });
  });
  afterAll(async () => {
    await b.batches.close();
    cleanup();
  });

  it('answers 200 or a catalogued 4xx problem, never a 500, when a CSV upload is random', async () => {
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)),
      fc.string({ maxLength: 300 }).map((s) => Buffer.from(`narrative,id\n${s}`)),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('/v1/batch/csv', '/v1/batches'), async (data, path) => {
        const res = await request(b.app).post(path).set('content-type', 'text/csv').send(data.toString('latin1'));
        expect([200, 202, 400, 413, 415], res.text.slice(0, 200)).toContain(res.status);
        if (res.status >= 400) {
          expect(ProblemSchema.safeParse(res.body).success).toBe(true);
          expect(res.text).not.toMatch(LEAK);
        }
      }),
      { numRuns: 80 },
    );
    await b.batches.runner.idle();
    for (const job of b.batches.jobs.list(['failed'])) expect(['CSV_MALFORMED', 'CSV_MISSING_COLUMN']).toContain(job.error?.code);
    expect(b.batches.jobs.list(['receiving', 'queued', 'running'])).toEqual([]);
  });
});

describe('CSV columns named like prototype keys', () => {
  it('keeps __proto__ and constructor columns as data and leaves Object.prototype untouched when the output is JSONL', async () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    const run = await tagBuffer(`narrative,__proto__,constructor,prototype\n"${NARRATIVE}","{""polluted"":1}",x,y\n`, { format: 'jsonl' });
    expect(run.error).toBeUndefined();
    const line = JSON.parse(run.output.trim()) as { input: Record<string, string> };
    expect(Object.getOwnPropertyNames(line.input)).toEqual(['narrative', '__proto__', 'constructor', 'prototype']);
    expect(Object.getOwnPropertyDescriptor(line.input, '__proto__')?.value).toBe('{"polluted":1}');
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
