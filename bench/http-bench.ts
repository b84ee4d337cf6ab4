/**
 * HTTP benchmark: autocannon on loopback, 50 connections, 10 s per target, against a server in a child process:
 * `POST /v1/classify` vs a bare `POST /bench/echo` of the SAME app (same request id, request log line, JSON
 * body parsing, error handling), with the same bodies (labelled sample narratives). Reports requests/s,
 * p50/p99 latency and the ratio classify/echo (target ≥ 0.80). Classify runs as `npm start` runs it (a worker
 * per core), and also on the event loop (WORKERS=0) for comparison.
 *
 *   npm run bench -- --only http                      the comparison above
 *   npm run bench -- --only http --compare-loggers    also echo with pino-http (default / lean serializers) and no logger
 *   HTTP_BENCH_SECONDS=3 npm run bench -- --only http shorter runs
 *   HTTP_BENCH_ROUNDS=3 npm run bench -- --only http  run every target 3 times, interleaved; report each run, the best
 *                                                     run per target, the median per-round ratio and best/best
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
  /** Server process CPU time (user + system) per answered request, in µs. */
  cpuUsPerRequest: number;
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

function serverCpu(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (m: unknown): void => {
      const cpu = (m as { cpu?: NodeJS.CpuUsage }).cpu;
      if (!cpu) return;
      child.off('message', onMessage);
      resolve(cpu.user + cpu.system);
    };
    child.on('message', onMessage);
    child.send('cpu');
  });
}

async function load(name: string, server: { child: ChildProcess; port: number }, path: string, bodies: string[], seconds: number): Promise<HttpBenchRow> {
  const port = server.port;
  const cpuBefore = await serverCpu(server.child);
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: bodies.map((body) => ({ method: 'POST', path, headers: { 'content-type': 'application/json' }, body })),
  });
  const cpuUsed = (await serverCpu(server.child)) - cpuBefore;
  const answered = result['2xx'] + result.non2xx;
  return {
    name,
    cpuUsPerRequest: answered > 0 ? Math.round(cpuUsed / answered) : 0,
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
  const head = ['target', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'server CPU µs/req'];
  const lines = rows.map((r) => [r.name, String(r.requestsPerSec), String(r.p50Ms), String(r.p99Ms), String(r.non2xx), String(r.errors), String(r.cpuUsPerRequest)]);
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

  interface Target {
    name: string;
    variant: string;
    path: string;
  }
  const targets: Target[] = [
    { name: 'POST /bench/echo (same app)', variant: 'app', path: '/bench/echo' },
    { name: 'POST /v1/classify', variant: 'app', path: '/v1/classify' },
    { name: 'POST /v1/classify (event loop)', variant: 'event-loop', path: '/v1/classify' },
  ];
  if (args.includes('--compare-loggers')) {
    for (const variant of ['no-log', 'pino-http', 'pino-http-lean']) targets.push({ name: `POST /bench/echo (${variant})`, variant, path: '/bench/echo' });
  }

  // All servers up at once (idle ones cost nothing), targets interleaved round by round, so a burst of load
  // from other processes on a shared machine does not fall on one target only.
  const servers = new Map<string, { child: ChildProcess; port: number }>();
  const rows: HttpBenchRow[] = [];
  const byTarget = new Map<string, HttpBenchRow[]>(targets.map((t) => [t.name, []]));
  try {
    for (const variant of new Set(targets.map((t) => t.variant))) servers.set(variant, await startServer(variant));
    const serverOf = (t: Target): { child: ChildProcess; port: number } => {
      const s = servers.get(t.variant);
      if (!s) throw new Error(`no server for ${t.variant}`);
      return s;
    };
    // Warm-up: JIT, the stem cache, and express's route matching.
    for (const t of targets) await load('warm-up', serverOf(t), t.path, bodies, Math.min(2, seconds));
    for (let r = 1; r <= rounds; r++) {
      for (const t of targets) {
        const row = await load(`${t.name}${rounds > 1 ? ` #${r}` : ''}`, serverOf(t), t.path, bodies, seconds);
        rows.push(row);
        byTarget.get(t.name)?.push(row);
      }
    }
  } finally {
    for (const s of servers.values()) await stopServer(s.child);
  }

  console.log(table(rows));
  const median = (xs: number[]): number => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  };
  const echoRuns = byTarget.get('POST /bench/echo (same app)') ?? [];
  const classifyRuns = byTarget.get('POST /v1/classify') ?? [];
  const ratios = classifyRuns.map((c, i) => c.requestsPerSec / (echoRuns[i]?.requestsPerSec ?? Infinity));
  const best = (runs: HttpBenchRow[]): number => Math.max(0, ...runs.map((x) => x.requestsPerSec));
  if (rounds > 1) {
    console.log(`best of ${rounds} rounds (closest to an unloaded machine):`);
    console.log(table(targets.map((t) => {
      const runs = byTarget.get(t.name) ?? [];
      const top = runs.reduce<HttpBenchRow | undefined>((a, b) => (a === undefined || b.requestsPerSec > a.requestsPerSec ? b : a), undefined);
      return { ...(top ?? { requestsPerSec: 0, p50Ms: 0, p99Ms: 0, non2xx: 0, errors: 0, cpuUsPerRequest: 0 }), name: t.name };
    })));
  }
  const ratio = median(ratios);
  console.log(
    `ratio classify/echo: ${ratio.toFixed(2)}${rounds > 1 ? ` (median of rounds ${ratios.map((x) => x.toFixed(2)).join(', ')}; best/best ${(best(classifyRuns) / best(echoRuns)).toFixed(2)})` : ''} ` +
      `(target >= 0.80) ${ratio >= 0.8 ? 'OK' : 'BELOW TARGET'}`,
  );
  const cpu = (runs: HttpBenchRow[]): number => Math.round(median(runs.map((x) => x.cpuUsPerRequest)));
  console.log(
    `server CPU per request (median): echo ${cpu(echoRuns)} µs, classify ${cpu(classifyRuns)} µs → CPU-bound capacity ratio ${(cpu(echoRuns) / Math.max(1, cpu(classifyRuns))).toFixed(2)} ` +
      '(the req/s ratio if the server\'s own core were the only limit)',
  );
  for (const t of targets.slice(2)) console.log(`  ${t.name}: ${cpu(byTarget.get(t.name) ?? [])} µs a request`);
  const bad = rows.filter((r) => r.non2xx > 0 || r.errors > 0);
  if (bad.length > 0) console.log(`WARNING: non-2xx or errors in: ${bad.map((r) => r.name).join(', ')}`);
  const alone = classifierAlone(bodies);
  const echoUs = cpu(echoRuns);
  console.log(
    `classifier alone: ${alone.usPerNarrative} µs a narrative + ${alone.usStringify} µs JSON.stringify (best of 5 passes, one core); ` +
      `0.80 needs everything classify adds over echo to stay under a quarter of an echo request: ~${Math.round(echoUs / 4)} µs`,
  );
  console.log(`load average at end ${loadavg()[0]?.toFixed(2) ?? '?'}`);
  return rows;
}
