import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProblemSchema } from '../../src/http/problem.js';
import { CaseListSchema, CaseResponseSchema, StatsSchema } from '../../src/http/routes/case-schemas.js';
import { REVIEW_PAGE_CSP } from '../../src/http/routes/review.js';
import { HACK, OWNERS, reviewApp, WIRE, type ReviewApp } from './cases-support.js';

type Body = Record<string, unknown>;

async function createCase(t: ReviewApp, body: Body): Promise<{ id: string; version: number; suggested: string[] }> {
  const res = await request(t.app).post('/v1/cases').set('Authorization', t.auth.ingest).send(body).expect(201);
  return CaseResponseSchema.parse(res.body);
}

describe('POST /v1/cases', () => {
  let t: ReviewApp;
  beforeAll(async () => {
    t = await reviewApp({ env: { MAX_BATCH_ITEMS: '3' } });
  });

  it('classifies and stores one case with its taxonomy version when the body is one case', async () => {
    const res = await request(t.app)
      .post('/v1/cases')
      .set('Authorization', t.auth.ingest)
      .send({ narrative: WIRE, externalId: 'IC3-1', source: 'ic3', receivedAt: '2025-03-01T10:00:00-05:00' })
      .expect(201);
    const c = CaseResponseSchema.parse(res.body);
    expect(res.headers.location).toBe(`/v1/cases/${c.id}`);
    expect(res.headers.etag).toBe('"1"');
    expect(c).toMatchObject({ externalId: 'IC3-1', source: 'ic3', receivedAt: '2025-03-01T15:00:00.000Z', version: 1, status: 'pending', narrative: WIRE });
    expect(c.classification.id).toBe(c.id);
    expect(c.suggested).toContain('1343');
    expect(c.taxonomyVersion).toBe(c.classification.taxonomyVersion);
    const ev = c.classification.suggestions[0]?.evidence[0];
    expect(ev && WIRE.slice(ev.start, ev.end)).toBe(ev?.text);
    // A retry from the intake system gets the same case back, not a duplicate.
    const again = await request(t.app).post('/v1/cases').set('Authorization', t.auth.ingest).send({ narrative: WIRE, externalId: 'IC3-1', source: 'ic3' }).expect(200);
    expect(again.body).toMatchObject({ id: c.id });
  });

  it('creates many cases in input order when the body has items', async () => {
    const res = await request(t.app)
      .post('/v1/cases')
      .set('Authorization', t.auth.ingest)
      .send({ items: [{ narrative: HACK, externalId: 'M-1' }, { narrative: WIRE, externalId: 'M-2' }, { narrative: WIRE, externalId: 'M-1' }] })
      .expect(201);
    expect(res.body).toMatchObject({ created: 2, existing: 1 });
    const items = (res.body as { items: { case: { externalId: string; id: string }; created: boolean }[] }).items;
    expect(items.map((i) => [i.case.externalId, i.created])).toEqual([
      ['M-1', true],
      ['M-2', true],
      ['M-1', false],
    ]);
    expect(items[2]?.case.id).toBe(items[0]?.case.id);
  });

  it.each([
    [{ narrative: '' }, 400, 'INVALID_REQUEST', 'narrative'],
    [{ narrative: '   ' }, 400, 'INVALID_REQUEST', 'narrative'],
    [{ narrative: WIRE, reviewer: 'x' }, 400, 'INVALID_REQUEST', ''],
    [{ narrative: WIRE, receivedAt: 'yesterday' }, 400, 'INVALID_REQUEST', 'receivedAt'],
    [{ items: [{ narrative: WIRE }, { narrative: 7 }] }, 400, 'INVALID_REQUEST', 'items.1.narrative'],
    [{ items: [] }, 400, 'INVALID_REQUEST', 'items'],
    [{ items: [{ narrative: 'a' }, { narrative: 'b' }, { narrative: 'c' }, { narrative: 'd' }] }, 413, 'TOO_MANY_ITEMS', 'items'],
  ])('answers a problem when the body is %j', async (body, status, code, path) => {
    const res = await request(t.app).post('/v1/cases').set('Authorization', t.auth.ingest).send(body).expect(status);
    const p = ProblemSchema.parse(JSON.parse(res.text));
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(p.code).toBe(code);
    expect(p.errors?.[0]?.path).toBe(path);
  });
});

