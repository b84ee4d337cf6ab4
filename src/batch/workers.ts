/**
 * Where batches are classified: a pool of worker threads (one per core, so classification overlaps with the
 * CSV parsing on the main thread) or, for small inputs and tests, the main thread itself. Both implement
 * {@link BatchExecutor}; the stream ({@link tagCsv}) keeps row order whatever finishes first.
 *
 * Batches, not rows, cross the thread boundary: one message carries a few hundred rows and comes back as one
 * string of output lines, because per-row messages cost more than the classification saves (measured: two
 * workers gave 1.2–1.7× with small messages).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { Classifier, ClassifyOptions } from '../classify/classifier.js';
import { tagBatch, type BatchResult, type BatchTask } from './tag-batch.js';

/** Runs batches somewhere; results come back per batch, in any order (the caller restores the order). */
export interface BatchExecutor {
  /** How many batches can usefully run at once. */
  readonly parallelism: number;
  /** Batches a stream may keep in flight (default `2 × parallelism`). */
  readonly maxInFlight?: number;
  readonly taxonomyVersion: string;
  readonly mode: 'workers' | 'inline';
  run(task: BatchTask): Promise<BatchResult>;
  /** Stops the workers; pending batches are rejected. */
  close(): Promise<void>;
}

/** One narrative to classify off the calling thread (the HTTP API's `POST /v1/classify`). */
export interface ClassifyJob {
  narrative: string;
  options: ClassifyOptions;
}

/**
 * Classifies single narratives and answers with the result already serialized: the JSON text is what an HTTP
 * response sends, and a string crosses the thread boundary far cheaper than the object it came from.
 */
export interface ClassifyExecutor {
  readonly mode: 'workers' | 'inline';
  classifyJson(job: ClassifyJob): Promise<string>;
  /** False when no worker is left to classify (each one died and none could be replaced); readiness reports it. */
  available?(): boolean;
}

/** Batches and single narratives: what a worker pool and the inline executor both do. */
export type Executor = BatchExecutor & ClassifyExecutor;

/** Sent to a worker at start (`workerData`). */
export interface WorkerInit {
  taxonomyDir: string | undefined;
  threshold: number | undefined;
}

export type WorkerRequest = { id: number; task: BatchTask } | { id: number; classify: ClassifyJob };

export type WorkerReply =
  | { type: 'ready'; taxonomyVersion: string }
  | { type: 'failed'; message: string }
  | { type: 'done'; id: number; result: BatchResult }
  | { type: 'json'; id: number; json: string }
  | { type: 'error'; id: number; message: string };

/** Classifies on the calling thread, one batch per event-loop turn so I/O keeps flowing between batches. */
export function createInlineExecutor(classifier: Classifier): Executor {
  return {
    parallelism: 1,
    taxonomyVersion: classifier.taxonomyVersion,
    mode: 'inline',
    // Synchronous under the promise: one narrative is bounded by the body limit, like any request's work.
    classifyJson: (job) => {
      try {
        return Promise.resolve(JSON.stringify(classifier.classify(job.narrative, job.options)));
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    },
    run: (task) =>
      new Promise((resolve, reject) => {
        setImmediate(() => {
          try {
            resolve(tagBatch(classifier, task));
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
      }),
    close: () => Promise.resolve(),
  };
}

/**
 * A smaller young generation than V8's default for each worker: classification allocates briefly and a lot,
 * and the default lets each worker's RSS swell by ~25 MB. Measured on 200k rows with two workers: peak RSS
 * 331 MB by default, 284 MB with 8 MB, at the same CPU time.
 */
export const DEFAULT_WORKER_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 8 };

export interface WorkerPoolOptions {
  /** Number of worker threads; default: the number of cores. */
  size?: number;
  /** Taxonomy each worker loads; the package's when undefined. */
  taxonomyDir?: string;
  threshold?: number;
  /** The version the main thread runs; the pool refuses to start when a worker loads another. */
  expectedVersion?: string;
  /** The compiled worker entry; default `tag-worker.js` beside this module. */
  workerUrl?: URL;
  /** V8 heap limits of each worker (see {@link DEFAULT_WORKER_LIMITS}). */
  resourceLimits?: ResourceLimits;
}

/** The compiled worker entry beside this module, or undefined when running from TypeScript sources. */
export function defaultWorkerUrl(): URL | undefined {
  const url = new URL('./tag-worker.js', import.meta.url);
  return existsSync(fileURLToPath(url)) ? url : undefined;
}

interface Pending {
  resolve: (reply: Extract<WorkerReply, { type: 'done' | 'json' }>) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

function spawn(url: URL, init: WorkerInit, resourceLimits: ResourceLimits | undefined): Promise<{ worker: Worker; taxonomyVersion: string }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(url, { workerData: init, resourceLimits });
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new Error(`batch worker exited with code ${code} before it was ready`));
    };
    const onMessage = (msg: WorkerReply): void => {
      cleanup();
      if (msg.type === 'ready') resolve({ worker, taxonomyVersion: msg.taxonomyVersion });
      else {
        void worker.terminate();
        reject(new Error(msg.type === 'failed' ? `batch worker could not load the taxonomy: ${msg.message}` : 'batch worker sent an unexpected first message'));
      }
    };
    const cleanup = (): void => {
      worker.off('error', onError);
      worker.off('exit', onExit);
      worker.off('message', onMessage);
    };
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.on('message', onMessage);
  });
}

