/**
 * HTTP benchmark: autocannon on loopback, 50 connections, 10 s per target, against a server in a child process:
 * `POST /v1/classify` vs a bare `POST /bench/echo` of the SAME app (same request id, request log line, JSON
 * body parsing, error handling), with the same bodies (labelled sample narratives). Reports requests/s,
 * p50/p99 latency and the ratio classify/echo (target ≥ 0.80).
 *
 *   npm run bench -- --only http                      the comparison above
 *   npm run bench -- --only http --compare-loggers    also echo with pino-http (default / lean serializers) and no logger
 *   HTTP_BENCH_SECONDS=3 npm run bench -- --only http shorter runs
 *   HTTP_BENCH_ROUNDS=3 npm run bench -- --only http  alternate echo/classify 3 times and report the median ratio
 *                                                     (on a shared machine, load shifts between runs)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { loadClassifier } from '../src/classify/load-classifier.js';
import { SAMPLES_DIR } from '../src/paths.js';

export interface HttpBenchRow {
  name: string;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

const CONNECTIONS = 50;
const FALLBACK = 'She wired $4,500 after an email that posed as her bank said her account was frozen.';

function sampleBodies(limit = 100): string[] {
  const narratives: string[] = [];
  const dir = join(SAMPLES_DIR, 'labelled');
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort()) {
      for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
        if (narratives.length >= limit) break;
        try {
          const n = (JSON.parse(line) as { narrative?: unknown }).narrative;
          if (typeof n === 'string' && n.trim() !== '') narratives.push(n);
        } catch {
          // blank or partial line
        }
      }
    }
  }
  if (narratives.length === 0) narratives.push(FALLBACK);
  return narratives.map((narrative, i) => JSON.stringify({ id: `bench-${i}`, narrative }));
}

async function startServer(variant: string): Promise<{ child: ChildProcess; port: number }> {
  const script = fileURLToPath(new URL('./http-bench-server.js', import.meta.url));
  // stdout → /dev/null: log lines are produced and written, not shown.
  const child = fork(script, ['--variant', variant], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`bench server (${variant}) exited with ${code}`)));
  });
  return { child, port };
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.disconnect();
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function load(name: string, port: number, path: string, bodies: string[], seconds: number): Promise<HttpBenchRow> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: bodies.map((body) => ({ method: 'POST', path, headers: { 'content-type': 'application/json' }, body })),
  });
  return {
    name,
    requestsPerSec: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/**
 * The classifier alone on the same narratives, in this process (best of 5 passes): what each classify request
 * adds over echo before HTTP, JSON and logging. At saturation one request costs about 1/(req/s) of the server's
 * core, so classify/echo ≥ 0.80 needs classify() + serialization ≤ a quarter of an echo request.
 */
function classifierAlone(bodies: readonly string[]): { usPerNarrative: number; usStringify: number } {
  const classifier = loadClassifier();
  const narratives = bodies.map((b) => (JSON.parse(b) as { narrative: string }).narrative);
  let best = Infinity;
  let bestStringify = Infinity;
  for (let pass = 0; pass < 5; pass++) {
    const t0 = performance.now();
    const results = narratives.map((n) => classifier.classify(n));
    const t1 = performance.now();
    for (const r of results) JSON.stringify(r);
    const t2 = performance.now();
    best = Math.min(best, ((t1 - t0) * 1000) / narratives.length);
    bestStringify = Math.min(bestStringify, ((t2 - t1) * 1000) / narratives.length);
  }
  return { usPerNarrative: Math.round(best), usStringify: Math.round(bestStringify) };
}

function table(rows: HttpBenchRow[]): string {
  const head = ['target', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors'];
  const lines = rows.map((r) => [r.name, String(r.requestsPerSec), String(r.p50Ms), String(r.p99Ms), String(r.non2xx), String(r.errors)]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [fmt(head), ...lines.map(fmt)].join('\n');
}

export async function runHttpBench(args: readonly string[] = []): Promise<HttpBenchRow[]> {
  const seconds = Number(process.env.HTTP_BENCH_SECONDS ?? 10);
  const rounds = Math.max(1, Number(process.env.HTTP_BENCH_ROUNDS ?? 1));
  const bodies = sampleBodies();
  const avg = Math.round(bodies.reduce((n, b) => n + Buffer.byteLength(b), 0) / bodies.length);
  const [load1] = loadavg();
  console.log(
    `\n## HTTP: autocannon, ${CONNECTIONS} connections, ${seconds} s per target, ${bodies.length} sample bodies (avg ${avg} bytes), ` +
      `server in a child process, logs at info to /dev/null; ${cpus().length} CPUs, load average ${load1?.toFixed(2) ?? '?'} at start`,
  );

  const rows: HttpBenchRow[] = [];
  const ratios: number[] = [];
  const { child, port } = await startServer('app');
  try {
    // Warm-up: JIT, the stem cache, and express's route matching.
    await load('warm-up', port, '/v1/classify', bodies, Math.min(2, seconds));
    await load('warm-up', port, '/bench/echo', bodies, Math.min(2, seconds));
    for (let r = 1; r <= rounds; r++) {
      const suffix = rounds > 1 ? ` #${r}` : '';
      const echo = await load(`POST /bench/echo (same app)${suffix}`, port, '/bench/echo', bodies, seconds);
      const classify = await load(`POST /v1/classify${suffix}`, port, '/v1/classify', bodies, seconds);
      rows.push(echo, classify);
      ratios.push(classify.requestsPerSec / echo.requestsPerSec);
    }
  } finally {
    await stopServer(child);
  }

  if (args.includes('--compare-loggers')) {
    for (const variant of ['no-log', 'pino-http', 'pino-http-lean']) {
      const s = await startServer(variant);
      try {
        await load('warm-up', s.port, '/bench/echo', bodies, Math.min(2, seconds));
        rows.push(await load(`POST /bench/echo (${variant})`, s.port, '/bench/echo', bodies, seconds));
      } finally {
        await stopServer(s.child);
      }
    }
  }

  console.log(table(rows));
  const sorted = [...ratios].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
  console.log(
    `ratio classify/echo: ${median.toFixed(2)}${rounds > 1 ? ` (median of ${ratios.map((x) => x.toFixed(2)).join(', ')})` : ''} ` +
      `(target >= 0.80) ${median >= 0.8 ? 'OK' : 'BELOW TARGET'}`,
  );
  const alone = classifierAlone(bodies);
  const echoRows = rows.filter((r) => r.name.startsWith('POST /bench/echo (same app)'));
  const echoUs = echoRows.length > 0 ? Math.round(1e6 / (echoRows.reduce((n, r) => n + r.requestsPerSec, 0) / echoRows.length)) : 0;
  console.log(
    `classifier alone: ${alone.usPerNarrative} µs a narrative + ${alone.usStringify} µs JSON.stringify (best of 5 passes, one core); ` +
      `an echo request: ~${echoUs} µs of server time (1/req/s); 0.80 needs classify + stringify <= ~${Math.round(echoUs / 4)} µs`,
  );
  console.log(`load average at end ${loadavg()[0]?.toFixed(2) ?? '?'}`);
  const bad = rows.filter((r) => r.non2xx > 0 || r.errors > 0);
  if (bad.length > 0) console.log(`WARNING: non-2xx or errors in: ${bad.map((r) => r.name).join(', ')}`);
  return rows;
}
