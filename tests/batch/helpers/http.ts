/** An app with the batch mounts on temp files, and a raw HTTP helper that can read trailers. */
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Express } from 'express';
import { loadConfig } from '../../../src/config.js';
import { createApp } from '../../../src/http/app.js';
import { createBatchMounts, type BatchMountDeps, type BatchMounts } from '../../../src/http/routes/batches.js';
import { createLogger } from '../../../src/logger.js';
import { createInlineExecutor, type BatchExecutor } from '../../../src/batch/workers.js';
import { classifier } from './tag.js';

export interface BatchApp {
  app: Express;
  batches: BatchMounts;
  logLines: string[];
  dir: string;
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'batch-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A batch app on the main-thread executor; jobs in `dir` (so a second app on the same dir is a "restart").
 * `env` adds environment variables to the configuration, as the server would read them.
 */
export function batchApp(dir: string, overrides: Partial<BatchMountDeps> = {}, env: Record<string, string> = {}): BatchApp {
  const logLines: string[] = [];
  const logger = createLogger({ level: 'info', format: 'json', destination: { write: (s: string) => void logLines.push(s) } });
  const config = loadConfig({ STORE_PATH: join(dir, 'cases.db'), ...env });
  const executor: BatchExecutor = createInlineExecutor(classifier());
  const batches = createBatchMounts({ classifier: classifier(), logger, config, executor: () => Promise.resolve(executor), checkpointMs: 0, closeTimeoutMs: 50, ...overrides });
  const app = createApp({ classifier: classifier(), logger, config, mounts: batches.mounts });
  return { app, batches, logLines, dir };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  trailers: NodeJS.Dict<string>;
  body: string;
}

/** One request over a real socket, so HTTP trailers can be read (supertest does not expose them). */
export async function rawRequest(app: Express, method: string, path: string, body: Buffer | string, headers: Record<string, string>): Promise<RawResponse> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<RawResponse>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, trailers: res.trailers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
