/**
 * Classifier benchmark (a benchmark, not a timed test): a deterministic, seeded synthetic set of 20,000 incident
 * narratives of 200–1,200 characters, classified on one core (this thread) with every feature on (explanations,
 * negation, proximity, regex, cautions). Prints narratives/s, MB/s (10^6 UTF-8 bytes) and per-narrative p50/p99,
 * the same for natural's aggressive tokenizer alone and for our tokenize() alone (the floors), and a linearity
 * check in ms per KB for 1 KB, 10 KB, 100 KB and 1 MB inputs. Rates are per wall-clock second (narr/s, MB/s)
 * and per CPU-second of this process (MB/CPU-s), since on a shared machine wall time also counts waiting for a
 * core; the load average is printed so a reader can judge.
 *
 * Run: `npm run build && npm run bench -- --only classifier` (flags: `--count N`, `--seed N`).
 */
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { loadClassifier } from '../src/classify/load-classifier.js';
import { createStemmer, identityStemmer, type Stemmer } from '../src/classify/stem.js';
import { tokenize } from '../src/classify/tokenize.js';

/** Only the tokenizer file of natural: the package root loads database clients and reads `.env` (DESIGN.md). */
type NaturalTokenizer = new () => { tokenize(text: string): string[] };
const requireCjs = createRequire(import.meta.url);

function loadNaturalTokenizer(): NaturalTokenizer {
  return requireCjs('natural/lib/natural/tokenizers/aggressive_tokenizer.js') as NaturalTokenizer;
}

/** mulberry32: a tiny seeded PRNG, so the synthetic set is the same on every run and machine. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rnd: () => number, list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;

const NAMES = ['the victim', 'my mother', 'the clerk', 'our CFO', 'a retired teacher', 'the subject', 'Mr. Alvarez', 'the account holder'];
const PLATFORMS = ['Zelle', 'Venmo', 'a wire transfer', 'Cash App', 'a bitcoin ATM', 'gift cards', 'PayPal', 'an ACH transfer'];
const CHANNELS = ['an email', 'a text message', 'a phone call', 'a WhatsApp message', 'a LinkedIn message', 'a video call'];
const SYSTEMS = ['the payroll portal', 'her Gmail account', 'the VPN', 'the customer database', 'the shared drive', 'his iCloud account'];

const amount = (rnd: () => number): string => `$${(Math.floor(rnd() * 250) * 100 + 100).toLocaleString('en-US')}`;

/** Sentences that carry rule evidence (wire fraud, identity, intrusion, AI, agent exfiltration, negation). */
const RULE_SENTENCES: readonly ((r: () => number) => string)[] = [
  (r) => `${cap(pick(r, NAMES))} received ${pick(r, CHANNELS)} from someone who posed as the bank's fraud department.`,
  (r) => `${cap(pick(r, NAMES))} sent ${amount(r)} through ${pick(r, PLATFORMS)} after being told the account was frozen.`,
  (r) => `The email came from a look-alike domain and contained new wiring instructions for the ${amount(r)} invoice.`,
  (r) => `Someone opened two credit cards and a car loan in ${pick(r, ['my', 'her', 'his'])} name using a stolen Social Security number.`,
  (r) => `The intruder logged into ${pick(r, SYSTEMS)} with a stolen password and downloaded the files.`,
  (r) => `Ransomware encrypted the file servers and the group demanded ${Math.floor(r() * 40) + 2} bitcoin for the key.`,
  (r) => `A deepfake of ${pick(r, NAMES)} on a video call told the team to wire ${amount(r)} to a new account.`,
  () => `My father got a call from a cloned voice of my brother asking for bail money in gift cards.`,
  (r) => `The group used ChatGPT to write personalized phishing emails that looked like ${pick(r, ['payroll notices', 'invoices', 'HR updates'])}.`,
  () => `Hidden instructions in a shared document made the AI assistant search the mailbox and send passwords to the attacker's server.`,
  () => `A malicious MCP server told the coding agent to read the .env file with API keys and post it to an external server.`,
  (r) => `There was no evidence of unauthorized access to ${pick(r, SYSTEMS)}, and ${pick(r, NAMES)} did not click the link.`,
  (r) => `The transfer of ${amount(r)} was blocked by the bank before it left the account.`,
  (r) => `If anyone asks for payment by ${pick(r, PLATFORMS)}, hang up and call the number on the card.`,
  (r) => `The seller listed SSN 123-45-${String(1000 + Math.floor(r() * 8999))} and a date of birth on the forged application.`,
  (r) => `Subj sold stolen logins and RDP access to corporate networks on a hacking forum for ${amount(r)}.`,
];

