/**
 * Batch CSV benchmark (a benchmark, not a timed test). Generates a deterministic, seeded synthetic case log
 * (200,000 rows of 200–1,200-character narratives by default; `--csv-rows N` for more, e.g. 1,400,000 ≈ 1 GB)
 * in a temp directory, then measures in the same run:
 *   1. csv-parse alone: its stream API, parse and discard, with the options the pipeline uses;
 *   2. the full tag pipeline: file → parse → worker threads → tagged CSV file;
 *   3. for context, the classifier alone on one core (a sample of the rows), which bounds the pipeline.
 * Prints rows/s, MB/s (10^6 bytes of input), CPU seconds, the pipeline/parse ratio and the peak RSS of each
 * phase (sampled every 50 ms; workers share the process, so their memory is included). The load average is
 * printed because the machine is shared: wall time also counts waiting for a core.
 *
 * Run: `npm run build && npm run bench -- --only csv` (flags: `--csv-rows N`, `--csv-seed N`,
 * `--csv-mode cli|server` (default cli: the main thread classifies too, as `tag` does; server: a worker per
 * core, as the HTTP API does), `--csv-keep` to keep the generated files).
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { loadClassifier } from '../src/classify/load-classifier.js';
import { readCsv } from '../src/batch/csv-in.js';
import { tagCsv, writableSink } from '../src/batch/tag-stream.js';
import { createHybridExecutor, createWorkerPool } from '../src/batch/workers.js';
import { createRandom } from './classifier-bench.js';

// The seeded PRNG is shared with the classifier bench, so both synthetic sets are reproducible the same way.
const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;

const PEOPLE = ['The victim', 'My mother', 'The clerk', 'Our CFO', 'A retired teacher', 'The subject', 'Mr. Alvarez', 'The account holder'];
const RAILS = ['Zelle', 'Venmo', 'a wire transfer', 'Cash App', 'a bitcoin ATM', 'gift cards', 'an ACH transfer'];
const CHANNELS = ['an email', 'a text message', 'a phone call', 'a WhatsApp message', 'a video call'];
const SYSTEMS = ['the payroll portal', 'her Gmail account', 'the VPN', 'the customer database', 'the shared drive'];
const AGENCIES = ['FBI', 'IC3', 'NYPD', 'LAPD', 'Cook County SO', 'RCMP liaison'];

/** Case-log sentences: evidence-bearing and neutral, with the commas, quotes and line breaks real exports have. */
const SENTENCES: readonly ((r: () => number) => string)[] = [
  (r) => `${pick(r, PEOPLE)} received ${pick(r, CHANNELS)} from someone who posed as the bank's fraud department.`,
  (r) => `${pick(r, PEOPLE)} sent $${(Math.floor(r() * 250) * 100 + 100).toLocaleString('en-US')} through ${pick(r, RAILS)} after being told the account was frozen.`,
  () => 'The email came from a look-alike domain and contained new wiring instructions for the invoice.',
  () => 'Someone opened two credit cards and a car loan in her name using a stolen Social Security number.',
  (r) => `The intruder logged into ${pick(r, SYSTEMS)} with a stolen password and downloaded the files.`,
  () => 'A deepfake of the CEO on a video call told the team to wire the money to a new account.',
  () => 'Hidden instructions in a shared document made the AI assistant send passwords to the attacker\'s server.',
  () => 'The caller said, "This is your grandson, I need bail money," and asked for gift cards.',
  () => 'There was no evidence of unauthorized access, and the reporting party did not click the link.',
  () => 'The officer took a statement and said a detective would follow up within two weeks.',
  () => 'We have since changed every password and turned on two-step verification.',
  () => 'Attached are screenshots of the conversation and the receipts.',
  () => 'IT staff preserved the logs and imaged the workstation for review.',
];

function narrative(r: () => number): string {
  const target = 200 + Math.floor(r() * 1001);
  let text = '';
  while (text.length < target) {
    text += (text ? (r() < 0.04 ? '\n' : ' ') : '') + pick(r, SENTENCES)(r);
  }
  if (text.length > 1200) {
    const cut = text.lastIndexOf(' ', 1200);
    text = text.slice(0, cut > 200 ? cut : 1200);
  }
  return text;
}

const quote = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/** Writes the synthetic case log with backpressure (it never holds more than a chunk in memory). */
export async function writeSyntheticCaseLog(path: string, rows: number, seed: number): Promise<number> {
  const r = createRandom(seed);
  const out = createWriteStream(path);
  out.write('case_id,reported_at,agency,narrative,amount_usd,status\n');
  let chunk = '';
  for (let i = 1; i <= rows; i++) {
    const month = String(1 + Math.floor(r() * 12)).padStart(2, '0');
    const day = String(1 + Math.floor(r() * 28)).padStart(2, '0');
    chunk += `C-${String(i).padStart(8, '0')},2024-${month}-${day},${quote(pick(r, AGENCIES))},${quote(narrative(r))},${Math.floor(r() * 100_000)},${r() < 0.8 ? 'open' : 'closed'}\n`;
    if (chunk.length > 256 * 1024) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return statSync(path).size;
}

/** Samples RSS every 50 ms while `fn` runs; returns its result, the wall and CPU time and the peak. */
async function measured<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; cpuS: number; peakRssMb: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    const value = await fn();
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, ms, cpuS: (cpu.user + cpu.system) / 1e6, peakRssMb: peak / 1e6 };
  } finally {
    clearInterval(timer);
  }
}

type Mode = 'cli' | 'server';

