/**
 * CSV input: sniff the dialect from the header line, then parse the byte stream with csv-parse into records,
 * chunk by chunk, with the caller pulling (so a slow consumer slows the reading: backpressure).
 *
 * Records are taken as csv-parse emits them and never pass through its readable side: every record parsed
 * before a fatal error reaches the caller (a stream error would discard the records still buffered), and a
 * record costs no stream buffering.
 */
import { parse, type CsvError } from 'csv-parse';

/** Encodings a CSV may be read in. `windows-1252` is what Excel calls "ANSI" on Western-European systems. */
export const CSV_ENCODINGS = ['utf8', 'latin1', 'windows-1252', 'utf16le'] as const;
export type CsvEncoding = (typeof CSV_ENCODINGS)[number];

const ENCODING_ALIASES: Record<string, CsvEncoding> = {
  utf8: 'utf8',
  'utf-8': 'utf8',
  latin1: 'latin1',
  'iso-8859-1': 'latin1',
  'iso8859-1': 'latin1',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
  utf16le: 'utf16le',
  'utf-16le': 'utf16le',
};

/** `'UTF-8'` → `'utf8'`; undefined when the name is not supported. */
export function parseCsvEncoding(name: string): CsvEncoding | undefined {
  return ENCODING_ALIASES[name.trim().toLowerCase()];
}

/** Delimiters the sniffer chooses among, in tie-break order. */
export const CSV_DELIMITERS = [',', ';', '\t', '|'] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

const DELIMITER_NAMES: Record<string, CsvDelimiter> = {
  ',': ',',
  comma: ',',
  ';': ';',
  semicolon: ';',
  '\t': '\t',
  '\\t': '\t',
  tab: '\t',
  '|': '|',
  pipe: '|',
};

/** `'tab'`, `'\t'`, `';'` … → the delimiter; undefined when not one of {@link CSV_DELIMITERS}. */
export function parseCsvDelimiter(name: string): CsvDelimiter | undefined {
  return DELIMITER_NAMES[name] ?? DELIMITER_NAMES[name.trim().toLowerCase()];
}

/** What the output mirrors of the input, so a file comes back in the shape it went in. */
export interface CsvDialect {
  delimiter: CsvDelimiter;
  /** Record separator of the header line; the output uses the same. */
  eol: '\n' | '\r\n';
  /** The input started with a byte order mark (the output then starts with a UTF-8 one, which Excel needs). */
  bom: boolean;
  encoding: CsvEncoding;
  /** True when the delimiter was sniffed rather than given. */
  delimiterDetected: boolean;
}

/** Codes of the errors that stop a whole file (they are catalog codes, see src/errors.ts). */
export type CsvInputErrorCode = 'CSV_MALFORMED' | 'CSV_MISSING_COLUMN';

/** A file-level CSV failure: the message names the line (or lists the columns), never a stack trace. */
export class CsvInputError extends Error {
  readonly code: CsvInputErrorCode;
  /** 1-based physical line the problem was found on, when known. */
  readonly line: number | undefined;
  /** The header's columns, for CSV_MISSING_COLUMN. */
  readonly columns: readonly string[] | undefined;
  constructor(code: CsvInputErrorCode, message: string, details: { line?: number; columns?: readonly string[] } = {}) {
    super(message);
    this.name = 'CsvInputError';
    this.code = code;
    this.line = details.line;
    this.columns = details.columns;
  }
}

export interface ReadCsvOptions {
  /** Field delimiter; sniffed from the header line when absent. */
  delimiter?: CsvDelimiter;
  encoding?: CsvEncoding;
  /**
   * Longest record csv-parse may buffer, in characters: the bound on memory for one row. A longer record
   * stops the file (CSV_MALFORMED naming the line). Default 16 Mi characters.
   */
  maxRecordChars?: number;
}

/** One pull from {@link readCsv}: the records parsed from the next piece of input. */
export interface CsvChunk {
  dialect: CsvDialect;
  records: string[][];
  /** Input bytes consumed so far (for progress and ETA). */
  bytesRead: number;
}

export const DEFAULT_MAX_RECORD_CHARS = 16 * 1024 * 1024;
const SNIFF_BYTES = 64 * 1024;
const UTF16LE_BOM = Buffer.from([0xff, 0xfe]);
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Guesses the dialect from the start of the file: the delimiter is the candidate seen most often, outside
 * quotes, in the header line (ties go to the earlier in {@link CSV_DELIMITERS}; none at all means one column,
 * and `,`); the line ending is the header's.
 */
