/**
 * The batch pipeline: CSV bytes → records (main thread) → batches classified by a {@link BatchExecutor}
 * (worker threads) → output text written IN INPUT ORDER to a sink, with backpressure end to end: at most
 * `2 × parallelism` batches (or the executor's `maxInFlight`) are in flight, the next input chunk is read only when there is room, and a slow
 * sink stops both. Memory is bounded by the batch size, not by the file.
 *
 * A fatal input error (unclosed quote at EOF, binary data) before any output is thrown as is, so an HTTP
 * caller can still answer 400. After output has begun, the rows before the fault are written, then one final
 * row whose `error` says why the rest is missing, and the error is thrown with `outputStarted` set.
 */
import type { Writable } from 'node:stream';
import { CsvInputError, readCsv, type CsvDelimiter, type CsvDialect, type CsvEncoding } from './csv-in.js';
import { errorCells, formatRow } from './csv-out.js';
import { chooseIdColumn, chooseTextColumn, type ColumnChoice } from './detect-columns.js';
import { outputHeader, type BatchResult, type OutputFormat, type RowSpec, type TaggedRecord } from './tag-batch.js';
import type { BatchExecutor } from './workers.js';

/** Where output text goes; a returned promise is waited for before more is written (backpressure). */
export type TagSink = (chunk: string) => void | Promise<void>;

export interface TagCsvOptions {
  /** Narrative column; detected from common names when absent. */
  textColumn?: string;
  idColumn?: string;
  delimiter?: CsvDelimiter;
  encoding?: CsvEncoding;
  format?: OutputFormat;
  threshold?: number;
  /** Longest narrative classified (characters); default 100,000. */
  maxTextChars?: number;
  /** Longest record the parser buffers (characters); longer stops the file. */
  maxRecordChars?: number;
  /** Rows per batch sent to a worker (default 256). */
  batchRows?: number;
  /** Characters per batch, whichever limit comes first (default 1 Mi). */
  batchChars?: number;
  /**
   * Continue an interrupted run: the first `rows` data rows are parsed but neither classified nor written
   * (their output is already there), no header is written, and the counts continue from these.
   */
  resume?: { rows: number; tagged: number; errors: number };
  /** Hand each batch's classified rows to {@link TagHooks.onRecords} (e.g. to store them as cases). */
  collect?: boolean;
}

export interface TagProgress {
  /** Data rows written so far (including resumed ones). */
  rows: number;
  tagged: number;
  errors: number;
  /** Input bytes read so far. */
  bytesRead: number;
  elapsedMs: number;
}

export interface TagHeaderInfo {
  header: string[];
  text: ColumnChoice;
  id: ColumnChoice | undefined;
  dialect: CsvDialect;
  format: OutputFormat;
}

export interface TagHooks {
  /** Once the header is read and the columns chosen, before any output; may throw to refuse the file. */
  onHeader?: (info: TagHeaderInfo) => void | Promise<void>;
  /**
   * With `collect`: each batch's classified rows, in input order, before its text is written (awaited, so a
   * slow store slows the stream instead of piling up results). Error rows are not in it.
   */
  onRecords?: (records: TaggedRecord[]) => void | Promise<void>;
  /** After each batch is written to the sink (awaited: a job checkpoints here). */
  onProgress?: (progress: TagProgress) => void | Promise<void>;
}

export interface TagSummary extends TagProgress {
  columns: TagHeaderInfo;
}

/** A fatal input error raised after output had begun: the output ends with an error row saying so. */
export class TagStreamError extends CsvInputError {
  readonly outputStarted = true;
  readonly progress: TagProgress;
  constructor(cause: CsvInputError, progress: TagProgress) {
    super(cause.code, cause.message, { line: cause.line, columns: cause.columns });
    this.name = 'TagStreamError';
    this.progress = progress;
  }
}

export const DEFAULT_MAX_TEXT_CHARS = 100_000;

type Chunk = Buffer | string | Uint8Array;