function parseArgs(argv: readonly string[]): { rows: number; seed: number; mode: Mode; keep: boolean } {
  let rows = 200_000;
  let seed = 20_260_401;
  let mode: string = 'cli';
  let keep = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--csv-rows') rows = Number(argv[++i]);
    else if (argv[i] === '--csv-seed') seed = Number(argv[++i]);
    else if (argv[i] === '--csv-mode') mode = argv[++i] ?? '';
    else if (argv[i] === '--csv-keep') keep = true;
  }
  if (!Number.isInteger(rows) || rows < 1) throw new Error('--csv-rows must be a positive integer');
  if (!Number.isInteger(seed)) throw new Error('--csv-seed must be an integer');
  if (mode !== 'cli' && mode !== 'server') throw new Error('--csv-mode must be cli or server');
  return { rows, seed, mode, keep };
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export async function runCsvBench(argv: readonly string[] = []): Promise<void> {
  const { rows, seed, mode, keep } = parseArgs(argv);
  const cores = availableParallelism();
  const dir = mkdtempSync(join(tmpdir(), 'csv-bench-'));
  const input = join(dir, 'cases.csv');
  const output = join(dir, 'tagged.csv');
  console.log('\n## csv');
  console.log(`generating ${fmt(rows)} rows (seed ${seed}) in ${dir} …`);
  const bytes = await writeSyntheticCaseLog(input, rows, seed);
  const mb = bytes / 1e6;
  console.log(`input: ${fmt(mb, 1)} MB, ${fmt(rows)} rows (${fmt(bytes / rows)} bytes a row); cores: ${availableParallelism()}; load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  try {
    // 1. csv-parse alone, as a plain stream consumer would use it.
    const parseOnly = await measured(async () => {
      let n = 0;
      await pipeline(
        createReadStream(input, { highWaterMark: 256 * 1024 }),
        parse({ bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true }),
        new Writable({
          objectMode: true,
          write(_record, _enc, cb) {
            n++;
            cb();
          },
        }),
      );
      return n - 1;
    });

    // 1b. our reader without classification (csv-parse driven through on_record).
    const readerOnly = await measured(async () => {
      let n = 0;
      for await (const chunk of readCsv(createReadStream(input, { highWaterMark: 256 * 1024 }))) n += chunk.records.length;
      return n - 1;
    });

    // 2. the full pipeline, as the CLI runs it (main thread parses and classifies beside cores - 1 workers)
    //    or as the server does (a worker per core, the main thread only parses); start-up reported apart.
    const start = await measured(async () => {
      if (mode === 'server') return createWorkerPool({ size: cores });
      const classifier = loadClassifier();
      return createHybridExecutor(classifier, await createWorkerPool({ size: Math.max(1, cores - 1), expectedVersion: classifier.taxonomyVersion }));
    });
    const pool = start.value;
    const label = mode === 'server' ? `full tag pipeline (server: ${cores} workers)` : `full tag pipeline (CLI: main + ${Math.max(1, cores - 1)} worker)`;
    const full = await measured(async () => {
      const out = createWriteStream(output);
      const summary = await tagCsv(createReadStream(input, { highWaterMark: 256 * 1024 }), writableSink(out), pool);
      out.end();
      await once(out, 'finish');
      return summary;
    });
    await pool.close();

    // 3. the classifier alone on one core, over the first rows, as CSV rows use it (summarize): the ceiling is (workers × this).
    const sampleSize = Math.min(rows, 5_000);
    const sample: string[] = [];
    for await (const chunk of readCsv(createReadStream(input, { highWaterMark: 256 * 1024 }))) {
      for (const rec of chunk.records) if (sample.length <= sampleSize) sample.push(rec[3] ?? '');
      if (sample.length > sampleSize) break;
    }
    sample.shift();
    const classifier = loadClassifier();
    for (const t of sample.slice(0, 500)) classifier.summarize(t);
    const alone = await measured(() => {
      for (const t of sample) classifier.summarize(t);
      return Promise.resolve(sample.length);
    });

    // rows/CPU-s is the rate per second of CPU the process actually got (all its threads): on a shared machine
    // it is steadier than the wall-clock rate.
    const line = (label: string, n: number, m: { ms: number; cpuS: number; peakRssMb: number }): string =>
      `${label.padEnd(44)} ${fmt((n * 1000) / m.ms).padStart(9)} rows/s ${fmt((mb * n) / rows / (m.ms / 1000), 1).padStart(7)} MB/s  ${fmt(m.ms / 1000, 1).padStart(6)} s  ${fmt(m.cpuS, 1).padStart(6)} CPU-s ${fmt(n / m.cpuS).padStart(8)} rows/CPU-s  peak RSS ${fmt(m.peakRssMb).padStart(4)} MB`;
    console.log(line('csv-parse alone (stream, parse and discard)', parseOnly.value, parseOnly));
    console.log(line('csv-in reader alone (parse and discard)', readerOnly.value, readerOnly));
    console.log(line(label, full.value.rows, full));
    console.log(line('classifier alone, 1 core (summarize, no I/O)', alone.value, alone));
    console.log(`worker start-up: ${fmt(start.ms)} ms; pipeline rows: ${fmt(full.value.rows)} (${fmt(full.value.tagged)} with a statute, ${fmt(full.value.errors)} errors); output ${fmt(statSync(output).size / 1e6, 1)} MB`);
    const ratio = parseOnly.ms / full.ms;
    console.log(`ratio full pipeline / csv-parse alone: ${ratio.toFixed(2)} (target ≥ 0.80); classifier ceiling on ${cores} cores ≈ ${fmt((cores * alone.value * 1000) / alone.ms)} rows/s`);
    console.log(`process max RSS: ${fmt(process.resourceUsage().maxRSS / 1000)} MB; load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    if (keep) console.log(`kept ${input} and ${output}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