export function sniffDialect(head: Buffer, options: ReadCsvOptions = {}): CsvDialect {
  let encoding: CsvEncoding = options.encoding ?? 'utf8';
  let bom = false;
  let body = head;
  if (head.subarray(0, 3).equals(UTF8_BOM)) {
    bom = true;
    body = head.subarray(3);
    encoding = 'utf8';
  } else if (head.subarray(0, 2).equals(UTF16LE_BOM)) {
    bom = true;
    body = head.subarray(2);
    encoding = 'utf16le';
  }
  const text = decodeHead(body, encoding);
  const counts = new Map<string, number>();
  let inQuotes = false;
  let eol: CsvDialect['eol'] = '\n';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (ch === '\n' || ch === '\r')) {
      if (ch === '\r' && text[i + 1] === '\n') eol = '\r\n';
      break;
    } else if (!inQuotes) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let delimiter: CsvDelimiter = ',';
  let best = 0;
  for (const d of CSV_DELIMITERS) {
    const n = counts.get(d) ?? 0;
    if (n > best) {
      best = n;
      delimiter = d;
    }
  }
  if (options.delimiter) delimiter = options.delimiter;
  return { delimiter, eol, bom, encoding, delimiterDetected: options.delimiter === undefined };
}

function decodeHead(bytes: Buffer, encoding: CsvEncoding): string {
  if (encoding === 'windows-1252') return new TextDecoder('windows-1252').decode(bytes);
  return bytes.toString(encoding);
}

/** Offset of the line break that ends the header line (outside quotes), or -1 when `head` does not hold it yet. */
export function headerLineEnd(head: Buffer): number {
  let inQuotes = false;
  for (let i = 0; i < head.length; i++) {
    const b = head[i];
    if (b === 0x22) inQuotes = !inQuotes;
    else if (!inQuotes && (b === 0x0a || b === 0x0d)) return i;
  }
  return -1;
}

/**
 * The header record and dialect from the first bytes of an upload, so a wrong file can be refused before the
 * rest of it arrives. Only the header line is parsed (the bytes after it may stop mid-record).
 * @throws CsvInputError for binary data, an empty head or a header that does not parse.
 */
export async function readCsvHeader(head: Buffer, options: ReadCsvOptions = {}): Promise<{ header: string[]; dialect: CsvDialect }> {
  const end = headerLineEnd(head);
  const line = end === -1 ? head : head.subarray(0, end);
  for await (const chunk of readCsv([line], options)) {
    const header = chunk.records[0];
    if (header) return { header, dialect: chunk.dialect };
  }
  throw new CsvInputError('CSV_MALFORMED', 'the CSV is empty: there is no header row', { line: 1 });
}

function countNewlines(buf: Buffer, end: number): number {
  let n = 0;
  for (let i = buf.indexOf(0x0a); i !== -1 && i < end; i = buf.indexOf(0x0a, i + 1)) n++;
  return n;
}

/** csv-parse's error → one line naming the line, with the hint a data team needs. */
function fromCsvParseError(err: CsvError, lastRecordLine: number): CsvInputError {
  const line = typeof err.lines === 'number' ? err.lines : undefined;
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new CsvInputError(
        'CSV_MALFORMED',
        `unclosed quote: a quoted field that begins after line ${lastRecordLine} is still open at the end of the file (line ${line ?? '?'}); close the quote or double the quote characters inside the field`,
        { line: lastRecordLine + 1 },
      );
    case 'CSV_MAX_RECORD_SIZE':
      return new CsvInputError('CSV_MALFORMED', `record too large at line ${line ?? '?'}: ${err.message} (a wrong delimiter or an unbalanced quote is the usual cause)`, { line });
    default:
      return new CsvInputError('CSV_MALFORMED', `cannot parse the CSV at line ${line ?? '?'}: ${err.message}`, { line });
  }
}

function isCsvError(err: unknown): err is CsvError {
  const code = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('CSV_');
}

type Chunk = Buffer | string | Uint8Array;

async function* toAsyncGen<T>(items: Iterable<T>): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item);
}

function toAsync<T>(items: Iterable<T>): AsyncIterator<T> {
  return toAsyncGen(items);
}

function toBuffer(chunk: Chunk): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Parses a CSV byte stream. Yields the records (the header is the first record of the first non-empty
 * chunk) as they are parsed; throws {@link CsvInputError} when the file cannot be parsed, after yielding
 * every record before the fault. Binary input (a NUL byte, outside UTF-16) is refused with its line.
 */