/** Sentences without rule evidence: times, places, procedure, feelings. */
const NEUTRAL_SENTENCES: readonly ((r: () => number) => string)[] = [
  (r) => `This happened on a ${pick(r, ['Monday', 'Tuesday', 'Friday', 'Saturday'])} afternoon around ${1 + Math.floor(r() * 11)} o'clock.`,
  () => 'I reported it to the local police department and they gave me a case number.',
  () => 'The officer took a statement and said a detective would follow up within two weeks.',
  (r) => `${cap(pick(r, NAMES))} has lived at the same address for ${2 + Math.floor(r() * 30)} years.`,
  () => 'We have since changed every password and turned on two-step verification.',
  () => 'I am writing this complaint so that other people do not go through the same thing.',
  () => 'The branch manager was helpful and explained the dispute process.',
  () => 'Attached are screenshots of the conversation and the receipts.',
  () => 'Nothing else unusual was noticed in the weeks before the incident.',
  () => 'The family is upset and would like someone to contact them as soon as possible.',
  (r) => `Follow-up interview scheduled for ${1 + Math.floor(r() * 12)}/${1 + Math.floor(r() * 28)} with the reporting party.`,
  () => 'IT staff preserved the logs and imaged the workstation for review.',
];

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * A narrative of 200–1,200 characters: sentences are appended until a random target length is reached, about
 * 40% of them rule-bearing (some narratives end up with none), and the text is cut at a word if it overshoots.
 */
function narrative(rnd: () => number): string {
  const target = 200 + Math.floor(rnd() * 1001);
  const ruleShare = rnd() < 0.15 ? 0 : 0.4;
  let text = '';
  while (text.length < target) {
    const gen = rnd() < ruleShare ? pick(rnd, RULE_SENTENCES) : pick(rnd, NEUTRAL_SENTENCES);
    text += (text ? ' ' : '') + gen(rnd);
  }
  if (text.length > 1200) {
    const cut = text.lastIndexOf(' ', 1200);
    text = text.slice(0, cut > 200 ? cut : 1200);
  }
  return text;
}

/** The deterministic synthetic set: the same `seed` gives the same narratives. */
export function buildSyntheticNarratives(count: number, seed: number): string[] {
  const rnd = createRandom(seed);
  return Array.from({ length: count }, () => narrative(rnd));
}

interface Measure {
  label: string;
  count: number;
  bytes: number;
  totalMs: number;
  /** Process CPU time (user + system) over the timed pass: on a shared machine wall time also counts waiting. */
  cpuMs: number;
  perItemUs: Float64Array;
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** Run `fn` once over every text, timing each call; a warm-up pass over the first texts lets the JIT settle. */
function measure(label: string, texts: readonly string[], bytes: number, fn: (t: string) => unknown): Measure {
  let sink = 0;
  for (let i = 0; i < Math.min(2_000, texts.length); i++) sink += fn(texts[i] as string) === undefined ? 0 : 1;
  collectGarbage();
  const perItemUs = new Float64Array(texts.length);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < texts.length; i++) {
    const s = performance.now();
    sink += fn(texts[i] as string) === undefined ? 0 : 1;
    perItemUs[i] = (performance.now() - s) * 1000;
  }
  const totalMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (sink < 0) console.log(sink); // keeps the calls observable so they cannot be optimised away
  return { label, count: texts.length, bytes, totalMs, cpuMs: (cpu.user + cpu.system) / 1000, perItemUs: perItemUs.sort() };
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
}

function row(m: Measure): string {
  const perSec = m.count / (m.totalMs / 1000);
  const mbps = m.bytes / 1e6 / (m.totalMs / 1000);
  const mbpsCpu = m.bytes / 1e6 / (m.cpuMs / 1000);
  return [
    m.label.padEnd(38),
    Math.round(perSec).toLocaleString('en-US').padStart(10),
    mbps.toFixed(1).padStart(8),
    mbpsCpu.toFixed(1).padStart(10),
    quantile(m.perItemUs, 0.5).toFixed(1).padStart(9),
    quantile(m.perItemUs, 0.99).toFixed(1).padStart(9),
  ].join('  ');
}

