/**
 * The `clientError` listener: parser and timeout errors map to catalog codes, and a socket that cannot take an
 * answer is destroyed without one. The raw-socket cases against a real server are in tests/hardening.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { clientErrorProblem, createClientErrorHandler } from '../../src/http/client-error.js';
import { createLogger } from '../../src/logger.js';

const logger = createLogger({ level: 'silent', format: 'json' });

function fakeSocket(): { socket: PassThrough; written: () => string } {
  const socket = new PassThrough();
  let out = '';
  socket.on('data', (c: Buffer) => (out += c.toString()));
  return { socket, written: () => out };
}

describe('clientErrorProblem', () => {
  it.each([
    ['HPE_HEADER_OVERFLOW', 'HEADERS_TOO_LARGE'],
    ['HPE_CHUNK_EXTENSIONS_OVERFLOW', 'PAYLOAD_TOO_LARGE'],
    ['ERR_HTTP_REQUEST_TIMEOUT', 'REQUEST_TIMEOUT'],
    ['HPE_INVALID_METHOD', 'MALFORMED_REQUEST'],
    [undefined, 'MALFORMED_REQUEST'],
  ])('maps %s to %s', (errorCode, code) => {
    expect(clientErrorProblem(errorCode).code).toBe(code);
  });
});

describe('createClientErrorHandler', () => {
  it('writes one problem response with its length and closes', async () => {
    const { socket, written } = fakeSocket();
    createClientErrorHandler(logger)(Object.assign(new Error('x'), { code: 'HPE_HEADER_OVERFLOW' }), socket);
    await new Promise((r) => setImmediate(r));
    const [head = '', body = ''] = written().split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
    expect(JSON.parse(body)).toMatchObject({ status: 431, code: 'HEADERS_TOO_LARGE', type: '/docs#HEADERS_TOO_LARGE' });
  });

  it('destroys a reset socket, or one whose response has started, without writing', () => {
    const reset = fakeSocket();
    createClientErrorHandler(logger)(Object.assign(new Error('x'), { code: 'ECONNRESET' }), reset.socket);
    expect(reset.socket.destroyed).toBe(true);
    expect(reset.written()).toBe('');

    const started = fakeSocket();
    Object.assign(started.socket, { _httpMessage: { headersSent: true } });
    createClientErrorHandler(logger)(Object.assign(new Error('x'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), started.socket);
    expect(started.socket.destroyed).toBe(true);
    expect(started.written()).toBe('');
  });
});
