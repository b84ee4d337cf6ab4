/**
 * Starts the HTTP server: config → logger → taxonomy (classifier) → store → app → listen, and stops it
 * gracefully on SIGTERM/SIGINT: stop accepting, let in-flight requests finish (up to SHUTDOWN_TIMEOUT_MS),
 * close the store, exit 0. Everything process-global (signals, exit) is injectable so tests run it in-process.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DestinationStream, Logger } from 'pino';
import { createBatchExecutor, createInlineExecutor, type Executor } from '../batch/workers.js';
import { loadClassifier } from '../classify/load-classifier.js';
import type { Classifier } from '../classify/classifier.js';
import { loadConfig, type Config } from '../config.js';
import { setupAuth } from '../auth/setup.js';
import { createLogger } from '../logger.js';
import { createSqliteStore } from '../store/sqlite-store.js';
import type { CaseStore } from '../store/store.js';
import { createApp, type AppLifecycle } from './app.js';
import { createClientErrorHandler } from './client-error.js';
import { safeErrorFields } from './problem.js';
import { createRateLimiter } from './rate-limit.js';
import type { Mount } from './route-table.js';

/** What route modules get to build their routers from. */
export interface ServerContext {
  config: Config;
  logger: Logger;
  classifier: Classifier;
  store: CaseStore | undefined;
  /** Where narratives are classified: a worker pool (WORKERS, default one per core), or inline. */
  executor: Executor;
  /**
   * Registers a clean-up (stop job runners and worker pools) run on shutdown after in-flight requests have
   * finished and before the store closes; hooks run in reverse order of registration.
   */
  onShutdown(hook: () => void | Promise<void>): void;
}

/** The part of `process` the server listens to for signals. */
export interface SignalSource {
  on(event: 'SIGTERM' | 'SIGINT', listener: (signal: NodeJS.Signals) => void): unknown;
  removeListener(event: 'SIGTERM' | 'SIGINT', listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface StartServerOptions {
  /** Environment to read the config from (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Log destination (default stdout); tests capture lines in memory. */
  logDestination?: DestinationStream;
  /** Opens the store (default: SQLite at STORE_PATH). Return undefined to run without one. */
  openStore?: (config: Config) => CaseStore | undefined;
  /** Routers of other modules (batch CSV, review), built once the classifier and store exist. */
  mounts?: (context: ServerContext) => readonly Mount[];
  /** Where SIGTERM/SIGINT come from (default `process`); `null` installs no handlers. */
  signals?: SignalSource | null;
  /** Called with the exit code after a signal-initiated shutdown (default `process.exit`). */
  exit?: (code: number) => void;
}

export interface RunningServer extends ServerContext {
  server: Server;
  /** `http://host:port` actually bound (PORT=0 picks a free port). */
  url: string;
  /** Drains and stops; resolves with the exit code (0 clean, 1 when connections had to be cut or the store failed to close). */
  shutdown(reason: string): Promise<number>;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(new Error(`cannot listen on ${host}:${port}: ${err.code === 'EADDRINUSE' ? 'address already in use (set PORT)' : err.message}`));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.removeListener('error', onError);
      resolve();
    });
  });
}

/**
 * The worker pool every classification goes to (requests, batches, jobs), started before the server listens so
 * the first request already has it. Running from TypeScript sources (tests) there is no compiled worker, and
 * WORKERS=0 asks for none: both classify on the event loop. A pool that fails to start is logged and replaced
 * by the event loop too, rather than refusing to serve.
 */
async function startExecutor(classifier: Classifier, config: Config, logger: Logger): Promise<Executor> {
  try {
    return await createBatchExecutor({ classifier, workers: config.workers, taxonomyDir: config.taxonomyDir, threshold: config.threshold });
  } catch (err) {
    logger.error({ error: safeErrorFields(err) }, 'classification workers failed to start; classifying on the main thread');
    return createInlineExecutor(classifier);
  }
}

/** How often idle keep-alive connections are closed while draining (a busy one becomes idle when its response ends). */
const DRAIN_SWEEP_MS = 50;

