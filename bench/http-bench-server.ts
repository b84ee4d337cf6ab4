/**
 * The server side of bench/http-bench.ts, run in its own process (forked) so autocannon and the server do not
 * share an event loop. Logs go to stdout, which the parent points at /dev/null: every line is still built and
 * written, as in production.
 *
 *   --variant app            the real createApp(...) plus `POST /bench/echo` mounted through `mounts`
 *                            (same request id, request log line, JSON body parsing and error handling)
 *   --variant pino-http      an echo-only app whose request logger is pino-http with its default serializers
 *   --variant pino-http-lean the same with one-field serializers
 *   --variant no-log         the same without any request logger
 * The parent receives `{ port }` over IPC once the server listens.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import express, { Router, type RequestHandler } from 'express';
import { loadClassifier } from '../src/classify/load-classifier.js';
import { loadConfig } from '../src/config.js';
import { createApp } from '../src/http/app.js';
import { jsonBody } from '../src/http/json-body.js';
import { errorHandler } from '../src/http/problem.js';
import { installRequestLog } from '../src/http/request-context.js';
import { requestId } from '../src/http/request-id.js';
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
const config = loadConfig({});
const logger = createLogger({ level: 'info', format: 'json', isTTY: false });
const echo: RequestHandler = (req, res) => {
  res.json(req.body);
};

async function buildApp(variant: string): Promise<express.Express> {
  if (variant === 'app') {
    const echoRouter = Router();
    echoRouter.post('/bench/echo', jsonBody({ limit: config.bodyLimit }), echo);
    return createApp({ classifier: loadClassifier(), logger, config, store: undefined, mounts: [{ path: '/', router: echoRouter }] });
  }
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  installRequestLog(app, logger);
  app.use(requestId());
  if (variant === 'pino-http') app.use((await loadPinoHttp())({ logger }));
  else if (variant === 'pino-http-lean') {
    app.use(
      (await loadPinoHttp())({
        logger,
        quietReqLogger: true,
        wrapSerializers: false,
        serializers: {
          req: (req: { method?: string; url?: string }) => ({ method: req.method, url: req.url }),
          res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        },
      }),
    );
  } else if (variant !== 'no-log') throw new Error(`unknown variant ${variant}`);
  app.post('/bench/echo', jsonBody({ limit: config.bodyLimit }), echo);
  app.use(errorHandler());
  return app;
}

const server = createServer(await buildApp(values.variant));
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => {
  server.close();
  server.closeAllConnections();
});
