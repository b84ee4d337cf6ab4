/**
 * Case store timings at a given size: `npm run build && node dist/bench/store-bench.js [cases=20000]`.
 * Creates that many cases (the labelled sample narratives, classified once, cycled, one minute apart) in a
 * temporary SQLite file, records some decisions, then times the queue queries, a case read, a decision and the
 * statistics. Run directly (the `npm run bench` dispatcher can import `runStoreBench`).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Request } from 'express';
import { issueApiKey } from '../src/auth/api-keys.js';
import { createAuth } from '../src/auth/middleware.js';
import { loadClassifier } from '../src/classify/load-classifier.js';
import { SAMPLES_DIR } from '../src/paths.js';
import { createSqliteStore } from '../src/store/sqlite-store.js';
import type { NewCase } from '../src/store/store.js';

async function time<T>(label: string, fn: () => Promise<T>, reps = 1): Promise<T> {
  const start = performance.now();
  let out: T | undefined;
  for (let i = 0; i < reps; i++) out = await fn();
  console.log(`${label.padEnd(62)} ${((performance.now() - start) / reps).toFixed(2).padStart(9)} ms${reps > 1 ? ` (mean of ${reps})` : ''}`);
  return out as T;
}

export async function runStoreBench(argv: readonly string[] = []): Promise<void> {
  const n = Number(argv.find((a) => /^\d+$/.test(a)) ?? 20_000);
  const dir = join(SAMPLES_DIR, 'labelled');
  const narratives = readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => l.trim() !== ''))
    .map((l) => (JSON.parse(l) as { narrative: string }).narrative);
  const classifier = loadClassifier();
  const classified = narratives.map((narrative) => ({ narrative, classification: classifier.classify(narrative) }));
  const tmp = mkdtempSync(join(tmpdir(), 'store-bench-'));
  const store = createSqliteStore({ path: join(tmp, 'cases.db') });
  console.log(`\n## store: ${n} cases (${classified.length} sample narratives cycled), SQLite WAL, synchronous=FULL`);
  try {
    await time(`create ${n} cases, 1,000 per transaction (classified beforehand)`, async () => {
      for (let i = 0; i < n; i += 1000) {
        const batch: NewCase[] = [];
        for (let j = i; j < Math.min(n, i + 1000); j++) {
          const c = classified[j % classified.length];
          if (c) batch.push({ ...c, receivedAt: new Date(Date.UTC(2025, 0, 1) + j * 60_000).toISOString() });
        }
        await store.createCases(batch);
      }
    });
    const first = (await store.listCases({}, { limit: 50 })).items;
    for (const s of first.slice(0, 20)) {
      let version = s.version;
      for (const statute of s.suggested) {
        await store.addDecision({ caseId: s.id, statute, decision: 'accept', reviewer: 'bench', expectedVersion: version++ });
      }
    }
    await time('queue page of 50, no filter', () => store.listCases({}, { limit: 50 }), 5);
    const pending = await time('queue page of 50, status=pending', () => store.listCases({ status: 'pending' }, { limit: 50 }), 5);
    await time('next page (cursor), status=pending', () => store.listCases({ status: 'pending' }, { limit: 50, cursor: pending.nextCursor }), 5);
    await time('statute=1030 and ai=true', () => store.listCases({ statute: '1030', aiInvolved: true }, { limit: 50 }), 5);
    await time('full-text "wire transfer"', () => store.listCases({ text: 'wire transfer' }, { limit: 50 }), 5);
    await time('status=reviewed (few match: walks the whole index)', () => store.listCases({ status: 'reviewed' }, { limit: 50 }), 3);
    await time('disagreement=true (none match: walks the whole index)', () => store.listCases({ hasDisagreement: true }, { limit: 50 }), 3);
    const target = first[30]?.id ?? '';
    await time('get one case with its history', () => store.getCase(target), 50);
    await time('append a decision (version check + fsync)', async () => {
      const c = await store.getCase(first[40]?.id ?? '');
      if (!c) throw new Error('case missing');
      return store.addDecision({ caseId: c.id, statute: '1343', decision: c.suggested.includes('1343') ? 'accept' : 'add', reviewer: 'bench2', expectedVersion: c.version });
    }, 20);
    await time('stats over all cases', () => store.stats(), 3);
    // Authentication per request: open mode (no key: one count query) and with a key (SHA-256 + indexed lookup).
    const calls = 100_000;
    const openAuth = createAuth({ store, allowOpen: true });
    await time(`authenticate, open mode (${calls} calls, total)`, async () => {
      for (let i = 0; i < calls; i++) await openAuth.resolve({ headers: {} } as Request);
    });
    const { key } = await issueApiKey(store, 'bench', 'analyst');
    const keyAuth = createAuth({ store, allowOpen: true });
    await time(`authenticate, with a key (${calls} calls, total)`, async () => {
      for (let i = 0; i < calls; i++) await keyAuth.resolve({ headers: { authorization: `Bearer ${key}` } } as Request);
    });
  } finally {
    await store.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runStoreBench(process.argv.slice(2));
