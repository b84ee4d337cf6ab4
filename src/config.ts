/**
 * Server configuration from environment variables, parsed ONCE at start with zod (no `process.env` reads deep
 * in modules). Every variable has an embedded default, so `npm start` needs nothing set. A bad value stops the
 * start with one line that names the variable (ConfigError).
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_TAXONOMY_DIR } from './paths.js';

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** `"1048576"`, `"512kb"`, `"10mb"`, `"4gb"` → bytes (binary units, as express's body parser reads them). */
function byteSize(max: number, maxLabel: string, example: string) {
  return z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i, `must be a size like ${example}`)
    .transform((s) => {
      const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(s) as RegExpExecArray;
      return Math.floor(Number(m[1]) * (SIZE_UNITS[(m[2] ?? '').toLowerCase()] ?? 1));
    })
    .pipe(z.number().int().min(1024, 'must be at least 1kb').max(max, `must be at most ${maxLabel}`));
}

const ByteSizeSchema = byteSize(512 * 1024 ** 2, '512mb', '1048576, 512kb or 10mb');
const UploadSizeSchema = byteSize(1024 ** 4, '1024gb', '500mb or 4gb');

/** An optional path, resolved against the working directory at start. */
const OptionalPath = z
  .string()
  .trim()
  .min(1)
  .transform((p) => (p === ':memory:' ? p : resolve(p)))
  .optional();

