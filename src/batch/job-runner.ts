/**
 * Runs batch jobs one at a time (the worker pool already uses every core) from their stored upload to a
 * tagged file, checkpointing progress so a restart never loses a job:
 * - the output is written at known offsets and synced before each checkpoint (rowsDone, outputBytes) is
 *   recorded, at most every `checkpointMs`;
 * - on start, {@link JobRunner.recover} re-queues jobs that were queued or running: a running job is resumed
 *   by cutting its output back to the checkpoint and skipping the rows already written (they are parsed again,
 *   not classified again); an upload that never completed, a job whose input is gone, or one interrupted
 *   `maxAttempts` times is marked failed, its finished rows kept.
 */
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { CaseStore } from '../store/store.js';
import { CsvInputError } from './csv-in.js';
import { createCasePersister } from './persist-cases.js';
import type { JobRecord, JobStore } from './job-store.js';
import { tagCsv, TagStreamError, type TagProgress } from './tag-stream.js';
import type { BatchExecutor } from './workers.js';

export interface JobFiles {
  dir: string;
  input: string;
  output: string;
}

/** Where a job's files are: one directory per job under `root`. */
export function jobFiles(root: string, id: string): JobFiles {
  const dir = join(root, id);
  return { dir, input: join(dir, 'input.csv'), output: join(dir, 'output') };
}

export interface JobRunnerDeps {
  store: JobStore;
  /** Directory of the job directories. */
  filesDir: string;
  /** The executor, created on first use (starting workers takes a moment). */
  executor: () => Promise<BatchExecutor>;
  logger: Logger;
  /** Longest narrative classified. */
  maxTextChars?: number;
  /** Least time between two checkpoints (default 1000 ms; 0 checkpoints after every batch). */
  checkpointMs?: number;
  /** The case store, for jobs submitted with `persist`; such a job fails without one. */
  caseStore?: CaseStore | undefined;
  /** A job interrupted this many times is failed rather than resumed again (default 3). */
  maxAttempts?: number;
}

export interface JobRunner {
  /** Queues a job whose upload is complete (state `queued`). */
  submit(id: string): void;
  /** Start-up: fail what cannot continue, queue the rest (oldest first) and start them. */
  recover(): void;
  /** Resolves when the queue is empty and nothing runs. */
  idle(): Promise<void>;
  /**
   * Stops after the current batch: the running job keeps its last checkpoint and resumes on the next start.
   * Waits at most `timeoutMs` (default 5 s) for that batch; the checkpoint makes an unfinished wait harmless.
   */
  stop(timeoutMs?: number): Promise<void>;
}

class Stopped extends Error {
  constructor() {
    super('the job runner is stopping');
    this.name = 'Stopped';
  }
}

async function writeAll(fh: FileHandle, data: Buffer, position: number): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await fh.write(data, offset, data.length - offset, position + offset);
    offset += bytesWritten;
  }
}