describe('GET /v1/cases and /v1/cases/:id', () => {
  let t: ReviewApp;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    t = await reviewApp();
    ids.old = (await createCase(t, { narrative: WIRE, externalId: 'old', receivedAt: '2025-01-01T00:00:00Z' })).id;
    ids.hack = (await createCase(t, { narrative: HACK, externalId: 'hack', receivedAt: '2025-01-03T00:00:00Z' })).id;
    ids.none = (await createCase(t, { narrative: 'A neighbour reported a lost cat.', externalId: 'none', receivedAt: '2025-01-02T00:00:00Z' })).id;
    ids.new = (await createCase(t, { narrative: WIRE, externalId: 'new', receivedAt: '2025-01-04T00:00:00Z' })).id;
  });

  const list = async (query: string): Promise<string[]> => {
    const res = await request(t.app).get(`/v1/cases${query}`).set('Authorization', t.auth.analyst).expect(200);
    return CaseListSchema.parse(res.body).items.map((i) => i.externalId ?? '');
  };

  it('sorts by priority then received time and applies each filter', async () => {
    const all = await list('');
    // The no-statute case sorts last whatever its time; same-priority cases keep received order.
    expect(all.at(-1)).toBe('none');
    expect(all.indexOf('old')).toBeLessThan(all.indexOf('new'));
    expect(await list('?statute=1343')).toEqual(expect.arrayContaining(['old', 'new']));
    expect(await list('?statute=1343')).not.toContain('none');
    expect(await list('?priority=none')).toEqual(['none']);
    expect(await list('?q=cat')).toEqual(['none']);
    expect(await list('?q=wired%20bank')).toEqual(['old', 'new']);
    expect(await list('?receivedFrom=2025-01-02T00:00:00Z&receivedTo=2025-01-04T00:00:00Z')).toEqual(expect.arrayContaining(['hack', 'none']));
    expect(await list('?receivedFrom=2025-01-02T00:00:00Z&receivedTo=2025-01-04T00:00:00Z')).toHaveLength(2);
    expect(await list('?status=reviewed')).toEqual([]);
    expect(await list('?status=pending')).toHaveLength(4);
    expect(await list('?exfiltration=true&ai=true&disagreement=true')).toEqual([]);
  });

  it('pages with a cursor until the last page', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await request(t.app)
        .get('/v1/cases')
        .query({ limit: 3, ...(cursor ? { cursor } : {}) })
        .set('Authorization', t.auth.analyst)
        .expect(200);
      const page = CaseListSchema.parse(res.body);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(4);
    expect(new Set(seen).size).toBe(4);
  });

  it.each([
    ['?cursor=not-ours', 'cursor'],
    ['?limit=500', 'limit'],
    ['?limit=0', 'limit'],
    ['?status=done', 'status'],
    ['?priority=sec4,urgent', 'priority'],
    ['?receivedFrom=2025-13-01', 'receivedFrom'],
    ['?sort=name', ''],
    ['?statute=1030&statute=1343', 'statute'],
  ])('answers 400 with the field path when the query is %s', async (query, path) => {
    const res = await request(t.app).get(`/v1/cases${query}`).set('Authorization', t.auth.analyst).expect(400);
    const p = ProblemSchema.parse(JSON.parse(res.text));
    expect(p.code).toBe('INVALID_REQUEST');
    expect(p.errors?.[0]?.path).toBe(path);
  });

  it('returns the case with evidence, checklist, glossary and its version as ETag', async () => {
    const res = await request(t.app).get(`/v1/cases/${ids.hack}`).set('Authorization', t.auth.analyst).expect(200);
    const c = CaseResponseSchema.parse(res.body);
    expect(res.headers.etag).toBe('"1"');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(c.narrative).toBe(HACK);
    expect(c.decisions).toEqual([]);
    for (const s of c.classification.suggestions) {
      for (const e of s.evidence) expect(HACK.slice(e.start, e.end)).toBe(e.text);
      for (const id of s.cautions) expect(c.glossary.cautions[id]?.title).toEqual(expect.any(String));
    }
    for (const id of c.classification.ai.atlas) expect(c.glossary.atlas[id]).toEqual(expect.any(String));
  });

  it('answers 404 CASE_NOT_FOUND for an unknown id', async () => {
    const res = await request(t.app).get('/v1/cases/no-such-case').set('Authorization', t.auth.analyst).expect(404);
    expect(ProblemSchema.parse(JSON.parse(res.text)).code).toBe('CASE_NOT_FOUND');
  });
});

