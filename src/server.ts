#!/usr/bin/env node
/**
 * Server entry (`npm start`): starts the HTTP API on the configured address (default http://127.0.0.1:3000).
 * A start-up failure is one line on stderr and a non-zero exit: 2 bad configuration, 3 invalid taxonomy,
 * 1 anything else (port in use, store cannot open).
 */
import { ConfigError } from './config.js';
import { safeErrorFields } from './http/problem.js';
import { createServerMounts } from './http/server-mounts.js';
import { startServer } from './http/start-server.js';
import { TaxonomyError } from './taxonomy/load.js';

try {
  const { logger } = await startServer({ mounts: createServerMounts });
  // Input never reaches these (every request error becomes a problem response); if a bug does, record it
  // and exit so the supervisor restarts a clean process instead of one in an unknown state.
  process.on('uncaughtException', (err) => {
    logger.fatal({ error: safeErrorFields(err) }, 'uncaught exception');
    logger.flush();
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ error: safeErrorFields(reason) }, 'unhandled rejection');
    logger.flush();
    process.exit(1);
  });
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`ai-crime-classifier: ${err.message}\n`);
    process.exitCode = 2;
  } else if (err instanceof TaxonomyError) {
    process.stderr.write(`ai-crime-classifier: ${err.message}\n`);
    process.exitCode = 3;
  } else {
    process.stderr.write(`ai-crime-classifier: ${(err as Error).message.split('\n')[0] ?? 'failed to start'}\n`);
    process.exitCode = 1;
  }
}
