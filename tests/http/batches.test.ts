import { existsSync, rmSync } from 'node:fs';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { jobFiles } from '../../src/batch/job-runner.js';
import { JOB_STATES } from '../../src/batch/job-store.js';
import { createInlineExecutor, type BatchExecutor } from '../../src/batch/workers.js';
import type { BatchJob } from '../../src/http/routes/batches.js';
import { batchApp, tempDir, type BatchApp } from '../batch/helpers/http.js';
import { classifier, fixture, parseOutput, tagBuffer } from '../batch/helpers/tag.js';

const csv = (rows: number, tail = ''): string =>
  `case_id,narrative,agency\n${Array.from({ length: rows }, (_, i) => `C${i},"Case ${i}: she wired $${i}00 after an email that posed as her bank, then a stolen password was used",FBI`).join('\n')}\n${tail}`;

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

function open(dir: string, executor?: () => Promise<BatchExecutor>): BatchApp {
  const b = batchApp(dir, executor ? { executor } : {});
  cleanups.push(() => b.batches.close());
  return b;
}

function newDir(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

async function submit(b: BatchApp, body: string | Buffer, query = ''): Promise<BatchJob> {
  const res = await request(b.app).post(`/v1/batches${query}`).set('Content-Type', 'text/csv').send(body).expect(202);
  expect(res.headers.location).toBe(`/v1/batches/${(res.body as BatchJob).id}`);
  return res.body as BatchJob;
}

/**
 * An executor that tags the first `batches` batches, then never answers: a process that stopped mid-job.
 * Closed after the test, it fails the stalled batches so the old runner lets go of its output file.
 */
function stallingExecutor(batches: number): BatchExecutor {
  const inner = createInlineExecutor(classifier());
  const stalled: ((err: Error) => void)[] = [];
  let n = 0;
  const executor: BatchExecutor = {
    ...inner,
    run: (task) => (n++ < batches ? inner.run(task) : new Promise((_resolve, reject) => void stalled.push(reject))),
    close: () => {
      stalled.forEach((reject) => reject(new Error('closed')));
      return Promise.resolve();
    },
  };
  cleanups.push(() => executor.close());
  return executor;
}

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('batch jobs', () => {
  it('accepts a CSV with 202, runs it, and returns the same file the streaming endpoint would', async () => {
    const b = open(newDir());
    const body = csv(300);
    const job = await submit(b, body, '?format=csv');
    expect(job).toMatchObject({ state: 'queued', textColumn: 'narrative', options: { format: 'csv' }, progress: { rowsDone: 0, bytesTotal: Buffer.byteLength(body) } });
    await b.batches.runner.idle();
    const status = (await request(b.app).get(`/v1/batches/${job.id}`).expect(200)).body as BatchJob;
    expect(status).toMatchObject({ state: 'done', attempts: 1, error: null, taxonomyVersion: classifier().taxonomyVersion, progress: { rowsDone: 300, errors: 0, percent: 100 } });
    expect(status.progress.tagged).toBeGreaterThan(0);
    const result = await request(b.app).get(`/v1/batches/${job.id}/result`).expect(200);
    expect(result.headers['x-batch-state']).toBe('done');
    expect(result.text).toBe((await tagBuffer(body)).output);
  });

  it('refuses a file without a narrative column at upload and keeps no job', async () => {
    const dir = newDir();
    const b = open(dir);
    const res = await request(b.app).post('/v1/batches').set('Content-Type', 'text/csv').send(fixture('missing-column.csv')).expect(400);
    expect(res.body).toMatchObject({ code: 'CSV_MISSING_COLUMN' });
    expect(b.batches.jobs.list(['receiving', 'queued', 'running', 'done', 'failed'])).toEqual([]);
  });

  it('answers 404 BATCH_NOT_FOUND when the id is unknown', async () => {
    const b = open(newDir());
    const res = await request(b.app).get('/v1/batches/nope').expect(404);
    expect(res.body).toMatchObject({ code: 'BATCH_NOT_FOUND' });
    await request(b.app).get('/v1/batches/nope/result').expect(404);
  });

  it('answers 409 BATCH_NOT_READY with Retry-After while the job runs', async () => {
    const b = open(newDir(), () => Promise.resolve(stallingExecutor(1)));
    const job = await submit(b, csv(600));
    await waitFor(() => (b.batches.jobs.get(job.id)?.rowsDone ?? 0) > 0);
    const res = await request(b.app).get(`/v1/batches/${job.id}/result`).expect(409);
    expect(res.body).toMatchObject({ code: 'BATCH_NOT_READY' });
    expect(res.headers['retry-after']).toBe('2');
    const status = (await request(b.app).get(`/v1/batches/${job.id}`).expect(200)).body as BatchJob;
    expect(status).toMatchObject({ state: 'running', progress: { rowsDone: 256 } });
    expect(status.progress.percent).toBeGreaterThan(0);
  });

  it('resumes an interrupted job after a restart and produces the same file as an uninterrupted run', async () => {
    const dir = newDir();
    const body = csv(1000);
    const first = open(dir, () => Promise.resolve(stallingExecutor(2)));
    const job = await submit(first, body);
    await waitFor(() => (first.batches.jobs.get(job.id)?.rowsDone ?? 0) === 512);
    expect(first.batches.jobs.get(job.id)?.state).toBe('running');

    // "Restart": a new app on the same files recovers the job from the database.
    const second = open(dir);
    await second.batches.runner.idle();
    const status = (await request(second.app).get(`/v1/batches/${job.id}`).expect(200)).body as BatchJob;
    expect(status).toMatchObject({ state: 'done', attempts: 2, progress: { rowsDone: 1000, errors: 0 } });
    const result = await request(second.app).get(`/v1/batches/${job.id}/result`).expect(200);
    expect(result.text).toBe((await tagBuffer(body)).output);
  });

  it('marks an upload cut short by a restart as failed', async () => {
    const dir = newDir();
    const first = open(dir);
    first.batches.jobs.create('cut-upload', { format: 'csv' });
    const second = open(dir);
    const status = (await request(second.app).get('/v1/batches/cut-upload').expect(200)).body as BatchJob;
    expect(status).toMatchObject({ state: 'failed', error: { code: 'INVALID_REQUEST', detail: 'The upload did not complete before the server stopped; send the file again.' } });
  });

  it('marks a job failed with its finished rows kept when its input is gone after a restart', async () => {
    const dir = newDir();
    const first = open(dir, () => Promise.resolve(stallingExecutor(1)));
    const job = await submit(first, csv(700));
    await waitFor(() => (first.batches.jobs.get(job.id)?.rowsDone ?? 0) === 256);
    rmSync(jobFiles(`${dir}/batches`, job.id).input);
    const second = open(dir);
    await second.batches.runner.idle();
    const status = (await request(second.app).get(`/v1/batches/${job.id}`).expect(200)).body as BatchJob;
    expect(status).toMatchObject({ state: 'failed', error: { code: 'INTERNAL_ERROR' }, progress: { rowsDone: 256 } });
    const refused = await request(second.app).get(`/v1/batches/${job.id}/result`).expect(409);
    expect((refused.body as { detail: string }).detail).toMatch(/256 rows were finished: add \?partial=true/);
    const partial = await request(second.app).get(`/v1/batches/${job.id}/result?partial=true`).expect(200);
    expect(partial.headers['x-batch-state']).toBe('failed');
    const rows = parseOutput(partial.text);
    expect(rows).toHaveLength(257);
    expect(rows.at(-1)?.[0]).toBe('C255');
  });

  it('fails a job with CSV_MALFORMED and the line when the file breaks after its header, keeping the rows before', async () => {
    const b = open(newDir());
    const job = await submit(b, csv(600, 'C600,"never closed\n'));
    await b.batches.runner.idle();
    const status = (await request(b.app).get(`/v1/batches/${job.id}`).expect(200)).body as BatchJob;
    expect(status).toMatchObject({ state: 'failed', error: { code: 'CSV_MALFORMED', line: 602 }, progress: { rowsDone: 600 } });
    const rows = parseOutput((await request(b.app).get(`/v1/batches/${job.id}/result?partial=true`).expect(200)).text);
    expect(rows).toHaveLength(602);
    expect(rows.at(-1)?.at(-1)).toMatch(/^CSV_MALFORMED: unclosed quote/);
  });

  it('keeps job files in one directory per job under batches/ beside the case store', async () => {
    const dir = newDir();
    const b = open(dir);
    const job = await submit(b, csv(3));
    await b.batches.runner.idle();
    expect(existsSync(`${dir}/jobs.sqlite`)).toBe(true);
    expect(existsSync(jobFiles(`${dir}/batches`, job.id).output)).toBe(true);
  });

  it('keeps jobs where JOBS_PATH and BATCH_FILES_DIR say when they are set', async () => {
    const dir = newDir();
    const b = batchApp(dir, {}, { JOBS_PATH: `${dir}/elsewhere/jobs.db`, BATCH_FILES_DIR: `${dir}/files` });
    cleanups.push(() => b.batches.close());
    const job = await submit(b, csv(3));
    await b.batches.runner.idle();
    expect(existsSync(`${dir}/elsewhere/jobs.db`)).toBe(true);
    expect(existsSync(`${dir}/jobs.sqlite`)).toBe(false);
    expect(existsSync(jobFiles(`${dir}/files`, job.id).output)).toBe(true);
    expect(existsSync(`${dir}/batches`)).toBe(false);
  });

  it('refuses an upload over CSV_UPLOAD_LIMIT with 413 and keeps no job', async () => {
    const dir = newDir();
    const b = batchApp(dir, {}, { CSV_UPLOAD_LIMIT: '1kb' });
    cleanups.push(() => b.batches.close());
    const res = await request(b.app).post('/v1/batches').set('Content-Type', 'text/csv').send(csv(40)).expect(413);
    expect(res.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect((res.body as { detail: string }).detail).toContain('1024');
    expect(b.batches.jobs.list(JOB_STATES)).toEqual([]);
    await request(b.app).post('/v1/batches').set('Content-Type', 'text/csv').send(csv(3)).expect(202);
  });

  it('shows the configured CSV upload limit on the docs page', async () => {
    const b = batchApp(newDir(), {}, { CSV_UPLOAD_LIMIT: '8gb' });
    cleanups.push(() => b.batches.close());
    const html = (await request(b.app).get('/docs').expect(200)).text;
    expect(html).toMatch(/CSV upload \(<code>CSV_UPLOAD_LIMIT<\/code>\)<\/td><td>8 GiB</);
  });
});
