/**
 * Batch jobs for large CSV files: `POST /v1/batches` stores the upload and answers 202 with the job,
 * `GET /v1/batches/{id}` reports state and progress, `GET /v1/batches/{id}/result` returns the tagged file.
 * Jobs and progress are persisted (src/batch/job-store.ts) and survive a restart (src/batch/job-runner.ts).
 *
 * {@link createBatchMounts} builds everything the server needs for batches, this file's routes and the
 * streaming `POST /v1/batch/csv`, around one shared worker pool.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { CsvInputError, headerLineEnd, readCsvHeader } from '../../batch/csv-in.js';
import { chooseIdColumn, chooseTextColumn } from '../../batch/detect-columns.js';
import { createJobRunner, jobFiles, prepareJobFiles, type JobRunner } from '../../batch/job-runner.js';
import { createSqliteJobStore, JOB_STATES, type BatchJobOptions, type JobRecord, type JobStore } from '../../batch/job-store.js';
import { createBatchExecutor, createInlineExecutor, type BatchExecutor } from '../../batch/workers.js';
import type { Classifier } from '../../classify/classifier.js';
import type { Config } from '../../config.js';
import { AppError } from '../../errors.js';
import { createRouteTable, type Mount } from '../route-table.js';
import { parseRequest } from '../validate.js';
import type { CaseStore } from '../../store/store.js';
import { BatchQuerySchema, createBatchCsvRoutes, csvBody, csvContentType, persistStore, toCsvAppError } from './batch-csv.js';

const HEAD_BYTES = 64 * 1024;

export const BatchJobSchema = z.object({
  id: z.string(),
  state: z.enum(JOB_STATES).describe('receiving → queued → running → done | failed'),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  options: z.object({
    textColumn: z.string().optional(),
    idColumn: z.string().optional(),
    delimiter: z.string().optional(),
    encoding: z.string().optional(),
    format: z.enum(['csv', 'jsonl']),
    threshold: z.number().optional(),
    persist: z.boolean().optional().describe('Classified rows are stored as review cases'),
    source: z.string().optional().describe('The cases\' source, with persist'),
  }),
  textColumn: z.string().nullable().describe('The narrative column used'),
  taxonomyVersion: z.string().nullable(),
  progress: z.object({
    rowsDone: z.number().int().describe('Rows written to the result so far'),
    tagged: z.number().int().describe('Rows with at least one statute'),
    errors: z.number().int().describe('Rows written with an error'),
    rowsPerSecond: z.number().nullable(),
    bytesRead: z.number().int(),
    bytesTotal: z.number().int().nullable(),
    percent: z.number().nullable().describe('Share of the input read, 0–100'),
    casesCreated: z.number().int().nullable().describe('With persist: new cases so far (as of the last checkpoint); null without persist'),
    casesExisting: z
      .number()
      .int()
      .nullable()
      .describe('With persist: rows already stored under the same source and external id, left as they were (a resumed job\'s re-stored rows count here); null without persist'),
  }),
  attempts: z.number().int().describe('Runs started; more than 1 after a restart resumed the job'),
  error: z.object({ code: z.string(), detail: z.string(), line: z.number().int().nullable() }).nullable(),
  links: z.object({ self: z.string(), result: z.string() }),
});
export type BatchJob = z.infer<typeof BatchJobSchema>;

export function toBatchJob(job: JobRecord): BatchJob {
  const total = job.inputBytes;
  return {
    id: job.id,
    state: job.state,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    options: job.options,
    textColumn: job.textColumn,
    taxonomyVersion: job.taxonomyVersion,
    progress: {
      rowsDone: job.rowsDone,
      tagged: job.tagged,
      errors: job.errors,
      rowsPerSecond: job.rowsPerSecond,
      bytesRead: job.bytesRead,
      bytesTotal: total,
      percent: job.state === 'done' ? 100 : total ? Math.min(100, Math.round((job.bytesRead / total) * 1000) / 10) : null,
      casesCreated: job.options.persist ? job.casesCreated : null,
      casesExisting: job.options.persist ? job.casesExisting : null,
    },
    attempts: job.attempts,
    error: job.error,
    links: { self: `/v1/batches/${job.id}`, result: `/v1/batches/${job.id}/result` },
  };
}

const IdParamsSchema = z.object({ id: z.string().max(100) });
const ResultQuerySchema = z.strictObject({
  partial: z
    .enum(['true', 'false', '1', '0'])
    .transform((v) => v === 'true' || v === '1')
    .optional()
    .describe('With a failed job: return the rows finished before it failed'),
});

export interface BatchJobRouteDeps {
  store: JobStore;
  /** The case store, for `persist=true`. */
  caseStore?: CaseStore | undefined;
  runner: JobRunner;
  filesDir: string;
  maxUploadBytes: number;
}

