/**
 * `POST /v1/batch/csv`: a CSV body in, the tagged CSV (or JSONL) streamed back as it is produced, one output
 * row per input row in input order. Nothing is buffered: the body is parsed as it arrives, classified by the
 * shared worker pool, and written with backpressure both ways.
 *
 * Errors: everything found before the first output byte (bad query, media type, size, a header without a
 * narrative column, binary data, a small file with an unclosed quote) is a problem+json 4xx. After streaming
 * began, a fatal CSV error ends the body with one error row (the `error` column says what and where) and the
 * HTTP trailer `X-Batch-Status: failed` (with `X-Batch-Error: <code>`); a complete body ends with
 * `X-Batch-Status: complete`, `X-Batch-Rows` and `X-Batch-Errors`.
 *
 * With `persist=true` every classified row is also stored as a case (src/batch/persist-cases.ts), one store
 * transaction per batch of rows before that batch is written; the trailers `X-Batch-Cases-Created` and
 * `X-Batch-Cases-Existing` say how many were new and how many were already stored (on failure too: the rows
 * before the fault are stored).
 */
import { pipeline } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { CSV_DELIMITERS, CSV_ENCODINGS, CsvInputError, parseCsvDelimiter, parseCsvEncoding, type CsvEncoding } from '../../batch/csv-in.js';
import { tagCsv, TagStreamError, writableSink, type TagHeaderInfo } from '../../batch/tag-stream.js';
import type { BatchExecutor } from '../../batch/workers.js';
import { createCasePersister, type CasePersister } from '../../batch/persist-cases.js';
import type { CaseStore } from '../../store/store.js';
import { AppError, type ErrorCode } from '../../errors.js';
import { createRouteTable, type Mount } from '../route-table.js';
import { parseRequest } from '../validate.js';

/** Query parameters shared by the streaming endpoint and `POST /v1/batches`. */
export const BatchQuerySchema = z
  .strictObject({
    textColumn: z.string().trim().min(1).max(200).optional().describe('Narrative column; detected from common names (narrative, description, details, …) when absent'),
    idColumn: z.string().trim().min(1).max(200).optional().describe('Column whose value becomes each result\'s `id` (JSONL)'),
    delimiter: z
      .string()
      .transform((d, ctx) => {
        const v = parseCsvDelimiter(d);
        if (!v) ctx.addIssue({ code: 'custom', message: `must be one of ${CSV_DELIMITERS.map((x) => JSON.stringify(x)).join(', ')} (or comma, semicolon, tab, pipe)` });
        return v;
      })
      .optional()
      .describe('Field delimiter: `,` `;` `tab` or `|`; detected from the header line when absent'),
    encoding: z
      .string()
      .transform((e, ctx) => {
        const v = parseCsvEncoding(e);
        if (!v) ctx.addIssue({ code: 'custom', message: `must be one of ${CSV_ENCODINGS.join(', ')}` });
        return v;
      })
      .optional()
      .describe('Input encoding: utf8 (default), latin1, windows-1252 or utf16le; also taken from the Content-Type charset'),
    format: z.enum(['csv', 'jsonl']).default('csv').describe('csv: the input columns plus result columns; jsonl: one full result per row with the input columns'),
    threshold: z.coerce.number().min(0).max(1).optional().describe('Minimum score for a suggestion (default: the server\'s CLASSIFY_THRESHOLD)'),
    // An enum, not z.coerce.boolean(): coercion would read the string "false" as true.
    persist: z
      .enum(['true', 'false', '1', '0'])
      .default('false')
      .transform((v) => v === 'true' || v === '1')
      .describe(
        'true: also store every classified row as a review case (source + external id = the id column\'s value, else the narrative\'s hash; an existing case is left as it is, so sending a file again creates nothing new). Error rows are not stored. Needs the case store (400 without one). Counts: trailers `X-Batch-Cases-Created` / `X-Batch-Cases-Existing` (streaming), `progress.casesCreated` / `casesExisting` (jobs)',
      ),
    source: z
      .string()
      .trim()
      .min(1)
      .max(200)
      // eslint-disable-next-line no-control-regex
      .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters')
      .default('batch')
      .describe('With persist=true: the cases\' source (default `batch`); with the external id it identifies a case'),
  })
  .describe('Batch options');
export type BatchQuery = z.output<typeof BatchQuerySchema>;

/** Media types accepted for a CSV body (some browsers label .csv files text/plain). */
const CSV_MEDIA_TYPES = new Set(['text/csv', 'application/csv', 'text/plain', 'text/tab-separated-values']);