describe('POST /v1/cases/:id/decisions', () => {
  let t: ReviewApp;
  beforeAll(async () => {
    t = await reviewApp();
  });

  const decide = (id: string, body: Body, ifMatch?: string) => {
    const r = request(t.app).post(`/v1/cases/${id}/decisions`).set('Authorization', t.auth.analyst);
    if (ifMatch !== undefined) r.set('If-Match', ifMatch);
    return r.send(body);
  };

  it('records the key owner as reviewer and returns the new version', async () => {
    const c = await createCase(t, { narrative: WIRE });
    const res = await decide(c.id, { statute: '1343', decision: 'accept', note: 'Matches the bank email.' }, '"1"').expect(201);
    const after = CaseResponseSchema.parse(res.body);
    expect(res.headers.etag).toBe('"2"');
    expect(after.decisions).toEqual([expect.objectContaining({ statute: '1343', decision: 'accept', reviewer: OWNERS.analyst, caseVersion: 1, note: 'Matches the bank email.' })]);
    expect(after.labels).toEqual([expect.objectContaining({ statute: '1343', positive: true, suggested: true })]);
    expect(after.status).toBe(after.suggested.every((s) => s === '1343') ? 'reviewed' : 'pending');
    // A body cannot name the reviewer.
    const forged = await decide(c.id, { statute: '1343', decision: 'accept', reviewer: 'mallory' }, '"2"').expect(400);
    expect(ProblemSchema.parse(JSON.parse(forged.text)).errors?.[0]?.code).toBe('unrecognized_keys');
  });

  it('answers 409 with the current case when the version is stale', async () => {
    const c = await createCase(t, { narrative: WIRE });
    await decide(c.id, { statute: '1343', decision: 'accept', version: 1 }).expect(201);
    const res = await decide(c.id, { statute: '1343', decision: 'reject', reasonCode: 'NO_INTERSTATE_WIRE' }, 'W/"1"').expect(409);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers.etag).toBe('"2"');
    const body = JSON.parse(res.text) as { code: string; status: number; current: unknown };
    expect(body).toMatchObject({ code: 'VERSION_CONFLICT', status: 409 });
    const current = CaseResponseSchema.parse(body.current);
    expect(current.version).toBe(2);
    expect(current.decisions.map((d) => d.decision)).toEqual(['accept']);
  });

  it.each([
    [{ statute: '1343', decision: 'accept' }, undefined, 'version', /send the case version/],
    [{ statute: '1343', decision: 'accept', version: 2 }, '"1"', 'version', /disagree/],
    [{ statute: '1343', decision: 'accept' }, '*', 'If-Match', /ETag/],
    [{ statute: '1343', decision: 'reject', version: 1 }, undefined, 'reasonCode', /reason code/],
    [{ statute: '1343', decision: 'reject', reasonCode: 'NOT_A_CODE', version: 1 }, undefined, 'reasonCode', /Invalid option/],
    [{ statute: '1343', decision: 'reject', reasonCode: 'OTHER', version: 1 }, undefined, 'note', /OTHER needs a note/],
    [{ statute: '1343', decision: 'add', version: 1 }, undefined, 'decision', /already suggested/],
    [{ statute: '1030', subsection: '1343(a)', decision: 'add', version: 1 }, undefined, 'subsection', /not a subsection of 1030/],
    [{ statute: '1999', decision: 'accept', version: 1 }, undefined, 'statute', /Invalid option/],
  ])('answers 400 for decision %j (If-Match %s)', async (body, ifMatch, path, message) => {
    const c = await createCase(t, { narrative: WIRE });
    const res = await decide(c.id, body, ifMatch).expect(400);
    const p = ProblemSchema.parse(JSON.parse(res.text));
    expect(p.code).toBe('INVALID_REQUEST');
    expect(p.errors?.[0]?.path).toBe(path);
    expect(p.errors?.[0]?.message).toMatch(message);
  });

  it('answers 404 for a decision on an unknown case', async () => {
    const res = await decide('no-such-case', { statute: '1343', decision: 'accept', version: 1 }).expect(404);
    expect(ProblemSchema.parse(JSON.parse(res.text)).code).toBe('CASE_NOT_FOUND');
  });
});

