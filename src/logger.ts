/**
 * The process logger: pino, JSON lines by default, with redaction as a second line of defence (the first is
 * that no code logs narratives, bodies or headers at all). Human-readable lines only when a terminal asks.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.js';

/**
 * Paths censored in every log line. Narratives, request bodies, classification results (their evidence is
 * narrative text) and credentials must never reach a log. `err.body` matters: express's JSON parser attaches
 * the raw body to its parse errors.
 */
export const REDACT_PATHS = [
  'narrative',
  '*.narrative',
  'body',
  '*.body',
  'items',
  '*.items',
  'text',
  '*.text',
  'result',
  'results',
  'authorization',
  'apiKey',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'headers["proxy-authorization"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["proxy-authorization"]',
] as const;

export const REDACTED = '[REDACTED]';

export interface LoggerOptions {
  level: Config['logLevel'];
  format: Config['logFormat'];
  /** Where lines go (default: stdout). Tests pass an in-memory stream. */
  destination?: DestinationStream;
  /** Whether the destination is a terminal; defaults to `process.stdout.isTTY` when writing to stdout. */
  isTTY?: boolean;
}

const PRETTY_SKIP = new Set(['time', 'level', 'msg', 'pid', 'hostname']);
const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** One pino JSON line → `12:00:01.123 INFO  request reqId=… status=200`: for people reading a terminal. */
export function prettyLine(line: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { time, level, msg } = o;
  const t = typeof time === 'string' ? time.slice(11, 23) : typeof time === 'number' ? new Date(time).toISOString().slice(11, 23) : '';
  const lvl = (LEVEL_NAMES[Number(level)] ?? String(level)).padEnd(5);
  let stack = '';
  const fields: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (PRETTY_SKIP.has(k) || v === undefined) continue;
    if ((k === 'error' || k === 'err') && typeof v === 'object' && v !== null) {
      const { stack: s, ...rest } = v as { stack?: unknown };
      if (typeof s === 'string') stack = `\n    ${s.replace(/\n/g, '\n    ')}`;
      fields.push(`${k}=${JSON.stringify(rest)}`);
      continue;
    }
    fields.push(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  return `${t} ${lvl} ${typeof msg === 'string' ? msg : ''}${fields.length > 0 ? ` ${fields.join(' ')}` : ''}${stack}\n`;
}

function prettyStream(out: { write(s: string): unknown }): DestinationStream {
  return {
    write(chunk: string): void {
      out.write(prettyLine(chunk));
    },
  };
}

export function createLogger(options: LoggerOptions): Logger {
  const toStdout = options.destination === undefined;
  const isTTY = options.isTTY ?? (toStdout && process.stdout.isTTY === true);
  const pretty = options.format === 'pretty' || (options.format === 'auto' && isTTY);
  const destination: DestinationStream = pretty
    ? prettyStream(options.destination ?? process.stdout)
    : (options.destination ?? pino.destination({ dest: 1, sync: true }));
  return pino(
    {
      level: options.level,
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
