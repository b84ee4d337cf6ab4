/**
 * The server side of bench/http-bench.ts, run in its own process (forked) so autocannon and the server do not
 * share an event loop. Logs go to stdout, which the parent points at /dev/null: every line is still built and
 * written, as in production.
 *
 * Every variant is the real createApp(...) plus `POST /bench/echo` mounted through `mounts` (same request id,
 * JSON body parsing and error handling as the API routes), classifying on the server's worker pool as `npm start`
 * does; the variants differ only in the request logger, or in where `/v1/classify` runs:
 *   --variant app            the built-in one-line request logger (src/http/request-log.ts)
 *   --variant event-loop     the same, classifying on the event loop (WORKERS=0)
 *   --variant pino-http      pino-http with its default serializers
 *   --variant pino-http-lean pino-http with one-field req/res serializers
 *   --variant no-log         no request logger
 * The parent receives `{ port }` over IPC once the server listens, and `{ cpu }` (process.cpuUsage()) when it
 * sends 'cpu'.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Router, type Express, type RequestHandler } from 'express';
import { createBatchExecutor } from '../src/batch/workers.js';
import { loadClassifier } from '../src/classify/load-classifier.js';
import { loadConfig } from '../src/config.js';
import { createApp } from '../src/http/app.js';
import { jsonBody } from '../src/http/json-body.js';
import { createLogger } from '../src/logger.js';

type PinoHttpFactory = (options: Record<string, unknown>) => RequestHandler;
/**
 * pino-http is loaded through a non-literal specifier: a static import would pull in its type augmentation of
 * IncomingMessage (`id: ReqId`), which would change `req.id` for every module in the build.
 */
async function loadPinoHttp(): Promise<PinoHttpFactory> {
  const specifier = 'pino-http';
  return ((await import(specifier)) as { pinoHttp: PinoHttpFactory }).pinoHttp;
}

const { values } = parseArgs({ options: { variant: { type: 'string', default: 'app' } } });
// WORKERS is read as the server reads it (validated), so `WORKERS=1 npm run bench -- --only http` measures one worker.
const config = loadConfig({ WORKERS: process.env.WORKERS });
const logger = createLogger({ level: 'info', format: 'json', isTTY: false });
const echo: RequestHandler = (req, res) => {
  res.json(req.body);
};

async function requestLogFor(variant: string): Promise<RequestHandler | undefined> {
  switch (variant) {
    case 'app':
    case 'event-loop':
      return undefined; // the built-in one-line request logger
    case 'no-log':
      return (_req, _res, next) => next();
    case 'pino-http':
      return (await loadPinoHttp())({ logger });
    case 'pino-http-lean':
      return (await loadPinoHttp())({
        logger,
        quietReqLogger: true,
        wrapSerializers: false,
        serializers: {
          req: (req: { method?: string; url?: string }) => ({ method: req.method, url: req.url }),
          res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        },
      });
    default:
      throw new Error(`unknown variant ${variant}`);
  }
}

/** Every variant is the real createApp with the echo route mounted; only the request logger differs. */
async function buildApp(variant: string): Promise<Express> {
  const echoRouter = Router();
  echoRouter.post('/bench/echo', jsonBody({ limit: config.bodyLimit }), echo);
  const classifier = loadClassifier();
  // The server's own choice (src/http/start-server.ts): a worker per core, unless the variant asks for none.
  const executor = variant === 'event-loop' ? undefined : await createBatchExecutor({ classifier, workers: config.workers });
  const classifyExecutor = executor?.mode === 'workers' ? executor : undefined;
  return createApp({ classifier, logger, config, mounts: [{ path: '/', router: echoRouter }], requestLog: await requestLogFor(variant), classifyExecutor });
}

const server = createServer(await buildApp(values.variant));
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
// CPU time the server has used so far: the parent divides the difference by the requests answered, a figure
// that other processes on a shared machine disturb far less than requests/s.
process.on('message', (m) => {
  if (m === 'cpu') process.send?.({ cpu: process.cpuUsage() });
});
process.on('disconnect', () => {
  server.close();
  server.closeAllConnections();
});