describe('export, stats, keys and re-classification', () => {
  let t: ReviewApp;
  let reviewed: string;
  beforeAll(async () => {
    t = await reviewApp();
    // A narrative that starts like a spreadsheet formula must come out neutralised in the CSV.
    const c = await createCase(t, { narrative: `=HYPERLINK("x") ${WIRE}`, externalId: '+1-555' });
    reviewed = c.id;
    for (const [i, s] of c.suggested.entries()) {
      await request(t.app)
        .post(`/v1/cases/${c.id}/decisions`)
        .set('Authorization', t.auth.analyst)
        .send(s === '1343' ? { statute: s, decision: 'accept', version: i + 1 } : { statute: s, decision: 'reject', reasonCode: 'INSUFFICIENT_FACTS', version: i + 1 })
        .expect(201);
    }
    await createCase(t, { narrative: WIRE, externalId: 'pending' });
  });

  it('exports reviewed cases as JSONL in the labelled-dataset format', async () => {
    const res = await request(t.app).get('/v1/cases/export?format=jsonl').set('Authorization', t.auth.analyst).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = res.text.trim().split('\n').map((l) => JSON.parse(l) as Body);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ id: reviewed, statutes: ['1343'], external_id: '+1-555' });
    expect(typeof lines[0]?.ai_involved).toBe('boolean');
    expect(typeof lines[0]?.ai_agent_exfiltration).toBe('boolean');
  });

  it('exports one CSV row per label with formula-like cells neutralised', async () => {
    const res = await request(t.app).get('/v1/cases/export').query({ format: 'csv' }).set('Authorization', t.auth.analyst).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const [header, ...rows] = res.text.trim().split('\n');
    expect(header).toBe('case_id,external_id,source,received_at,statute,subsection,decision,positive,suggested,reason_code,reviewer,decided_at,note,taxonomy_version,narrative');
    const accept = rows.find((r) => r.includes(',accept,'));
    expect(accept).toContain(`${reviewed},'+1-555,`);
    expect(accept).toContain(`"'=HYPERLINK(""x"")`);
    expect(accept).toContain(`,alice,`);
  });

  it('rejects an unknown export format', async () => {
    await request(t.app).get('/v1/cases/export?format=xlsx').set('Authorization', t.auth.analyst).expect(400);
  });

  it('reports per-statute stats', async () => {
    const res = await request(t.app).get('/v1/stats').set('Authorization', t.auth.analyst).expect(200);
    const s = StatsSchema.parse(res.body);
    expect(s).toMatchObject({ cases: 2, reviewedCases: 1, pendingCases: 1, reviewers: 1 });
    expect(s.statutes.find((x) => x.statute === '1343')).toMatchObject({ suggested: 2, accepted: 1, pending: 1, precision: 1 });
  });

  it('re-classifies only cases of another taxonomy version unless forced', async () => {
    const plain = await request(t.app).post('/v1/reclassifications').set('Authorization', t.auth.admin).send({}).expect(200);
    expect(plain.body).toMatchObject({ examined: 2, reclassified: 0, unchanged: 2, conflicts: 0 });
    const forced = await request(t.app).post('/v1/reclassifications').set('Authorization', t.auth.admin).send({ force: true }).expect(200);
    expect(forced.body).toMatchObject({ examined: 2, reclassified: 2, unchanged: 0, disagreeing: 0 });
    const c = CaseResponseSchema.parse((await request(t.app).get(`/v1/cases/${reviewed}`).set('Authorization', t.auth.analyst)).body);
    expect(c.classificationHistory.map((h) => h.reason)).toEqual(['create', 'reclassify']);
    expect(c.decisions.length).toBeGreaterThan(0);
  });

  it('creates a key that works at once and revokes it so it stops at once', async () => {
    const created = await request(t.app).post('/v1/keys').set('Authorization', t.auth.admin).send({ owner: 'bob', role: 'analyst' }).expect(201);
    const key = (created.body as { key: string; id: string }).key;
    expect(key).toMatch(/^aicc_/);
    const me = await request(t.app).get('/v1/keys/current').set('X-API-Key', key).expect(200);
    expect(me.body).toEqual({ owner: 'bob', role: 'analyst', keyId: (created.body as { id: string }).id, open: false });
    const listed = await request(t.app).get('/v1/keys').set('Authorization', t.auth.admin).expect(200);
    expect(JSON.stringify(listed.body)).not.toContain(key);
    await request(t.app).delete(`/v1/keys/${(created.body as { id: string }).id}`).set('Authorization', t.auth.admin).expect(200);
    await request(t.app).get('/v1/keys/current').set('X-API-Key', key).expect(401);
    await request(t.app).delete('/v1/keys/key_nope').set('Authorization', t.auth.admin).expect(404);
    // Neither the new key nor any other ever reaches the log.
    for (const k of [key, ...Object.values(t.keys)]) expect(t.logs.text()).not.toContain(k);
  });

  it('lists the reason codes for any role', async () => {
    const res = await request(t.app).get('/v1/reason-codes').set('Authorization', t.auth.ingest).expect(200);
    expect((res.body as { reasonCodes: { code: string }[] }).reasonCodes.map((r) => r.code)).toContain('VAN_BUREN_AUTHORIZED_USER');
  });
});

