import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { AppError, ERROR_CATALOG, ERROR_CODES, formatPath } from '../../src/errors.js';
import { problem, problemType, toAppError } from '../../src/http/problem.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { testApp } from './support.js';

/** The README's `## HTTP API` section, up to the next second-level heading. */
function readmeSection(): string {
  const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## HTTP API\n');
  expect(start, 'README.md has a "## HTTP API" section').toBeGreaterThanOrEqual(0);
  const next = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, next === -1 ? undefined : next);
}

describe('error catalog', () => {
  it('documents every code with its status in the README error table', () => {
    const rows = new Map<string, number>();
    for (const m of readmeSection().matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)) rows.set(m[1] ?? '', Number(m[2]));
    for (const code of ERROR_CODES) expect(rows.get(code), `README row for ${code}`).toBe(ERROR_CATALOG[code].status);
    expect([...rows.keys()].filter((c) => !(c in ERROR_CATALOG)), 'README rows for codes not in the catalog').toEqual([]);
  });

  it('gives every code an anchor on /docs, which is where its problem type points', async () => {
    const { app } = testApp();
    const html = (await request(app).get('/docs').expect(200)).text;
    for (const code of ERROR_CODES) {
      expect(problemType(code)).toBe(`/docs#${code}`);
      expect(html, `/docs row for ${code}`).toContain(`<tr id="${code}">`);
    }
  });

  it('uses SCREAMING_SNAKE codes with an error status, a title and a description', () => {
    for (const code of ERROR_CODES) {
      const def = ERROR_CATALOG[code];
      expect(code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
      expect(def.status).toBeGreaterThanOrEqual(400);
      expect(def.status).toBeLessThan(600);
      expect(def.title.length).toBeGreaterThan(5);
      expect(def.description.length).toBeGreaterThan(10);
    }
  });

  it('builds a problem from a code with the catalog status and title', () => {
    expect(problem('VERSION_CONFLICT', 'Reload case 7.', undefined, 'r-1')).toEqual({
      type: '/docs#VERSION_CONFLICT',
      title: ERROR_CATALOG.VERSION_CONFLICT.title,
      status: 409,
      detail: 'Reload case 7.',
      code: 'VERSION_CONFLICT',
      requestId: 'r-1',
    });
    const e = new AppError('RATE_LIMITED', 'Slow down.', undefined, { headers: { 'Retry-After': '30' } });
    expect(e.status).toBe(429);
    expect(toAppError(e)).toBe(e);
  });

  it('formats issue paths as dotted paths and escaped JSON Pointers', () => {
    expect(formatPath(['items', 3, 'narrative'])).toEqual({ path: 'items.3.narrative', pointer: '#/items/3/narrative' });
    expect(formatPath(['a/b', 'c~d'])).toEqual({ path: 'a/b.c~d', pointer: '#/a~1b/c~0d' });
    expect(formatPath([])).toEqual({ path: '', pointer: '#' });
  });
});
