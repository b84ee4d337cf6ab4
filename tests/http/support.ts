/** Shared set-up for the HTTP tests: one real classifier per test file and an in-memory log destination. */
import type { Express } from 'express';
import { loadClassifier } from '../../src/classify/load-classifier.js';
import type { Classifier } from '../../src/classify/classifier.js';
import { loadConfig } from '../../src/config.js';
import { createApp, type AppDeps } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';

let classifier: Classifier | undefined;
export function testClassifier(): Classifier {
  classifier ??= loadClassifier();
  return classifier;
}

export interface LogCapture {
  lines: string[];
  records: () => Record<string, unknown>[];
  text: () => string;
}

export function captureLogs(level: 'info' | 'debug' | 'trace' = 'info'): LogCapture & { logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const logger = createLogger({ level, format: 'json', destination: { write: (s: string) => void lines.push(s) } });
  return {
    logger,
    lines,
    records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    text: () => lines.join(''),
  };
}

export function testApp(overrides: Partial<AppDeps> & { env?: Record<string, string> } = {}): { app: Express; logs: LogCapture } {
  const logs = captureLogs();
  const { env, ...deps } = overrides;
  const app = createApp({ classifier: testClassifier(), logger: logs.logger, config: loadConfig(env ?? {}), ...deps });
  return { app, logs };
}

export const NARRATIVE = 'She wired $4,500 after an email that posed as her bank said her account was frozen.';