export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const config = loadConfig(options.env);
  const logger = createLogger({ level: config.logLevel, format: config.logFormat, destination: options.logDestination });
  const classifier = loadClassifier({ taxonomyDir: config.taxonomyDir, threshold: config.threshold });
  const store = (options.openStore ?? ((c: Config) => createSqliteStore({ path: c.storePath })))(config);
  const hooks: (() => void | Promise<void>)[] = [];
  const executor = await startExecutor(classifier, config, logger);
  // First registered, so it runs last: batch runners stop (and finish their current batch) before the pool closes.
  hooks.push(() => executor.close());
  const context: ServerContext = { config, logger, classifier, store, executor, onShutdown: (hook) => void hooks.push(hook) };
  // No API key means an open API, allowed only on loopback: setupAuth refuses any other address (and says so).
  const auth = await setupAuth({ store, host: config.host, logger }).catch(async (err: unknown) => {
    await executor.close();
    await store?.close();
    throw err;
  });

  const lifecycle: AppLifecycle = { draining: false };
  const rateLimit = config.rateLimitPerMinute > 0 ? createRateLimiter({ perMinute: config.rateLimitPerMinute, burst: config.rateLimitBurst }) : undefined;
  // Only a real pool takes /v1/classify off the event loop; without one the routes classify here, where a batch
  // yields every ~10 ms and stops when its client leaves.
  const classifyExecutor = executor.mode === 'workers' ? executor : undefined;
  const app = createApp({ classifier, logger, config, store, auth: auth.gate(), rateLimit, mounts: options.mounts?.(context), lifecycle, classifyExecutor });
  // A client that sends its request too slowly gets a 408 problem and its connection closed (client-error.ts).
  // Node checks the timeouts only every connectionsCheckingInterval (default 30 s); once a second keeps them close.
  const requestTimeout = config.requestTimeoutMs;
  const server = createServer(
    {
      requestTimeout,
      headersTimeout: requestTimeout > 0 ? Math.min(config.headersTimeoutMs, requestTimeout) : config.headersTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, Math.max(100, Math.floor((requestTimeout || config.headersTimeoutMs) / 4))),
    },
    app,
  );
  server.on('clientError', createClientErrorHandler(logger));
  try {
    await listen(server, config.port, config.host);
  } catch (err) {
    for (const hook of [...hooks].reverse()) await (async () => hook())().catch(() => undefined);
    await store?.close();
    throw err;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info({ url, taxonomyVersion: classifier.taxonomyVersion, store: store ? config.storePath : 'none', classify: executor.mode, workers: executor.mode === 'workers' ? executor.parallelism : 0 }, 'listening');

  let stopping: Promise<number> | undefined;
  const shutdown = (reason: string): Promise<number> => {
    if (stopping) return stopping;
    lifecycle.draining = true;
    logger.info({ reason }, 'shutting down: no new connections, draining in-flight requests');
    stopping = (async () => {
      let code = 0;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), DRAIN_SWEEP_MS);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), config.shutdownTimeoutMs);
      });
      if (await Promise.race([closed.then(() => false), timedOut])) {
        logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timeout: closing the remaining connections');
        server.closeAllConnections();
        code = 1;
        await closed;
      }
      clearInterval(sweep);
      clearTimeout(timer);
      for (const hook of [...hooks].reverse()) {
        try {
          await hook();
        } catch (err) {
          logger.error({ error: safeErrorFields(err) }, 'a shutdown hook failed');
          code = 1;
        }
      }
      if (store) {
        try {
          await store.close();
        } catch (err) {
          logger.error({ error: safeErrorFields(err) }, 'closing the store failed');
          code = 1;
        }
      }
      logger.info({ code }, 'stopped');
      logger.flush();
      return code;
    })();
    return stopping;
  };

  const signals = options.signals === undefined ? process : options.signals;
  if (signals) {
    const exit = options.exit ?? ((code: number) => process.exit(code));
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: cutting in-flight requests');
        server.closeAllConnections();
        return;
      }
      void shutdown(signal).then((code) => {
        signals.removeListener('SIGTERM', onSignal);
        signals.removeListener('SIGINT', onSignal);
        exit(code);
      });
    };
    signals.on('SIGTERM', onSignal);
    signals.on('SIGINT', onSignal);
  }

  return { ...context, server, url, shutdown };
}
