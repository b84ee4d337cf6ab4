import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHybridExecutor, createInlineExecutor, createWorkerPool, type BatchExecutor } from '../../src/batch/workers.js';
import { buildWorker, removeBuiltWorker } from './helpers/build-worker.js';
import { classifier, tagBuffer } from './helpers/tag.js';

const NARRATIVES = [
  'She wired $4500 after an email that posed as her bank said her account was frozen.',
  'The former employee kept using his old password after termination to download client lists.',
  'An AI voice clone of the CEO instructed the controller to send a wire transfer to a new vendor.',
  'Police received a routine noise complaint that had nothing to do with computers.',
  '',
];

function sample(rows: number): string {
  const lines = Array.from({ length: rows }, (_, i) => `R${i},"${NARRATIVES[i % NARRATIVES.length] as string} (case ${i})",x`);
  return `id,narrative,agency\n${lines.join('\n')}\nR${rows},short,row,with,extra\n`;
}

describe('worker pool', () => {
  let workerUrl: URL;
  let pool: BatchExecutor;

  beforeAll(async () => {
    workerUrl = buildWorker();
    pool = await createWorkerPool({ size: 2, workerUrl, expectedVersion: classifier().taxonomyVersion });
  }, 60_000);

  afterAll(async () => {
    await pool?.close();
    removeBuiltWorker();
  });

  it('produces byte-identical output to the main thread, in input order, when batches spread over two workers', async () => {
    const input = sample(300);
    const inline = await tagBuffer(input, { batchRows: 7 }, createInlineExecutor(classifier()), {}, 4096);
    const pooled = await tagBuffer(input, { batchRows: 7 }, pool, {}, 4096);
    expect(pool.mode).toBe('workers');
    expect(pool.parallelism).toBe(2);
    expect(pooled.error).toBeUndefined();
    expect(pooled.output).toBe(inline.output);
    expect(pooled.summary).toMatchObject({ rows: 301, errors: inline.summary?.errors });
  });

  it('keeps two streams apart when they share the pool at the same time', async () => {
    const [a, b] = await Promise.all([tagBuffer(sample(60), { batchRows: 5 }, pool), tagBuffer(sample(90), { batchRows: 3, format: 'jsonl' }, pool)]);
    expect(a.summary?.rows).toBe(61);
    expect(b.output.trimEnd().split('\n').map((l) => (JSON.parse(l) as { row: number }).row)).toEqual(Array.from({ length: 91 }, (_, i) => i + 1));
  });

  it('shares batches between the workers and the main thread, in order, when the executor is hybrid', async () => {
    let toPool = 0;
    const counting: BatchExecutor = { ...pool, run: (task) => (toPool++, pool.run(task)) };
    const hybrid = createHybridExecutor(classifier(), counting);
    expect(hybrid.parallelism).toBe(3);
    const input = sample(300);
    const run = await tagBuffer(input, { batchRows: 5 }, hybrid, {}, 4096);
    const batches = Math.ceil(301 / 5);
    expect(toPool).toBeGreaterThan(0);
    expect(toPool).toBeLessThan(batches);
    expect(run.output).toBe((await tagBuffer(input, { batchRows: 5 }, createInlineExecutor(classifier()), {}, 4096)).output);
  });

  it('refuses to start when the workers load another taxonomy version than the main thread', async () => {
    await expect(createWorkerPool({ size: 1, workerUrl, expectedVersion: 'not-this-one' })).rejects.toThrow(/batch workers loaded taxonomy version [0-9a-f]+ but this process runs not-this-one/);
  });

  it('refuses to start with the loader message when the taxonomy directory is wrong', async () => {
    await expect(createWorkerPool({ size: 1, workerUrl, taxonomyDir: '/nonexistent/taxonomy' })).rejects.toThrow(/batch worker could not load the taxonomy/);
  });

  it('rejects new batches when the pool is closed', async () => {
    const p = await createWorkerPool({ size: 1, workerUrl });
    await p.close();
    await expect(p.run({ spec: { format: 'csv', header: ['n'], textIndex: 0, idIndex: undefined, delimiter: ',', eol: '\n', threshold: undefined, maxTextChars: 10 }, rows: [['x']], firstRow: 1 })).rejects.toThrow('the batch worker pool is closed');
  });
});