/**
 * Starts `size` workers and waits until each has loaded the taxonomy. Idle workers are unref'd, so a pool
 * never keeps a finished process alive; a worker that dies fails its own batches and is replaced.
 */
export async function createWorkerPool(options: WorkerPoolOptions = {}): Promise<Executor> {
  const url = options.workerUrl ?? defaultWorkerUrl();
  if (!url) throw new Error('the batch worker is not built (tag-worker.js is missing); run `npm run build`, or use the inline executor');
  const size = Math.max(1, options.size ?? availableParallelism());
  const init: WorkerInit = { taxonomyDir: options.taxonomyDir, threshold: options.threshold };
  const limits = options.resourceLimits ?? DEFAULT_WORKER_LIMITS;
  const slots: Slot[] = [];
  let nextId = 1;
  let closed = false;
  let taxonomyVersion = options.expectedVersion ?? '';

  const attach = (worker: Worker): Slot => {
    const slot: Slot = { worker, pending: new Map() };
    worker.unref();
    worker.on('message', (msg: WorkerReply) => {
      if (msg.type !== 'done' && msg.type !== 'json' && msg.type !== 'error') return;
      const p = slot.pending.get(msg.id);
      if (!p) return;
      slot.pending.delete(msg.id);
      if (slot.pending.size === 0) worker.unref();
      if (msg.type === 'error') p.reject(new Error(`batch worker failed: ${msg.message}`));
      else p.resolve(msg);
    });
    const fail = (err: Error): void => {
      const i = slots.indexOf(slot);
      if (i === -1) return;
      slots.splice(i, 1);
      for (const p of slot.pending.values()) p.reject(err);
      slot.pending.clear();
      if (!closed) {
        // Replace it so later batches still have both cores; a failing replacement leaves the pool smaller.
        spawn(url, init, limits).then(
          (w) => (closed ? void w.worker.terminate() : slots.push(attach(w.worker))),
          () => undefined,
        );
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`batch worker exited with code ${code}`)));
    return slot;
  };

  const started = await Promise.allSettled(Array.from({ length: size }, () => spawn(url, init, limits)));
  const failure = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  const workers = started.filter((s) => s.status === 'fulfilled').map((s) => s.value);
  const versions = new Set(workers.map((w) => w.taxonomyVersion));
  const mismatch = taxonomyVersion !== '' && [...versions].some((v) => v !== taxonomyVersion);
  if (failure || mismatch || versions.size !== 1) {
    await Promise.all(workers.map((w) => w.worker.terminate()));
    if (failure) throw failure.reason instanceof Error ? failure.reason : new Error(String(failure.reason));
    throw new Error(`batch workers loaded taxonomy version ${[...versions].join(', ')} but this process runs ${taxonomyVersion}`);
  }
  taxonomyVersion = [...versions][0] as string;
  for (const w of workers) slots.push(attach(w.worker));

  // To the least busy worker; resolves with its reply.
  const send = (request: (id: number) => WorkerRequest): Promise<Extract<WorkerReply, { type: 'done' | 'json' }>> => {
    if (closed) return Promise.reject(new Error('the batch worker pool is closed'));
    let slot: Slot | undefined;
    for (const s of slots) if (!slot || s.pending.size < slot.pending.size) slot = s;
    if (!slot) return Promise.reject(new Error('no batch worker is running'));
    const id = nextId++;
    const target = slot;
    return new Promise((resolve, reject) => {
      target.pending.set(id, { resolve, reject });
      target.worker.ref();
      target.worker.postMessage(request(id));
    });
  };

  return {
    parallelism: size,
    taxonomyVersion,
    mode: 'workers',
    available: () => !closed && slots.length > 0,
    run: (task) => send((id) => ({ id, task })).then((reply) => (reply.type === 'done' ? reply.result : Promise.reject(new Error('batch worker answered a batch with JSON')))),
    classifyJson: (job) => send((id) => ({ id, classify: job })).then((reply) => (reply.type === 'json' ? reply.json : Promise.reject(new Error('batch worker answered a narrative with a batch')))),
    async close() {
      closed = true;
      const all = slots.splice(0);
      for (const s of all) {
        for (const p of s.pending.values()) p.reject(new Error('the batch worker pool was closed'));
        s.pending.clear();
      }
      await Promise.all(all.map((s) => s.worker.terminate()));
    },
  };
}

