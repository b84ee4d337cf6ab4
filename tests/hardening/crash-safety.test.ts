/**
 * Crash safety of the built server: SIGKILL (no shutdown code runs) while a persisted batch job is running and
 * analysts' decisions are being written, then restart on the same files. No acknowledged decision may be lost,
 * none may be duplicated, both SQLite files must pass `PRAGMA integrity_check`, and the job must resume from
 * its checkpoint and finish with every input row exactly once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../../src/auth/api-keys.js';
import { createSqliteStore } from '../../src/store/sqlite-store.js';
import { HAVE_BUILT_SERVER, startBuiltServer, type ChildServer } from './built-server.js';

const TEXTS = [
  'She wired $4,500 after an email that posed as her bank said her account was frozen.',
  'The former contractor used a stolen admin password to log into the hospital billing server after his access was revoked, copied 40,000 patient records and deleted the backups.',
  'A caller using a cloned voice of her grandson asked for bail money in gift cards.',
];
/** Enough rows that the job is still running at its first checkpoint (about 1 s in) on a fast machine. */
const ROWS = 20_000;
const CASES = 6;

interface CaseBody {
  id: string;
  version: number;
  decisions: { id: number; caseVersion: number }[];
}

function integrity(path: string): string {
  const db = new Database(path);
  try {
    return (db.pragma('integrity_check', { simple: true }) as string) ?? 'no answer';
  } finally {
    db.close();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!HAVE_BUILT_SERVER)('crash safety (built server, SIGKILL)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crash-'));
  const casesDb = join(dir, 'cases.db');
  const jobsDb = join(dir, 'jobs.sqlite');
  const env = { STORE_PATH: casesDb, RATE_LIMIT_PER_MINUTE: '0' };
  let server: ChildServer | undefined;

  afterAll(() => {
    server?.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses and duplicates nothing, keeps both databases intact, and resumes the job when the server is killed mid-write', async () => {
    const store = createSqliteStore({ path: casesDb });
    const { key } = await issueApiKey(store, 'crash-admin', 'admin');
    await store.close();
    const headers = { authorization: `Bearer ${key}` };

    server = await startBuiltServer(env);
    const base = server.url;
    const created = await fetch(`${base}/v1/cases`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ items: Array.from({ length: CASES }, (_, i) => ({ narrative: TEXTS[i % 3], externalId: `crash-${i}`, source: 'test' })) }),
    });
    expect(created.status).toBe(201);
    const caseIds = ((await created.json()) as { items: { case: { id: string } }[] }).items.map((i) => i.case.id);

    let csv = 'id,narrative\n';
    for (let i = 1; i <= ROWS; i++) csv += `${i},"${TEXTS[i % 3]}"\n`;
    const submitted = await fetch(`${base}/v1/batches`, { method: 'POST', headers: { ...headers, 'content-type': 'text/csv' }, body: csv });
    expect(submitted.status).toBe(202);
    const jobId = ((await submitted.json()) as { id: string }).id;

    // Analysts decide in parallel, one loop per case, each decision based on the version the last one returned.
    const acked = new Map<string, number[]>(caseIds.map((id) => [id, []]));
    let attempted = 0;
    let stop = false;
    const loops = caseIds.map(async (id, n) => {
      let version = 1;
      while (!stop) {
        attempted++;
        let res: Response;
        try {
          res = await fetch(`${base}/v1/cases/${id}/decisions`, {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json', 'if-match': `"${version}"` },
            body: JSON.stringify({ statute: '1343', decision: 'needs-legal-review', note: `round ${version} of loop ${n}` }),
          });
        } catch {
          return; // the server died under this request: it may or may not have been committed
        }
        if (res.status !== 201) throw new Error(`decision answered ${res.status}: ${await res.text()}`);
        const body = (await res.json()) as CaseBody;
        const last = body.decisions[body.decisions.length - 1];
        if (!last) throw new Error('no decision in the answer');
        acked.get(id)?.push(last.id);
        version = body.version;
      }
    });

    // Kill once the job has checkpointed some rows but is still running, and decisions are flowing.
    let checkpoint = 0;
    for (let i = 0; i < 1200 && checkpoint === 0; i++) {
      const job = (await (await fetch(`${base}/v1/batches/${jobId}`, { headers })).json()) as { state: string; progress: { rowsDone: number } };
      if (job.state === 'done') throw new Error('the job finished before the kill: raise ROWS');
      if (job.state === 'running' && job.progress.rowsDone > 0) checkpoint = job.progress.rowsDone;
      else await sleep(25);
    }
    expect(checkpoint, 'the job reached a checkpoint').toBeGreaterThan(0);
    expect(checkpoint).toBeLessThan(ROWS);
    server.child.kill('SIGKILL');
    expect(await server.exited).toBe('SIGKILL');
    stop = true;
    await Promise.all(loops);
    const ackedCount = [...acked.values()].reduce((n, ids) => n + ids.length, 0);
    expect(ackedCount).toBeGreaterThan(0);

    expect(integrity(casesDb)).toBe('ok');
    expect(integrity(jobsDb)).toBe('ok');

    server = await startBuiltServer(env);
    const restarted = server.url;
    for (const id of caseIds) {
      const res = await fetch(`${restarted}/v1/cases/${id}`, { headers });
      const c = (await res.json()) as CaseBody;
      const ids = c.decisions.map((d) => d.id);
      expect(new Set(ids).size, 'no decision twice').toBe(ids.length);
      for (const a of acked.get(id) ?? []) expect(ids, `acknowledged decision ${a} of ${id}`).toContain(a);
      // Each decision moved the case one version on: versions seen are 1..k with none repeated or skipped.
      expect(c.decisions.map((d) => d.caseVersion)).toEqual(c.decisions.map((_, i) => i + 1));
      expect(c.version).toBe(c.decisions.length + 1);
      // At most the one request in flight per loop was committed without its answer.
      expect(c.decisions.length - (acked.get(id)?.length ?? 0)).toBeLessThanOrEqual(1);
    }
    expect(attempted).toBeGreaterThanOrEqual(ackedCount);

    let job = { state: '', attempts: 0, progress: { rowsDone: 0 } };
    for (let i = 0; i < 600; i++) {
      job = (await (await fetch(`${restarted}/v1/batches/${jobId}`, { headers })).json()) as typeof job;
      if (job.state === 'done' || job.state === 'failed') break;
      expect(job.progress.rowsDone, 'the checkpoint survived the kill').toBeGreaterThanOrEqual(checkpoint);
      await sleep(50);
    }
    expect(job.state).toBe('done');
    expect(job.attempts).toBe(2);
    const result = await fetch(`${restarted}/v1/batches/${jobId}/result`, { headers });
    expect(result.status).toBe(200);
    const rows = parse<{ id: string; error: string }>(await result.text(), { columns: true });
    expect(rows.map((r) => Number(r.id))).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1));
    expect(rows.filter((r) => r.error !== '')).toEqual([]);
    expect(server.output()).toMatch(/"resumeFromRow":\d+/);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    server = undefined;
    expect(integrity(casesDb)).toBe('ok');
    expect(integrity(jobsDb)).toBe('ok');
  }, 90_000);
});