const CHARSETS: Record<string, CsvEncoding> = {
  'utf-8': 'utf8',
  utf8: 'utf8',
  'us-ascii': 'utf8',
  'iso-8859-1': 'latin1',
  latin1: 'latin1',
  'windows-1252': 'windows-1252',
  'utf-16le': 'utf16le',
};

/** Checks Content-Type and its charset; returns the encoding the charset names, if any. */
export function csvContentType(req: Request): CsvEncoding | undefined {
  const header = req.headers['content-type'];
  if (!header) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the CSV with Content-Type: text/csv.');
  const [type, ...params] = header.split(';').map((s) => s.trim().toLowerCase());
  if (!type || !CSV_MEDIA_TYPES.has(type)) throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be text/csv (got ${JSON.stringify(type?.slice(0, 60) ?? '')}).`);
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/^"|"$/g, '');
  if (charset === undefined) return undefined;
  const encoding = CHARSETS[charset];
  if (!encoding) throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Unsupported charset ${JSON.stringify(charset.slice(0, 40))}; use utf-8, iso-8859-1, windows-1252 or utf-16le.`);
  return encoding;
}

/**
 * The request body as a stream of (decompressed) chunks, refusing more than `limit` bytes. Stopping early
 * does not destroy the request, so an error can still be answered; the connection is closed after it.
 */
export function csvBody(req: Request, res: Response, limit: number): AsyncIterable<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new AppError('PAYLOAD_TOO_LARGE', `The body is ${declared} bytes; the limit is ${limit}.`);
  const coding = (req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  const decoder =
    coding === 'identity' ? undefined : coding === 'gzip' || coding === 'x-gzip' ? createGunzip() : coding === 'deflate' ? createInflate() : coding === 'br' ? createBrotliDecompress() : null;
  if (decoder === null) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported Content-Encoding; send identity, gzip, deflate or br.');
  // Whatever happens next, do not keep a half-read request's connection for another request.
  res.setHeader('Connection', 'close');
  const stream = decoder ? pipeline(req, decoder, () => undefined) : req;
  return (async function* () {
    let size = 0;
    for await (const chunk of stream.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw new AppError('PAYLOAD_TOO_LARGE', `The body is over the limit of ${limit} bytes.`);
      yield chunk;
    }
  })();
}

/** A CSV input error as the catalog error it is. */
export function toCsvAppError(err: CsvInputError): AppError {
  return new AppError(err.code satisfies ErrorCode, err.message);
}

/** ASCII-only header value (column names may be any Unicode). */
export function headerValue(s: string): string {
  return encodeURIComponent(s).slice(0, 500);
}

export interface BatchCsvRouteDeps {
  /** The shared executor, created on first use. */
  executor: () => Promise<BatchExecutor>;
  /** Longest narrative classified (MAX_NARRATIVE_CHARS); longer ones become error rows. */
  maxTextChars: number;
  /** Largest body, in (decompressed) bytes. */
  maxUploadBytes: number;
  /** The case store, for `persist=true`; without one such a request is refused. */
  store?: CaseStore | undefined;
}

const TRAILERS = ['X-Batch-Status', 'X-Batch-Rows', 'X-Batch-Errors', 'X-Batch-Error', 'X-Batch-Error-Line'];
const CASE_TRAILERS = ['X-Batch-Cases-Created', 'X-Batch-Cases-Existing'];

/** The store `persist=true` needs, or a 400 saying the server has none. */
export function persistStore(store: CaseStore | undefined): CaseStore {
  if (!store) throw new AppError('INVALID_REQUEST', 'persist=true needs the case store, and this server runs without one; send the batch without persist.');
  return store;
}

function caseTrailers(persister: CasePersister | undefined): Record<string, string> {
  if (!persister) return {};
  const c = persister.counts();
  return { 'X-Batch-Cases-Created': String(c.created), 'X-Batch-Cases-Existing': String(c.existing) };
}

