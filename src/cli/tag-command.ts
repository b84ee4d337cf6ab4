/**
 * `ai-crime-classifier tag input.csv -o output.csv`: the CSV (or JSONL) back with statute columns added, one
 * output row per input row, in order. `-` is stdin / stdout. Messages, the progress bar (on a terminal) and
 * the summary go to stderr, so stdout carries only data.
 */
import { createReadStream, createWriteStream, realpathSync, statSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { Classifier } from '../classify/classifier.js';
import { loadClassifier } from '../classify/load-classifier.js';
import { CsvInputError, parseCsvDelimiter, parseCsvEncoding, type CsvDelimiter, type CsvEncoding } from '../batch/csv-in.js';
import { DEFAULT_MAX_TEXT_CHARS, tagCsv, writableSink, type TagHeaderInfo, type TagProgress } from '../batch/tag-stream.js';
import { batchSource, createCasePersister, type CasePersister } from '../batch/persist-cases.js';
import { loadConfig } from '../config.js';
import { createSqliteStore } from '../store/sqlite-store.js';
import type { CaseStore } from '../store/store.js';
import { createHybridExecutor, createInlineExecutor, createWorkerPool, defaultWorkerUrl, type BatchExecutor } from '../batch/workers.js';
import { parseThreshold, UsageError } from './usage-error.js';

export const TAG_HELP = `  tag <input.csv|-> [-o <output|->]  tag every row of a CSV; output = input columns + statute columns
      -o, --output <path>      output file (default: stdout)
      --text-column <name>     narrative column (default: detected from narrative, description, details, …)
      --id-column <name>       column used as each result's id (JSONL output)
      --delimiter <d>          , ; tab or | (default: detected from the header line)
      --encoding <e>           utf8 (default), latin1, windows-1252, utf16le
      --format csv|jsonl       csv (default) or one JSON result per row with the input columns
      --threshold <0..1>       minimum score for a suggestion (default 0.5)
      --max-text-chars <n>     longer narratives become error rows (default ${DEFAULT_MAX_TEXT_CHARS})
      --workers <n>            worker threads beside the main thread, which classifies too
                               (default: cores - 1; 0 = main thread only)
      --no-progress            no progress bar on a terminal
      --taxonomy <dir>         use another taxonomy directory
      --persist                also store every classified row as a case (error rows are not stored;
                               source batch:<file name>, external id = --id-column value or text hash;
                               running the same file again adds nothing)
      --store <path>           case database for --persist (default: STORE_PATH, else data/cases.db)
`;

/** Below this size a file is tagged on the main thread: starting workers costs more than it saves. */
const SMALL_INPUT_BYTES = 1024 * 1024;

function positiveInt(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min) throw new UsageError(`--${name} must be a whole number of at least ${min}, got "${value}"`);
  return n;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const m = Math.floor(seconds / 60);
  return m < 60 ? `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

const count = (n: number): string => n.toLocaleString('en-US');

/** A one-line progress bar redrawn at most every 200 ms: rows, rows/s and, when the size is known, % and ETA. */
function createProgressBar(stream: NodeJS.WriteStream, totalBytes: number | undefined): { update: (p: TagProgress) => void; clear: () => void } {
  let last = 0;
  let drawn = false;
  return {
    update(p) {
      const now = performance.now();
      if (now - last < 200) return;
      last = now;
      const rate = p.elapsedMs > 0 ? (p.rows * 1000) / p.elapsedMs : 0;
      let line = `tagging ${count(p.rows)} rows  ${count(Math.round(rate))} rows/s`;
      if (totalBytes && totalBytes > 0) {
        const frac = Math.min(1, p.bytesRead / totalBytes);
        const width = 24;
        const fill = Math.round(frac * width);
        const eta = frac > 0 ? ((p.elapsedMs / 1000) * (1 - frac)) / frac : NaN;
        line = `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${(frac * 100).toFixed(0).padStart(3)}%  ${line}  ETA ${formatDuration(eta)}`;
      }
      stream.write(`\r${line.slice(0, (stream.columns || 100) - 1)}\x1b[K`);
      drawn = true;
    },
    clear() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}

export async function tagCommand(args: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      allowNegative: true,
      strict: true,
      options: {
        output: { type: 'string', short: 'o' },
        'text-column': { type: 'string' },
        'id-column': { type: 'string' },
        delimiter: { type: 'string' },
        encoding: { type: 'string' },
        format: { type: 'string', default: 'csv' },
        threshold: { type: 'string' },
        'max-text-chars': { type: 'string' },
        workers: { type: 'string' },
        progress: { type: 'boolean', default: true },
        taxonomy: { type: 'string' },
        persist: { type: 'boolean', default: false },
        store: { type: 'string' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError('usage: tag <input.csv|-> [-o output.csv] [options] (see help)');
  const input = positionals[0] as string;
  const output = values.output ?? '-';
  const format = values.format;
  if (format !== 'csv' && format !== 'jsonl') throw new UsageError(`--format must be csv or jsonl, got "${format}"`);
  let delimiter: CsvDelimiter | undefined;
  if (values.delimiter !== undefined) {
    delimiter = parseCsvDelimiter(values.delimiter);
    if (!delimiter) throw new UsageError(`--delimiter must be one of , ; tab | (got "${values.delimiter}")`);
  }
  let encoding: CsvEncoding | undefined;
  if (values.encoding !== undefined) {
    encoding = parseCsvEncoding(values.encoding);
    if (!encoding) throw new UsageError(`--encoding must be utf8, latin1, windows-1252 or utf16le (got "${values.encoding}")`);
  }
  const threshold = parseThreshold(values.threshold);
  const maxTextChars = positiveInt('max-text-chars', values['max-text-chars'], 1);
  let workers = positiveInt('workers', values.workers, 0);
  if (values.store !== undefined && !values.persist) throw new UsageError('--store is only used with --persist');

  let totalBytes: number | undefined;
  if (input !== '-') {
    try {
      const st = statSync(input);
      if (!st.isFile()) throw new UsageError(`${input} is not a file`);
      totalBytes = st.size;
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`cannot read ${input}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (output !== '-' && safeRealpath(output) === realpathSync(input)) throw new UsageError('the output file is the input file; choose another -o path');
    if (workers === undefined && totalBytes < SMALL_INPUT_BYTES) workers = 0;
  }

  // The main thread parses, writes, and classifies whatever the workers have no room for (hybrid): every
  // core is used with one isolate fewer than a worker per core (each costs ~60 MB; the 1 GB target is 300 MB).
  // The workers are started first, so they load the taxonomy while this thread loads its own (~1 s each).
  const workerUrl = defaultWorkerUrl();
  const size = workers ?? Math.max(1, availableParallelism() - 1);
  const starting = size > 0 && workerUrl ? createWorkerPool({ size, taxonomyDir: values.taxonomy, threshold, workerUrl }) : undefined;
  let classifier: Classifier;
  try {
    classifier = loadClassifier({ taxonomyDir: values.taxonomy, threshold });
  } catch (err) {
    await starting?.then((pool) => pool.close(), () => undefined);
    throw err;
  }
  let executor: BatchExecutor;
  if (starting) {
    const pool = await starting;
    try {
      executor = createHybridExecutor(classifier, pool); // refuses workers that loaded another taxonomy version
    } catch (err) {
      await pool.close();
      throw err;
    }
  } else executor = createInlineExecutor(classifier);
  const source = input === '-' ? process.stdin : createReadStream(input, { highWaterMark: 256 * 1024 });
  let out: Writable = process.stdout;
  let file: WriteStream | undefined;
  if (output !== '-') {
    file = createWriteStream(output);
    out = file;
    await once(file, 'open');
  }
  let store: CaseStore | undefined;
  let persister: CasePersister | undefined;
  if (values.persist) {
    // The server's STORE_PATH (and its default) unless --store names another file: the CLI and the server share cases.
    store = createSqliteStore({ path: values.store ?? loadConfig({ STORE_PATH: process.env.STORE_PATH }).storePath });
    persister = createCasePersister({ store, source: batchSource(input === '-' ? 'stdin' : input) });
  }
  const bar = values.progress && process.stderr.isTTY ? createProgressBar(process.stderr, totalBytes) : undefined;
  const announce = (info: TagHeaderInfo): void => {
    const how = info.text.source === 'detected' ? 'detected; --text-column chooses another' : 'given';
    const delim = info.dialect.delimiterDetected && info.dialect.delimiter !== ',' ? `, delimiter ${JSON.stringify(info.dialect.delimiter)} detected` : '';
    process.stderr.write(`text column: "${info.text.name}" (${how})${delim}\n`);
  };

  try {
    const summary = await tagCsv(
      source,
      writableSink(out),
      executor,
      { textColumn: values['text-column'], idColumn: values['id-column'], delimiter, encoding, format, threshold, maxTextChars, collect: persister !== undefined },
      { onHeader: announce, onProgress: bar?.update, onRecords: persister?.onRecords },
    );
    if (file) await new Promise<void>((resolve, reject) => file.end((err?: Error | null) => (err ? reject(err) : resolve())));
    bar?.clear();
    const seconds = summary.elapsedMs / 1000;
    const rate = seconds > 0 ? Math.round(summary.rows / seconds) : summary.rows;
    process.stderr.write(
      `tagged ${count(summary.rows)} ${summary.rows === 1 ? 'row' : 'rows'} in ${formatDuration(seconds)} (${count(rate)} rows/s): ${count(summary.tagged)} with a statute, ${count(summary.errors)} errors${output === '-' ? '' : ` → ${output}`}\n`,
    );
    if (persister) {
      const c = persister.counts();
      process.stderr.write(`cases: ${count(c.created)} created, ${count(c.existing)} already stored, ${count(summary.errors)} error rows not stored\n`);
    }
  } catch (err) {
    bar?.clear();
    file?.end();
    // A reader that stops early (`| head`) is not a failure of ours.
    if ((err as NodeJS.ErrnoException).code === 'EPIPE' && output === '-') return;
    if (err instanceof CsvInputError) {
      const kept = 'progress' in err ? ` (${count((err as { progress: TagProgress }).progress.rows)} rows before it were written, then an error row)` : '';
      throw new UsageError(`${err.code}: ${err.message}${kept}`, 1);
    }
    throw err;
  } finally {
    await executor.close();
    await store?.close();
  }
}

function safeRealpath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}