const intString = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The environment variables the server reads, with their defaults. Documented in README `## HTTP API`. */
export const EnvSchema = z.object({
  PORT: intString(0, 65535).default(3000),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** `auto`: human-readable lines only when stdout is a terminal, JSON otherwise. */
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  /** Byte limit of a JSON body (single classification and every other JSON endpoint). */
  BODY_LIMIT: ByteSizeSchema.default(1024 ** 2),
  /** Byte limit of a `POST /v1/classify/batch` body. */
  BATCH_BODY_LIMIT: ByteSizeSchema.default(10 * 1024 ** 2),
  /** Longest narrative accepted, in characters (UTF-16 code units, as JavaScript counts `length`). */
  MAX_NARRATIVE_CHARS: intString(1, 10_000_000).default(100_000),
  MAX_BATCH_ITEMS: intString(1, 100_000).default(1000),
  /** Default minimum score for a suggestion; a request may override it. */
  CLASSIFY_THRESHOLD: z
    .string()
    .trim()
    .regex(/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/, 'must be a number between 0 and 1')
    .transform(Number)
    .default(0.5),
  TAXONOMY_DIR: z
    .string()
    .trim()
    .min(1)
    .refine((d) => existsSync(d) && statSync(d).isDirectory(), 'must be an existing directory')
    .default(DEFAULT_TAXONOMY_DIR),
  /** SQLite file of the case store (created with its directory); `:memory:` for a throw-away store. */
  STORE_PATH: z.string().trim().min(1).default('data/cases.db'),
  /** How long a SIGTERM/SIGINT waits for in-flight requests before closing their connections. */
  SHUTDOWN_TIMEOUT_MS: intString(0, 600_000).default(10_000),
  /** Requests a minute per API key (per client address without a key); `0` turns the limit off. See src/http/rate-limit.ts. */
  RATE_LIMIT_PER_MINUTE: intString(0, 10_000_000).default(1200),
  /** Requests a caller may send at once above the steady rate (the bucket size). */
  RATE_LIMIT_BURST: intString(1, 1_000_000).default(200),
  /** Browser origins allowed to call the API cross-origin (comma-separated, exact); empty: CORS off. */
  CORS_ORIGINS: z
    .string()
    .transform((s, ctx) => {
      const origins = s.split(',').map((o) => o.trim()).filter((o) => o !== '');
      for (const o of origins) {
        let ok: boolean;
        try {
          const u = new URL(o);
          ok = (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === o;
        } catch {
          ok = false;
        }
        // No "*": the API holds personal data, so every allowed origin is named.
        if (!ok) ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of origins like https://review.example.org (got ${JSON.stringify(o.slice(0, 60))})` });
      }
      return origins;
    })
    .default([]),
  /** Longest time to receive one whole request, headers and body (node's requestTimeout); `0`: no limit. */
  REQUEST_TIMEOUT_MS: intString(0, 86_400_000).default(300_000),
  /** Longest time to receive a request's headers (node's headersTimeout): stops slow-header clients. */
  HEADERS_TIMEOUT_MS: intString(1000, 600_000).default(60_000),
  /** Largest CSV upload (`POST /v1/batch/csv`, `POST /v1/batches`), counted after decompression. */
  CSV_UPLOAD_LIMIT: UploadSizeSchema.default(4 * 1024 ** 3),
  /** SQLite file of the batch jobs; default `jobs.sqlite` beside STORE_PATH (`:memory:` when the store is). */
  JOBS_PATH: OptionalPath,
  /** Directory of batch jobs' input and result files; default `batches/` beside STORE_PATH. */
  BATCH_FILES_DIR: OptionalPath,
  /** Worker threads that classify requests, batches and jobs; `0` classifies on the event loop. Default: one per core. */
  WORKERS: intString(0, 256).optional(),
});

export interface Config {
  port: number;
  host: string;
  logLevel: (typeof LOG_LEVELS)[number];
  logFormat: 'auto' | 'json' | 'pretty';
  bodyLimit: number;
  batchBodyLimit: number;
  maxNarrativeChars: number;
  maxBatchItems: number;
  threshold: number;
  taxonomyDir: string;
  storePath: string;
  shutdownTimeoutMs: number;
  /** 0: no rate limit. */
  rateLimitPerMinute: number;
  rateLimitBurst: number;
  /** Empty: no CORS headers at all. */
  corsOrigins: readonly string[];
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  csvUploadLimit: number;
  /** Undefined: beside the case store. */
  jobsPath: string | undefined;
  batchFilesDir: string | undefined;
  /** Undefined: one per core. */
  workers: number | undefined;
}

/** The start-up failure: its message is one line naming each bad variable. */
export class ConfigError extends Error {
  readonly variables: readonly string[];
  constructor(message: string, variables: readonly string[]) {
    super(message);
    this.name = 'ConfigError';
    this.variables = variables;
  }
}

/**
 * Parses the environment. An empty variable counts as unset (compose files often write `PORT=`).
 * @throws ConfigError naming every invalid variable, on one line.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(EnvSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v.trim() !== '') input[key] = v;
  }
  const parsed = EnvSchema.safeParse(input);
  if (!parsed.success) {
    const seen = new Set<string>();
    const parts: string[] = [];
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '(environment)');
      if (seen.has(name)) continue;
      seen.add(name);
      const raw = input[name];
      const shown = raw === undefined ? '' : ` (got ${JSON.stringify(raw.length > 60 ? `${raw.slice(0, 60)}…` : raw)})`;
      parts.push(`${name} ${issue.message.replace(/^Invalid option: expected one of /, 'must be one of ')}${shown}`);
    }
    throw new ConfigError(`invalid configuration: ${parts.join('; ')}`, [...seen]);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    bodyLimit: e.BODY_LIMIT,
    batchBodyLimit: e.BATCH_BODY_LIMIT,
    maxNarrativeChars: e.MAX_NARRATIVE_CHARS,
    maxBatchItems: e.MAX_BATCH_ITEMS,
    threshold: e.CLASSIFY_THRESHOLD,
    taxonomyDir: e.TAXONOMY_DIR,
    storePath: e.STORE_PATH === ':memory:' ? e.STORE_PATH : resolve(e.STORE_PATH),
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    rateLimitBurst: e.RATE_LIMIT_BURST,
    corsOrigins: e.CORS_ORIGINS,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    headersTimeoutMs: e.HEADERS_TIMEOUT_MS,
    csvUploadLimit: e.CSV_UPLOAD_LIMIT,
    jobsPath: e.JOBS_PATH,
    batchFilesDir: e.BATCH_FILES_DIR,
    workers: e.WORKERS,
  };
}