/** Tags a CSV stream into `sink`; resolves with the counts once the last row is written. */
export async function tagCsv(source: AsyncIterable<Chunk>, sink: TagSink, executor: BatchExecutor, options: TagCsvOptions = {}, hooks: TagHooks = {}): Promise<TagSummary> {
  const started = performance.now();
  const format = options.format ?? 'csv';
  const batchRows = Math.max(1, options.batchRows ?? 256);
  const batchCharsLimit = Math.max(1, options.batchChars ?? 1024 * 1024);
  const maxInFlight = Math.max(2, executor.maxInFlight ?? executor.parallelism * 2);
  const resume = options.resume;
  const skip = resume?.rows ?? 0;

  let spec: RowSpec | undefined;
  let columns: TagHeaderInfo | undefined;
  let pendingHeader = '';
  let outputStarted = skip > 0;
  let rows = skip;
  let tagged = resume?.tagged ?? 0;
  let errors = resume?.errors ?? 0;
  let bytesRead = 0;
  let dataRow = 0;
  let batch: string[][] = [];
  let batchChars = 0;
  let batchFirstRow = 1;
  const inFlight: Promise<BatchResult>[] = [];

  const progress = (): TagProgress => ({ rows, tagged, errors, bytesRead, elapsedMs: performance.now() - started });

  const write = async (text: string): Promise<void> => {
    const out = pendingHeader + text;
    pendingHeader = '';
    if (out.length === 0) return;
    outputStarted = true;
    await sink(out);
  };

  const dispatch = (): void => {
    if (batch.length === 0 || !spec) return;
    const p = executor.run({ spec, rows: batch, firstRow: batchFirstRow });
    // Awaited in order below; this only stops an early rejection from being reported as unhandled.
    p.catch(() => undefined);
    inFlight.push(p);
    batch = [];
    batchChars = 0;
  };

  const writeNext = async (): Promise<void> => {
    const result = await (inFlight.shift() as Promise<BatchResult>);
    rows += result.rows;
    tagged += result.tagged;
    errors += result.errors;
    if (result.records && hooks.onRecords) await hooks.onRecords(result.records);
    await write(result.text);
    await hooks.onProgress?.(progress());
  };

  const begin = async (header: string[], dialect: CsvDialect): Promise<void> => {
    const text = chooseTextColumn(header, options.textColumn);
    const id = options.idColumn === undefined ? undefined : chooseIdColumn(header, options.idColumn);
    spec = {
      format,
      header,
      textIndex: text.index,
      idIndex: id?.index,
      delimiter: dialect.delimiter,
      eol: dialect.eol,
      threshold: options.threshold,
      maxTextChars: options.maxTextChars ?? DEFAULT_MAX_TEXT_CHARS,
      ...(options.collect ? { collect: true } : {}),
    };
    columns = { header, text, id, dialect, format };
    await hooks.onHeader?.(columns);
    if (skip === 0) pendingHeader = (format === 'csv' && dialect.bom ? '\uFEFF' : '') + outputHeader(spec);
  };

  try {
    for await (const chunk of readCsv(source, { delimiter: options.delimiter, encoding: options.encoding, maxRecordChars: options.maxRecordChars })) {
      bytesRead = chunk.bytesRead;
      for (const record of chunk.records) {
        if (!spec) {
          await begin(record, chunk.dialect);
          continue;
        }
        dataRow++;
        if (dataRow <= skip) continue;
        if (batch.length === 0) batchFirstRow = dataRow;
        batch.push(record);
        for (const field of record) batchChars += field.length;
        if (batch.length >= batchRows || batchChars >= batchCharsLimit) {
          dispatch();
          while (inFlight.length >= maxInFlight) await writeNext();
        }
      }
    }
    dispatch();
    while (inFlight.length > 0) await writeNext();
    await write('');
  } catch (err) {
    if (!(err instanceof CsvInputError) || !outputStarted || !spec) throw err;
    // Output has begun: keep every row finished before the fault, then say where and why it stopped.
    dispatch();
    while (inFlight.length > 0) await writeNext();
    await write(fatalLine(spec, executor.taxonomyVersion, err));
    throw new TagStreamError(err, progress());
  }
  if (!columns) throw new CsvInputError('CSV_MALFORMED', 'the CSV is empty: there is no header row', { line: 1 });
  return { ...progress(), columns };
}

/** The last line of a stream that stopped on a fatal input error. */
export function fatalLine(spec: RowSpec, taxonomyVersion: string, err: CsvInputError): string {
  const message = `${err.code}: ${err.message}; the rows after this point were not processed`;
  if (spec.format === 'jsonl') return `${JSON.stringify({ row: null, fatal: true, code: err.code, line: err.line ?? null, taxonomyVersion, error: message })}\n`;
  return formatRow([...new Array<string>(spec.header.length).fill(''), ...errorCells(taxonomyVersion, message)], spec.delimiter) + spec.eol;
}

/**
 * A {@link TagSink} over a Node writable: waits for `drain` when the stream's buffer is full, and fails
 * (instead of waiting forever) when the stream closes or errors first, e.g. a client that hung up.
 */
export function writableSink(stream: Writable): TagSink {
  // Kept for the next write: an 'error' with no listener would crash the process (EPIPE on `| head`).
  let failure: Error | undefined;
  stream.on('error', (err) => {
    failure ??= err;
  });
  return (chunk) => {
    if (failure) return Promise.reject(failure);
    if (stream.destroyed || stream.writableEnded) return Promise.reject(new Error('the output stream is closed'));
    if (stream.write(chunk)) return undefined;
    return new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => {
        stream.off('drain', onDrain);
        stream.off('close', onClose);
        stream.off('error', onError);
        if (err) reject(err);
        else resolve();
      };
      const onDrain = (): void => done();
      const onClose = (): void => done(new Error('the output stream closed before the batch was written'));
      const onError = (err: Error): void => done(err);
      stream.on('drain', onDrain);
      stream.on('close', onClose);
      stream.on('error', onError);
    });
  };
}