describe('the review page', () => {
  it.each([
    ['/review', /^text\/html/, '<script type="module" src="/review/review.js">'],
    ['/review/review.js', /^text\/javascript/, 'sessionStorage'],
    ['/review/review.css', /^text\/css/, '--focus'],
  ])('serves %s without a key under a strict CSP', async (path, type, content) => {
    const t = await reviewApp();
    const res = await request(t.app).get(path).expect(200);
    expect(res.headers['content-type']).toMatch(type);
    expect(res.headers['content-security-policy']).toBe(REVIEW_PAGE_CSP);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.text).toContain(content);
  });

  it('has no inline script or style the CSP would block', async () => {
    const t = await reviewApp();
    const html = (await request(t.app).get('/review')).text;
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=|<style|\son[a-z]+=/i);
  });
});

describe('OpenAPI document with the review routes', () => {
  it('lists every review route with resolvable references and the conflict body', async () => {
    const t = await reviewApp();
    const res = await request(t.app).get('/openapi.json').expect(200);
    const doc = res.body as { paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown }>>; components: { schemas: Record<string, unknown> } };
    const listed = Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m} ${p}`));
    expect(listed).toEqual(
      expect.arrayContaining([
        'get /v1/cases',
        'post /v1/cases',
        'get /v1/cases/export',
        'get /v1/cases/{id}',
        'post /v1/cases/{id}/decisions',
        'get /v1/stats',
        'get /v1/reason-codes',
        'get /v1/keys',
        'post /v1/keys',
        'delete /v1/keys/{id}',
        'get /v1/keys/current',
        'post /v1/reclassifications',
        'get /review',
      ]),
    );
    const refs = JSON.stringify(doc).match(/"\$ref":"#\/components\/schemas\/[^"]+"/g) ?? [];
    for (const r of refs) expect(doc.components.schemas[r.slice(29, -1)], r).toBeDefined();
    expect(JSON.stringify(doc.paths['/v1/cases/{id}/decisions']?.post?.responses['409'])).toContain('current');
    await request(t.app).get('/docs').expect(200);
  });
});
