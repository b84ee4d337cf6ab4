/**
 * What every request carries once it enters the app: its id and a logger bound to that id. Declared on
 * express's Request type here, once, so routes mounted by other modules get the same typed fields.
 */
import type { Express } from 'express';
import type { Logger } from 'pino';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- declaration merging into express's global namespace
  namespace Express {
    interface Request {
      /** The request id: the client's valid `X-Request-Id`, or a generated UUID. Echoed in the response. */
      id: string;
      /** A child logger whose every line carries `reqId` (created on first use). */
      log: Logger;
    }
    interface Locals {
      /** The matched route template (`/v1/taxonomy/statutes/{code}`), for the request log line. */
      route?: string;
      /** The error code of a problem response, for the request log line. */
      errorCode?: string;
    }
  }
}

/**
 * Defines `req.log` as a lazy getter on the app's request prototype: requests that never log anything beyond
 * the one request line (nearly all of them) never pay for a child logger.
 */
export function installRequestLog(app: Express, logger: Logger): void {
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: Express.Request): Logger {
      const child = logger.child({ reqId: this.id });
      Object.defineProperty(this, 'log', { value: child, configurable: true });
      return child;
    },
  });
}
