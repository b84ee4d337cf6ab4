import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, EnvSchema, loadConfig } from '../../src/config.js';
import { DEFAULT_TAXONOMY_DIR, PACKAGE_ROOT } from '../../src/paths.js';

describe('loadConfig', () => {
  it('returns the embedded defaults when no variable is set', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      logLevel: 'info',
      logFormat: 'auto',
      bodyLimit: 1024 ** 2,
      batchBodyLimit: 10 * 1024 ** 2,
      maxNarrativeChars: 100_000,
      maxBatchItems: 1000,
      threshold: 0.5,
      taxonomyDir: DEFAULT_TAXONOMY_DIR,
      storePath: resolve('data/cases.db'),
      shutdownTimeoutMs: 10_000,
      rateLimitPerMinute: 1200,
      rateLimitBurst: 200,
      corsOrigins: [],
      requestTimeoutMs: 300_000,
      headersTimeoutMs: 60_000,
      csvUploadLimit: 4 * 1024 ** 3,
      jobsPath: undefined,
      batchFilesDir: undefined,
      workers: undefined,
    });
  });

  it('reads the batch settings: an upload limit in gb or mb, and paths resolved at start', () => {
    expect(loadConfig({ CSV_UPLOAD_LIMIT: '500mb' }).csvUploadLimit).toBe(500 * 1024 ** 2);
    expect(loadConfig({ CSV_UPLOAD_LIMIT: '8gb' }).csvUploadLimit).toBe(8 * 1024 ** 3);
    const c = loadConfig({ JOBS_PATH: 'var/jobs.db', BATCH_FILES_DIR: 'var/batches' });
    expect(c.jobsPath).toBe(resolve('var/jobs.db'));
    expect(c.batchFilesDir).toBe(resolve('var/batches'));
    expect(loadConfig({ JOBS_PATH: ':memory:' }).jobsPath).toBe(':memory:');
  });

  it('reads sizes with units and numbers when they are valid', () => {
    const c = loadConfig({ PORT: '0', BODY_LIMIT: '512kb', BATCH_BODY_LIMIT: '2mb', CLASSIFY_THRESHOLD: '0.75', MAX_BATCH_ITEMS: '10', LOG_LEVEL: 'warn' });
    expect(c).toMatchObject({ port: 0, bodyLimit: 512 * 1024, batchBodyLimit: 2 * 1024 ** 2, threshold: 0.75, maxBatchItems: 10, logLevel: 'warn' });
    expect(loadConfig({ WORKERS: '0' }).workers).toBe(0);
  });

  it('treats an empty variable as unset when it is blank', () => {
    expect(loadConfig({ PORT: '', HOST: '  ' }).port).toBe(3000);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT', /^invalid configuration: PORT must be a whole number \(got "abc"\)$/],
    [{ PORT: '70000' }, 'PORT', /PORT must be at most 65535/],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /LOG_LEVEL must be one of "fatal"/],
    [{ BODY_LIMIT: '5 parsecs' }, 'BODY_LIMIT', /BODY_LIMIT must be a size like/],
    [{ BODY_LIMIT: '5gb' }, 'BODY_LIMIT', /BODY_LIMIT must be at most 512mb/],
    [{ CSV_UPLOAD_LIMIT: '2tb' }, 'CSV_UPLOAD_LIMIT', /CSV_UPLOAD_LIMIT must be a size like 500mb or 4gb/],
    [{ CSV_UPLOAD_LIMIT: '2000gb' }, 'CSV_UPLOAD_LIMIT', /CSV_UPLOAD_LIMIT must be at most 1024gb/],
    [{ CLASSIFY_THRESHOLD: '2' }, 'CLASSIFY_THRESHOLD', /CLASSIFY_THRESHOLD must be a number between 0 and 1/],
    [{ TAXONOMY_DIR: '/no/such/dir' }, 'TAXONOMY_DIR', /TAXONOMY_DIR must be an existing directory/],
    [{ MAX_NARRATIVE_CHARS: '0' }, 'MAX_NARRATIVE_CHARS', /MAX_NARRATIVE_CHARS must be at least 1/],
    [{ CORS_ORIGINS: '*' }, 'CORS_ORIGINS', /CORS_ORIGINS must be a comma-separated list of origins/],
    [{ CORS_ORIGINS: 'https://a.example.org/path' }, 'CORS_ORIGINS', /CORS_ORIGINS must be a comma-separated list of origins/],
    [{ RATE_LIMIT_BURST: '0' }, 'RATE_LIMIT_BURST', /RATE_LIMIT_BURST must be at least 1/],
    [{ WORKERS: '-1' }, 'WORKERS', /WORKERS must be a whole number/],
    [{ WORKERS: '1000' }, 'WORKERS', /WORKERS must be at most 256/],
    [{ WORKERS: 'two' }, 'WORKERS', /WORKERS must be a whole number/],
  ])('throws a one-line ConfigError naming the variable when %o is invalid', (env, name, message) => {
    let err: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variables).toEqual([name]);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
  });

  it('names every bad variable on the same line when several are invalid', () => {
    expect(() => loadConfig({ PORT: 'x', LOG_FORMAT: 'xml' })).toThrow(/^invalid configuration: PORT .*; LOG_FORMAT must be one of/);
  });
});

describe('configuration documentation', () => {
  it('lists every environment variable in the README HTTP API section', () => {
    const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('\n## HTTP API\n');
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    const rows = new Set([...section.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]));
    expect(Object.keys(EnvSchema.shape).filter((name) => !rows.has(name))).toEqual([]);
  });
});