function parseArgs(argv: readonly string[]): { count: number; seed: number } {
  let count = 20_000;
  let seed = 20_260_226;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--count') count = Number(argv[++i]);
    else if (argv[i] === '--seed') seed = Number(argv[++i]);
  }
  if (!Number.isInteger(count) || count < 1) throw new Error('--count must be a positive integer');
  if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
  return { count, seed };
}

/** Text of about `size` UTF-16 units made of whole narratives, for the linearity check. */
function textOfSize(pool: readonly string[], size: number): string {
  const parts: string[] = [];
  let n = 0;
  for (let i = 0; n < size; i++) {
    const t = pool[i % pool.length] as string;
    parts.push(t);
    n += t.length + 1;
  }
  return parts.join('\n').slice(0, size);
}

export async function runClassifierBench(argv: readonly string[] = []): Promise<void> {
  const { count, seed } = parseArgs(argv);
  const classifier = loadClassifier();
  const NaturalAggressive = loadNaturalTokenizer();
  const natural = new NaturalAggressive();
  const texts = buildSyntheticNarratives(count, seed);
  const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
  const lengths = texts.map((t) => t.length).sort((a, b) => a - b);
  const suggested = texts.filter((t) => classifier.classify(t, { explain: false }).suggestions.length > 0).length;

  console.log('\n## classifier');
  console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} on ${availableParallelism()} cores`);
  console.log(
    `node ${process.version}, one core (main thread); ${count.toLocaleString('en-US')} synthetic narratives, seed ${seed}, ` +
      `${lengths[0]}–${lengths[lengths.length - 1]} chars (median ${lengths[Math.floor(lengths.length / 2)]}), ` +
      `${(bytes / 1e6).toFixed(2)} MB; ${Math.round((100 * suggested) / count)}% get a statute suggestion; taxonomy ${classifier.taxonomyVersion}`,
  );
  if ((globalThis as { gc?: unknown }).gc === undefined) console.log('(run with node --expose-gc for a GC between phases)');

  // Fresh stemmers so neither floor inherits the classifier's warm stem cache.
  const stemmer: Stemmer = createStemmer();
  const identity: Stemmer = identityStemmer();
  const results = [
    measure('classify (explain on, all features)', texts, bytes, (t) => classifier.classify(t)),
    measure('classify (explain off)', texts, bytes, (t) => classifier.classify(t, { explain: false })),
    measure('tokenize() + cached Porter stem', texts, bytes, (t) => tokenize(t, stemmer)),
    measure('tokenize() without stemming', texts, bytes, (t) => tokenize(t, identity)),
    measure('natural AggressiveTokenizer (floor)', texts, bytes, (t) => natural.tokenize(t)),
  ];
  console.log(
    ['stage'.padEnd(38), 'narr/s'.padStart(10), 'MB/s'.padStart(8), 'MB/CPU-s'.padStart(10), 'p50 µs'.padStart(9), 'p99 µs'.padStart(9)].join('  '),
  );
  for (const m of results) console.log(row(m));

  console.log('\nlinearity (classify, explain on): ms per KB should stay flat as inputs grow');
  console.log(['input'.padEnd(8), 'reps'.padStart(5), 'ms/input'.padStart(10), 'ms/KB'.padStart(8), 'CPU ms/KB'.padStart(10)].join('  '));
  const perKb: number[] = [];
  for (const size of [1_000, 10_000, 100_000, 1_000_000]) {
    const text = textOfSize(texts, size);
    const reps = Math.max(3, Math.round(4_000_000 / size));
    classifier.classify(text);
    collectGarbage();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) classifier.classify(text);
    const ms = (performance.now() - t0) / reps;
    const cpu = process.cpuUsage(cpu0);
    const cpuMsPerKb = (cpu.user + cpu.system) / 1000 / reps / (size / 1000);
    perKb.push(cpuMsPerKb);
    const label = size >= 1_000_000 ? `${size / 1_000_000} MB` : `${size / 1000} KB`;
    console.log(
      [label.padEnd(8), String(reps).padStart(5), ms.toFixed(3).padStart(10), (ms / (size / 1000)).toFixed(4).padStart(8), cpuMsPerKb.toFixed(4).padStart(10)].join('  '),
    );
  }
  const ratio = (perKb[perKb.length - 1] ?? 0) / (perKb[0] ?? 1);
  console.log(`CPU ms/KB at 1 MB ÷ CPU ms/KB at 1 KB = ${ratio.toFixed(2)} (1.00 is perfectly linear)`);
  await Promise.resolve();
}