export async function* readCsv(source: AsyncIterable<Chunk> | Iterable<Chunk>, options: ReadCsvOptions = {}): AsyncGenerator<CsvChunk> {
  const iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : toAsync(source);
  const held: Buffer[] = [];
  let heldBytes = 0;
  let ended = false;
  // The dialect is sniffed from the first whole line, so hold the first chunks until one is seen.
  while (heldBytes < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    const buf = toBuffer(next.value);
    held.push(buf);
    heldBytes += buf.length;
    if (headerLineEnd(Buffer.concat(held)) !== -1) break;
  }
  const head = Buffer.concat(held);
  const dialect = sniffDialect(head, options);

  let records: string[][] = [];
  let lastRecordLine = 0;
  const parser = parse({
    delimiter: dialect.delimiter,
    // windows-1252 is transcoded to UTF-8 below; csv-parse decodes the others itself.
    encoding: dialect.encoding === 'windows-1252' ? 'utf8' : dialect.encoding,
    bom: true,
    // Bad rows are reported on the row, not by stopping the file: mismatched rows, stray quotes inside an
    // unquoted field ("5" pipe") are kept as they are; blank lines are not rows.
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: options.maxRecordChars ?? DEFAULT_MAX_RECORD_CHARS,
  });
  // Records are taken as csv-parse pushes them (it calls `this.push(record)` for each, then `push(null)`),
  // so they never sit in the readable buffer, where an error would discard them. Cheaper than `on_record`,
  // which builds two info objects per record (~9% of parse time, profiled).
  const push = parser.push.bind(parser);
  parser.push = (record: unknown): boolean => {
    if (record === null) return push(null);
    records.push(record as string[]);
    lastRecordLine = parser.info.lines;
    return true;
  };
  // Errors arrive through the write callbacks below; this listener only keeps them from being "unhandled".
  parser.on('error', () => undefined);
  const decoder = dialect.encoding === 'windows-1252' ? new TextDecoder('windows-1252') : undefined;
  const checkBinary = dialect.encoding !== 'utf16le';
  let bytesRead = 0;
  // Counted here rather than read from csv-parse, whose line count lags at chunk boundaries.
  let newlines = 0;
  let sawData = false;

  const feed = (buf: Buffer): Promise<void> => {
    if (checkBinary) {
      const nul = buf.indexOf(0);
      if (nul !== -1) {
        const line = newlines + countNewlines(buf, nul) + 1;
        throw new CsvInputError('CSV_MALFORMED', `binary data at line ${line}: the input contains NUL bytes, so it is not a text CSV (an .xlsx, a compressed file, or UTF-16 without a byte order mark?)`, { line });
      }
    }
    bytesRead += buf.length;
    if (checkBinary) newlines += countNewlines(buf, buf.length);
    const data = decoder ? Buffer.from(decoder.decode(buf, { stream: true }), 'utf8') : buf;
    return new Promise<void>((resolve, reject) => {
      parser.write(data, (err) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()));
    });
  };

  const take = (): CsvChunk => {
    const out = records;
    records = [];
    if (out.length > 0) sawData = true;
    return { dialect, records: out, bytesRead };
  };

  try {
    try {
      if (head.length > 0) await feed(head);
      if (records.length > 0) yield take();
      while (!ended) {
        const next = await iterator.next();
        if (next.done) break;
        await feed(toBuffer(next.value));
        if (records.length > 0) yield take();
      }
      if (decoder) {
        const rest = decoder.decode();
        if (rest) await feed(Buffer.from(rest, 'utf8'));
      }
      await new Promise<void>((resolve, reject) => {
        parser.end((err?: Error | null) => (err ? reject(err) : resolve()));
      });
    } catch (err) {
      // Every record parsed before the fault still goes out, then the fault.
      if (records.length > 0) yield take();
      if (err instanceof CsvInputError) throw err;
      if (isCsvError(err)) throw fromCsvParseError(err, lastRecordLine);
      throw err;
    }
    if (records.length > 0) yield take();
    if (!sawData) throw new CsvInputError('CSV_MALFORMED', 'the CSV is empty: there is no header row', { line: 1 });
  } finally {
    parser.destroy();
    // Stop the source when the consumer stops early (an error downstream, a closed connection).
    await iterator.return?.();
  }
}