function jobOptions(q: z.output<typeof BatchQuerySchema>, charset: BatchJobOptions['encoding']): BatchJobOptions {
  const o: BatchJobOptions = { format: q.format };
  if (q.textColumn !== undefined) o.textColumn = q.textColumn;
  if (q.idColumn !== undefined) o.idColumn = q.idColumn;
  if (q.delimiter !== undefined) o.delimiter = q.delimiter;
  const encoding = q.encoding ?? charset;
  if (encoding !== undefined) o.encoding = encoding;
  if (q.threshold !== undefined) o.threshold = q.threshold;
  if (q.persist) {
    o.persist = true;
    o.source = q.source;
  }
  return o;
}

/**
 * Streams the body to `path`, checking the header line as soon as it has arrived so a file without a
 * narrative column is refused before the rest is uploaded. Returns the byte count and the text column.
 */
async function receive(body: AsyncIterable<Buffer>, path: string, options: BatchJobOptions): Promise<{ bytes: number; textColumn: string }> {
  const fh = await open(path, 'w');
  let bytes = 0;
  let head: Buffer[] = [];
  let headBytes = 0;
  let textColumn: string | undefined;
  const check = async (): Promise<void> => {
    const { header } = await readCsvHeader(Buffer.concat(head), { delimiter: options.delimiter, encoding: options.encoding });
    textColumn = chooseTextColumn(header, options.textColumn).name;
    if (options.idColumn !== undefined) chooseIdColumn(header, options.idColumn);
    head = [];
  };
  try {
    for await (const chunk of body) {
      if (textColumn === undefined) {
        head.push(chunk);
        headBytes += chunk.length;
        if (headBytes >= HEAD_BYTES || headerLineEnd(Buffer.concat(head)) !== -1) await check();
      }
      let offset = 0;
      while (offset < chunk.length) offset += (await fh.write(chunk, offset, chunk.length - offset, bytes + offset)).bytesWritten;
      bytes += chunk.length;
    }
    if (textColumn === undefined) await check();
    await fh.sync();
  } finally {
    await fh.close();
  }
  return { bytes, textColumn: textColumn as string };
}

function notFound(id: string): AppError {
  return new AppError('BATCH_NOT_FOUND', `No batch ${JSON.stringify(id.slice(0, 100))}.`);
}