/**
 * Worker threads plus the calling thread: batches go to the workers while they have room (four queued each),
 * and the rest is classified here. For a process that does nothing else (the CLI), this uses every core
 * with one isolate fewer than a worker per core: each isolate with a loaded taxonomy costs ~60 MB of RSS,
 * and the 1 GB target is 300 MB. While the classifier is slower than the parser, this thread parses only
 * when it has room to dispatch, so it spends most of its time classifying; with a faster classifier the
 * workers keep up and this thread just parses. Not for a server: inline batches block the event loop.
 */
export function createHybridExecutor(classifier: Classifier, pool: BatchExecutor): BatchExecutor {
  const inline = createInlineExecutor(classifier);
  if (pool.taxonomyVersion !== classifier.taxonomyVersion) {
    throw new Error(`batch workers loaded taxonomy version ${pool.taxonomyVersion} but this process runs ${classifier.taxonomyVersion}`);
  }
  // Four queued batches per worker: this thread classifies a batch at a time and only dispatches between
  // them, so each worker needs more than one batch of work in hand not to wait for it (with two, the
  // hybrid ran at 5,068 rows/CPU-s against 6,028 for two workers, measured).
  const room = 4 * pool.parallelism;
  let queued = 0;
  return {
    parallelism: pool.parallelism + 1,
    maxInFlight: room + 2,
    taxonomyVersion: pool.taxonomyVersion,
    mode: 'workers',
    run(task) {
      if (queued >= room) return inline.run(task);
      queued++;
      return pool.run(task).finally(() => {
        queued--;
      });
    },
    close: () => pool.close(),
  };
}

export interface BatchExecutorOptions {
  classifier: Classifier;
  /** Worker threads: 0 classifies on the main thread; default one per core. */
  workers?: number;
  taxonomyDir?: string;
  /** The default threshold workers classify with (a stream's own threshold overrides it per batch). */
  threshold?: number;
  workerUrl?: URL;
}

/**
 * Workers when they are available and asked for, else the main thread (running from TypeScript sources, as
 * tests do, the compiled worker does not exist). Says which through `mode`.
 */
export async function createBatchExecutor(options: BatchExecutorOptions): Promise<Executor> {
  const size = options.workers ?? availableParallelism();
  const url = options.workerUrl ?? defaultWorkerUrl();
  if (size <= 0 || !url) return createInlineExecutor(options.classifier);
  return createWorkerPool({ size, taxonomyDir: options.taxonomyDir, threshold: options.threshold, expectedVersion: options.classifier.taxonomyVersion, workerUrl: url });
}