export function createJobRunner(deps: JobRunnerDeps): JobRunner {
  const { store, logger } = deps;
  const checkpointMs = deps.checkpointMs ?? 1000;
  const maxAttempts = deps.maxAttempts ?? 3;
  const queue: string[] = [];
  let running: Promise<void> | undefined;
  let stopping = false;
  let idleWaiters: (() => void)[] = [];

  const fail = (job: JobRecord, code: string, detail: string, line: number | null = null): void => {
    store.update(job.id, { state: 'failed', error: { code, detail, line }, finishedAt: new Date().toISOString() });
    logger.warn({ batchId: job.id, errorCode: code, rowsDone: job.rowsDone }, 'batch job failed');
  };

  async function run(id: string): Promise<void> {
    const job = store.get(id);
    if (!job || job.state !== 'queued') return;
    const files = jobFiles(deps.filesDir, id);
    if (!existsSync(files.input) || (job.inputBytes !== null && statSync(files.input).size !== job.inputBytes)) {
      fail(job, 'INTERNAL_ERROR', 'The stored upload is missing or changed, so the job cannot continue; the finished rows are kept.');
      return;
    }
    if (job.options.persist && !deps.caseStore) {
      fail(job, 'INVALID_REQUEST', 'The job stores its rows as cases (persist) and this server runs without the case store; send the file again without persist.');
      return;
    }
    const executor = await deps.executor();
    // Rows tagged with another taxonomy would mix versions in one file: start over instead.
    const resume = job.rowsDone > 0 && job.outputBytes > 0 && existsSync(files.output) && job.taxonomyVersion === executor.taxonomyVersion;
    const attempt = job.attempts + 1;
    store.update(id, { state: 'running', attempts: attempt, startedAt: job.startedAt ?? new Date().toISOString(), taxonomyVersion: executor.taxonomyVersion, ...(resume ? {} : { rowsDone: 0, tagged: 0, errors: 0, outputBytes: 0, bytesRead: 0, elapsedMs: 0, casesCreated: 0, casesExisting: 0 }) });
    logger.info({ batchId: id, attempt, resumeFromRow: resume ? job.rowsDone + 1 : 1 }, 'batch job started');

    const fh = await open(files.output, resume ? 'r+' : 'w');
    let position = resume ? job.outputBytes : 0;
    const priorElapsed = resume ? job.elapsedMs : 0;
    const firstRow = resume ? job.rowsDone : 0;
    let last: TagProgress = { rows: firstRow, tagged: resume ? job.tagged : 0, errors: resume ? job.errors : 0, bytesRead: 0, elapsedMs: 0 };
    let lastCheckpoint = performance.now();
    // Resumed: continue the checkpoint's counts. Rows stored after that checkpoint are stored again (the store
    // deduplicates by source + external id) and so count as existing. Received time = the upload's, every attempt.
    const persister =
      job.options.persist && deps.caseStore
        ? createCasePersister({
            store: deps.caseStore,
            source: job.options.source ?? 'batch',
            receivedAt: job.createdAt,
            start: resume ? { created: job.casesCreated, existing: job.casesExisting } : undefined,
          })
        : undefined;

    const checkpoint = async (p: TagProgress): Promise<void> => {
      await fh.datasync();
      const seconds = p.elapsedMs / 1000;
      store.update(id, {
        rowsDone: p.rows,
        tagged: p.tagged,
        errors: p.errors,
        outputBytes: position,
        bytesRead: p.bytesRead,
        elapsedMs: priorElapsed + p.elapsedMs,
        rowsPerSecond: seconds > 0 ? Math.round((p.rows - firstRow) / seconds) : null,
        ...(persister ? { casesCreated: persister.counts().created, casesExisting: persister.counts().existing } : {}),
      });
      lastCheckpoint = performance.now();
    };

    try {
      if (resume) await fh.truncate(position);
      await tagCsv(
        createReadStream(files.input, { highWaterMark: 256 * 1024 }),
        async (text) => {
          if (stopping) throw new Stopped();
          const data = Buffer.from(text, 'utf8');
          await writeAll(fh, data, position);
          position += data.length;
        },
        executor,
        { ...job.options, maxTextChars: deps.maxTextChars, resume: resume ? { rows: job.rowsDone, tagged: job.tagged, errors: job.errors } : undefined, collect: persister !== undefined },
        {
          onHeader: (info) => void store.update(id, { textColumn: info.text.name }),
          onRecords: persister?.onRecords,
          onProgress: async (p) => {
            last = p;
            if (performance.now() - lastCheckpoint >= checkpointMs) await checkpoint(p);
          },
        },
      );
      await checkpoint(last);
      store.update(id, { state: 'done', finishedAt: new Date().toISOString() });
      logger.info({ batchId: id, rows: last.rows, errors: last.errors, ...(persister ? { cases: persister.counts() } : {}) }, 'batch job done');
    } catch (err) {
      // Stopping (or the pool closing under us while stopping) pauses the job: it resumes on the next start.
      if (err instanceof Stopped || stopping) {
        logger.info({ batchId: id, rowsDone: store.get(id)?.rowsDone }, 'batch job paused for shutdown; it resumes on the next start');
        return;
      }
      if (err instanceof TagStreamError) last = err.progress;
      await checkpoint(last).catch(() => undefined);
      const current = store.get(id) ?? job;
      if (err instanceof CsvInputError) fail(current, err.code, err.message, err.line ?? null);
      else {
        logger.error({ batchId: id, error: { type: (err as Error).name, message: (err as Error).message } }, 'batch job crashed');
        fail(current, 'INTERNAL_ERROR', 'The job stopped on an internal error; the finished rows are kept. See the server log under this batch id.');
      }
    } finally {
      await fh.close();
    }
  }

  function pump(): void {
    if (running || stopping) return;
    const id = queue.shift();
    if (id === undefined) {
      const waiters = idleWaiters;
      idleWaiters = [];
      waiters.forEach((w) => w());
      return;
    }
    running = run(id)
      .catch((err: unknown) => {
        logger.error({ batchId: id, error: { type: (err as Error).name, message: (err as Error).message } }, 'batch job runner error');
        const job = store.get(id);
        if (job && job.state === 'running') fail(job, 'INTERNAL_ERROR', 'The job could not be run; the finished rows are kept.');
      })
      .finally(() => {
        running = undefined;
        pump();
      });
  }

  return {
    submit(id) {
      queue.push(id);
      pump();
    },
    recover() {
      for (const job of store.list(['receiving'])) {
        rmSync(jobFiles(deps.filesDir, job.id).input, { force: true });
        fail(job, 'INVALID_REQUEST', 'The upload did not complete before the server stopped; send the file again.');
      }
      for (const job of store.list(['running', 'queued'])) {
        if (job.state === 'running' && job.attempts >= maxAttempts) {
          fail(job, 'INTERNAL_ERROR', `The job was interrupted ${job.attempts} times while running and is not resumed again; the finished rows are kept.`);
          continue;
        }
        if (job.state === 'running') store.update(job.id, { state: 'queued' });
        queue.push(job.id);
      }
      pump();
    },
    idle() {
      if (!running && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    async stop(timeoutMs = 5000) {
      stopping = true;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([running, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    },
  };
}

/** Makes the job directory (for the upload). */
export function prepareJobFiles(root: string, id: string): JobFiles {
  const files = jobFiles(root, id);
  mkdirSync(files.dir, { recursive: true });
  return files;
}
