/**
 * Node's HTTP parser rejects some requests before any request object, middleware or error handler exists:
 * malformed syntax and ambiguous framing (400), oversized headers (431), clients too slow to send headers or
 * body (408). Node's own answers are bare status lines; this `clientError` listener answers them as RFC 9457
 * problems like every other error of the API, then closes the connection (the stream is no longer in sync).
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorCode } from '../errors.js';
import type { Logger } from 'pino';
import { PROBLEM_CONTENT_TYPE, problem } from './problem.js';

/** Which catalog code answers a parser or timeout error, and the detail (never the request's bytes). */
export function clientErrorProblem(errorCode: string | undefined): { code: ErrorCode; detail: string } {
  switch (errorCode) {
    case 'HPE_HEADER_OVERFLOW':
      return { code: 'HEADERS_TOO_LARGE', detail: 'The request line and headers are over the size limit, or there are too many headers.' };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { code: 'PAYLOAD_TOO_LARGE', detail: 'The chunk extensions of the request body are too large.' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { code: 'REQUEST_TIMEOUT', detail: 'The request did not arrive in time; the connection is closed.' };
    default:
      return { code: 'MALFORMED_REQUEST', detail: `The request is not valid HTTP (${errorCode ?? 'parse error'}); the connection is closed.` };
  }
}

/** The `clientError` listener: one problem response when the socket can still take one, else just close it. */
export function createClientErrorHandler(logger: Logger): (err: Error & { code?: string }, socket: Duplex) => void {
  return (err, socket) => {
    // A reset connection, or one whose response has started, cannot take an answer (node's default does the same).
    const started = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
    if (err.code === 'ECONNRESET' || !socket.writable || started) {
      socket.destroy();
      return;
    }
    const { code, detail } = clientErrorProblem(err.code);
    const p = problem(code, detail);
    const body = JSON.stringify(p);
    const status = p.status;
    logger.debug({ code, parserError: err.code }, 'request refused by the HTTP parser');
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  };
}