export function createBatchJobRoutes(deps: BatchJobRouteDeps): Mount {
  const { store, runner } = deps;
  const table = createRouteTable();

  table.add(
    {
      method: 'post',
      path: '/v1/batches',
      operationId: 'createBatch',
      tags: ['batch'],
      summary: 'Submit a large CSV as a job: stored, tagged in the background, result fetched when done (ingest)',
      description:
        'Same body and query parameters as `POST /v1/batch/csv` (with `persist=true` the classified rows become review cases as the job runs; `progress.casesCreated` / `casesExisting` count them). The header is checked as soon as it arrives (a missing narrative column is a 400 before the rest is uploaded); the answer is 202 with the job and `Location`. Poll `GET /v1/batches/{id}`; fetch `GET /v1/batches/{id}/result` when `state` is `done`. Jobs survive a restart: an interrupted job resumes from its last checkpoint.',
      query: BatchQuerySchema,
      requestBody: { contentType: 'text/csv', description: 'The CSV file (header row first)', required: true },
      responses: { 202: { description: 'The job, queued', schema: BatchJobSchema, schemaName: 'BatchJob', headers: { Location: 'URL of the job' } } },
      errors: ['UNAUTHORIZED', 'FORBIDDEN', 'INVALID_REQUEST', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE', 'CSV_MALFORMED', 'CSV_MISSING_COLUMN'],
    },
    async (req: Request, res: Response) => {
      const q = parseRequest(BatchQuerySchema, req.query);
      if (q.persist) persistStore(deps.caseStore);
      const options = jobOptions(q, csvContentType(req));
      const body = csvBody(req, res, deps.maxUploadBytes);
      const id = randomUUID();
      store.create(id, options);
      const files = prepareJobFiles(deps.filesDir, id);
      try {
        const { bytes, textColumn } = await receive(body, files.input, options);
        store.update(id, { state: 'queued', inputBytes: bytes, textColumn });
      } catch (err) {
        store.delete(id);
        rmSync(files.dir, { recursive: true, force: true });
        if (err instanceof CsvInputError) throw toCsvAppError(err);
        throw err;
      }
      runner.submit(id);
      req.log.info({ batchId: id }, 'batch job queued');
      res.status(202).location(`/v1/batches/${id}`).json(toBatchJob(store.get(id) as JobRecord));
    },
  );

  table.add(
    {
      method: 'get',
      path: '/v1/batches/{id}',
      operationId: 'getBatch',
      tags: ['batch'],
      summary: 'A batch job: state and progress (rows done, errors, rows/s) (ingest)',
      pathParams: IdParamsSchema,
      responses: { 200: { description: 'The job', schema: BatchJobSchema, schemaName: 'BatchJob' } },
      errors: ['UNAUTHORIZED', 'FORBIDDEN', 'BATCH_NOT_FOUND'],
    },
    (req: Request, res: Response) => {
      const id = String(req.params.id);
      const job = store.get(id);
      if (!job) throw notFound(id);
      res.setHeader('Cache-Control', 'no-store');
      res.json(toBatchJob(job));
    },
  );

  table.add(
    {
      method: 'get',
      path: '/v1/batches/{id}/result',
      operationId: 'getBatchResult',
      tags: ['batch'],
      summary: 'The tagged file of a finished job (ingest)',
      description:
        '`done`: the whole file. `failed`: 409 `BATCH_NOT_READY`, or with `?partial=true` the rows finished before the failure (the last row of a CSV error says why it stopped); header `X-Batch-State` says which. Not finished yet: 409 `BATCH_NOT_READY` with `Retry-After`.',
      pathParams: IdParamsSchema,
      query: ResultQuerySchema,
      responses: { 200: { description: 'text/csv or application/x-ndjson', contentType: 'text/csv', headers: { 'X-Batch-State': '`done` or `failed` (partial result)' } } },
      errors: ['UNAUTHORIZED', 'FORBIDDEN', 'BATCH_NOT_FOUND', 'BATCH_NOT_READY', 'INVALID_REQUEST'],
    },
    async (req: Request, res: Response) => {
      const id = String(req.params.id);
      const { partial } = parseRequest(ResultQuerySchema, req.query);
      const job = store.get(id);
      if (!job) throw notFound(id);
      if (job.state !== 'done' && !(job.state === 'failed' && partial)) {
        if (job.state === 'failed') {
          throw new AppError('BATCH_NOT_READY', `The batch failed (${job.error?.code ?? 'unknown'}: ${job.error?.detail ?? ''}); ${job.rowsDone} rows were finished: add ?partial=true to fetch them.`);
        }
        throw new AppError('BATCH_NOT_READY', `The batch is ${job.state} (${job.rowsDone} rows done); poll GET /v1/batches/${id} until its state is done.`, undefined, { headers: { 'Retry-After': '2' } });
      }
      const files = jobFiles(deps.filesDir, id);
      let size: number;
      try {
        size = statSync(files.output).size;
      } catch {
        size = 0;
      }
      // A failed job's file may hold bytes past its last checkpoint: serve only what the checkpoint vouches for.
      const length = job.state === 'done' ? size : Math.min(size, job.outputBytes);
      res.status(200);
      res.setHeader('Content-Type', job.options.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="batch-${id}.${job.options.format}"`);
      res.setHeader('Content-Length', String(length));
      res.setHeader('X-Batch-State', job.state);
      res.setHeader('Cache-Control', 'no-store');
      if (length === 0) {
        res.end();
        return;
      }
      await new Promise<void>((resolve, reject) => {
        const stream = createReadStream(files.output, { start: 0, end: length - 1 });
        stream.on('error', reject);
        res.on('close', () => {
          stream.destroy();
          resolve();
        });
        stream.pipe(res);
      });
    },
  );
  return table.mount();
}

export interface BatchMountDeps {
  classifier: Classifier;
  logger: Logger;
  config: Pick<Config, 'taxonomyDir' | 'threshold' | 'maxNarrativeChars' | 'storePath' | 'csvUploadLimit' | 'jobsPath' | 'batchFilesDir'>;
  /** The case store, for `persist=true` (the server's, from its context); without one persist is refused. */
  store?: CaseStore | undefined;
  /** Executor override (tests pass the inline one); default: worker threads, one per core. */
  executor?: () => Promise<BatchExecutor>;
  /** Job database; default `config.jobsPath` (JOBS_PATH), else `jobs.sqlite` beside the case store. */
  jobsPath?: string;
  /** Job files; default `config.batchFilesDir` (BATCH_FILES_DIR), else `batches/` beside the case store. */
  filesDir?: string;
  /** Largest CSV upload, decompressed; default `config.csvUploadLimit` (CSV_UPLOAD_LIMIT, 4 GiB unless set). */
  maxUploadBytes?: number;
  /** Least time between job checkpoints (default 1000 ms). */
  checkpointMs?: number;
  /** How long `close()` waits for the running job's current batch (default 5000 ms). */
  closeTimeoutMs?: number;
}

export interface BatchMounts {
  mounts: Mount[];
  jobs: JobStore;
  runner: JobRunner;
  executor: () => Promise<BatchExecutor>;
  /** Stops the runner (the running job resumes on the next start), the workers and the job database. */
  close(): Promise<void>;
}


/**
 * Everything for batches: the job store (its own SQLite file), the runner (recovering interrupted jobs at
 * once), a worker pool shared by jobs and streaming requests (the server passes its own, started before it
 * listens; otherwise one is started on first use), and both route tables.
 */
export function createBatchMounts(deps: BatchMountDeps): BatchMounts {
  const { config, logger } = deps;
  const memory = config.storePath === ':memory:';
  const base = memory ? undefined : dirname(config.storePath);
  const jobsPath = deps.jobsPath ?? config.jobsPath ?? (base ? join(base, 'jobs.sqlite') : ':memory:');
  const filesDir = deps.filesDir ?? config.batchFilesDir ?? (base ? join(base, 'batches') : mkdtempSync(join(tmpdir(), 'batches-')));
  const maxUploadBytes = deps.maxUploadBytes ?? config.csvUploadLimit;
  const closeTimeoutMs = deps.closeTimeoutMs ?? 5000;

  let pool: Promise<BatchExecutor> | undefined;
  const executor =
    deps.executor ??
    (() =>
      (pool ??= createBatchExecutor({ classifier: deps.classifier, taxonomyDir: config.taxonomyDir, threshold: config.threshold }).then(
        (e) => {
          logger.info({ mode: e.mode, parallelism: e.parallelism }, 'batch executor ready');
          return e;
        },
        (err: unknown) => {
          // Classify on the main thread rather than refuse batches; slower, and it says so in the log.
          logger.error({ error: { type: (err as Error).name, message: (err as Error).message } }, 'batch workers failed to start; classifying batches on the main thread');
          return createInlineExecutor(deps.classifier);
        },
      )));

  const jobs = createSqliteJobStore({ path: jobsPath });
  const runner = createJobRunner({ store: jobs, filesDir, executor, logger, maxTextChars: config.maxNarrativeChars, checkpointMs: deps.checkpointMs, caseStore: deps.store });
  runner.recover();
  return {
    mounts: [
      createBatchCsvRoutes({ executor, maxTextChars: config.maxNarrativeChars, maxUploadBytes, store: deps.store }),
      createBatchJobRoutes({ store: jobs, caseStore: deps.store, runner, filesDir, maxUploadBytes }),
    ],
    jobs,
    runner,
    executor,
    async close() {
      await runner.stop(closeTimeoutMs);
      if (pool) await (await pool).close();
      jobs.close();
    },
  };
}