function startResponse(res: Response, info: TagHeaderInfo | undefined, executor: BatchExecutor, format: 'csv' | 'jsonl', persist: boolean): void {
  res.status(200);
  res.setHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="tagged.${format}"`);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Taxonomy-Version', executor.taxonomyVersion);
  if (info) {
    res.setHeader('X-Text-Column', headerValue(info.text.name));
    res.setHeader('X-Text-Column-Source', info.text.source);
  }
  res.setHeader('Trailer', (persist ? [...TRAILERS, ...CASE_TRAILERS] : TRAILERS).join(', '));
}

export function createBatchCsvRoutes(deps: BatchCsvRouteDeps): Mount {
  const table = createRouteTable();
  table.add(
    {
      method: 'post',
      path: '/v1/batch/csv',
      operationId: 'tagCsv',
      tags: ['batch'],
      summary: 'Tag a CSV of case narratives, streamed: the same rows back with statute columns added (ingest)',
      description:
        'Send the CSV as the body (`text/csv`; gzip/deflate/br accepted). The answer streams back as rows are tagged: every input column in order, then `statutes` ("1030;1343"), `subsections`, `score`, `ai_involved`, `ai_kinds`, `ai_agent_exfiltration`, `exfiltration_patterns`, `priority`, `taxonomy_version`, `error`. One output row per input row, in order; a row with an empty or over-long narrative or the wrong number of fields keeps its cells and gets a message in `error`. Cells starting with = + - @ tab or CR are prefixed with \' (spreadsheet formula injection). Errors found before the first byte are problem+json; a fatal CSV error after streaming began ends the body with an error row and the trailer `X-Batch-Status: failed`; success ends with `X-Batch-Status: complete`. With `persist=true` each classified row is also stored as a review case and the trailers `X-Batch-Cases-Created` / `X-Batch-Cases-Existing` give the counts (rows already stored under the same source and external id are left as they were). For large files use `POST /v1/batches` (a job you can poll).',
      query: BatchQuerySchema,
      requestBody: { contentType: 'text/csv', description: 'The CSV file (header row first)', required: true },
      responses: {
        200: {
          description: 'The tagged CSV (text/csv) or JSONL (application/x-ndjson), streamed; trailers X-Batch-Status, X-Batch-Rows, X-Batch-Errors (and with persist=true X-Batch-Cases-Created, X-Batch-Cases-Existing)',
          contentType: 'text/csv',
          headers: { 'X-Text-Column': 'The narrative column used (percent-encoded)', 'X-Text-Column-Source': '`given` or `detected`', 'X-Taxonomy-Version': 'Taxonomy version of every row' },
        },
      },
      errors: ['UNAUTHORIZED', 'FORBIDDEN', 'INVALID_REQUEST', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE', 'CSV_MALFORMED', 'CSV_MISSING_COLUMN'],
    },
    async (req, res) => {
      const q = parseRequest(BatchQuerySchema, req.query);
      const persister = q.persist ? createCasePersister({ store: persistStore(deps.store), source: q.source }) : undefined;
      const charsetEncoding = csvContentType(req);
      const body = csvBody(req, res, deps.maxUploadBytes);
      const executor = await deps.executor();
      const write = writableSink(res);
      let info: TagHeaderInfo | undefined;
      let started = false;
      const sink = (chunk: string): void | Promise<void> => {
        if (!started) {
          started = true;
          startResponse(res, info, executor, q.format, persister !== undefined);
        }
        return write(chunk);
      };
      try {
        const summary = await tagCsv(
          body,
          sink,
          executor,
          { textColumn: q.textColumn, idColumn: q.idColumn, delimiter: q.delimiter, encoding: q.encoding ?? charsetEncoding, format: q.format, threshold: q.threshold, maxTextChars: deps.maxTextChars, collect: persister !== undefined },
          { onHeader: (i) => void (info = i), onRecords: persister?.onRecords },
        );
        if (!started) startResponse(res, info, executor, q.format, persister !== undefined);
        res.addTrailers({ 'X-Batch-Status': 'complete', 'X-Batch-Rows': String(summary.rows), 'X-Batch-Errors': String(summary.errors), ...caseTrailers(persister) });
        res.end();
        req.log.info({ rows: summary.rows, errors: summary.errors, ms: Math.round(summary.elapsedMs), ...(persister ? { cases: persister.counts() } : {}) }, 'csv batch tagged');
      } catch (err) {
        if (err instanceof TagStreamError) {
          res.locals.errorCode = err.code;
          res.addTrailers({ 'X-Batch-Status': 'failed', 'X-Batch-Rows': String(err.progress.rows), 'X-Batch-Errors': String(err.progress.errors), 'X-Batch-Error': err.code, 'X-Batch-Error-Line': String(err.line ?? ''), ...caseTrailers(persister) });
          res.end();
          req.log.warn({ errorCode: err.code, line: err.line, rows: err.progress.rows }, 'csv batch stopped on a fatal CSV error after streaming began');
          return;
        }
        if (err instanceof CsvInputError) throw toCsvAppError(err);
        throw err;
      }
    },
  );
  return table.mount();
}
