/** Test helpers: run the tag pipeline over a buffer with the real classifier on the main thread. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import type { Classifier } from '../../../src/classify/classifier.js';
import { loadClassifier } from '../../../src/classify/load-classifier.js';
import { tagCsv, type TagCsvOptions, type TagHooks, type TagSummary } from '../../../src/batch/tag-stream.js';
import { createInlineExecutor, type BatchExecutor } from '../../../src/batch/workers.js';

export const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'csv');

export function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURES, name));
}

let shared: Classifier | undefined;
/** One classifier per test file: loading the taxonomy takes a few hundred ms. */
export function classifier(): Classifier {
  shared ??= loadClassifier();
  return shared;
}

/** Splits a buffer into small chunks so chunk boundaries fall inside records, quotes and characters. */
export function chunked(data: Buffer, size = 7): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) parts.push(data.subarray(i, i + size));
  return Readable.from(parts, { objectMode: false });
}

export interface TagRun {
  output: string;
  summary?: TagSummary;
  error?: Error;
}

/** Tags `input` into a string; never throws (the error is returned with whatever was written). */
export async function tagBuffer(input: Buffer | string, options: TagCsvOptions = {}, executor?: BatchExecutor, hooks: TagHooks = {}, chunkSize = 7): Promise<TagRun> {
  const data = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  let output = '';
  try {
    const summary = await tagCsv(chunked(data, chunkSize), (s) => void (output += s), executor ?? createInlineExecutor(classifier()), options, hooks);
    return { output, summary };
  } catch (error) {
    return { output, error: error as Error };
  }
}

/** Parses CSV output back into rows (header first); the BOM, if any, is stripped. */
export function parseOutput(output: string, delimiter = ','): string[][] {
  const rows: string[][] = parse(output, { bom: true, delimiter, relax_column_count: true });
  return rows;
}

/** Three rows for the persist tests (CLI pipeline and HTTP): two classifiable narratives and an empty one (an error row). */
export const PERSIST_CSV = [
  'case_id,narrative',
  'A1,"She wired $4,500 after an email that posed as her bank."',
  'A2,""',
  'A3,"An attacker used a stolen password to access the company server and copied customer records."',
  '',
].join('\n');
