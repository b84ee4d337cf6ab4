import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { testApp } from './support.js';

describe('GET /docs', () => {
  const { app } = testApp({ env: { MAX_NARRATIVE_CHARS: '4321', BODY_LIMIT: '2mb' } });

  it('serves a self-contained HTML page under a strict CSP when requested', async () => {
    const res = await request(app).get('/docs').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.text).not.toMatch(/<script|https?:\/\/(?!json-schema)/);
  });

  it('lists every endpoint, the configured limits and an anchor for every error code', async () => {
    const html = (await request(app).get('/docs').expect(200)).text;
    for (const id of ['classify', 'classifyBatch', 'getTaxonomy', 'getStatute', 'health', 'ready', 'openapi', 'docs']) expect(html).toContain(`id="${id}"`);
    expect(html).toContain('4321 characters');
    expect(html).toContain('2 MiB');
    expect(html).not.toContain('<td>CSV upload'); // this app has no CSV routes, so no such limit row
    for (const code of ERROR_CODES) expect(html).toContain(`<tr id="${code}">`);
  });
});
