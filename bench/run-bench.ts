/**
 * `npm run bench [-- --only <part>[,<part>]] [-- part flags]`: runs the benchmark parts in sequence.
 * Parts: classifier (bench/classifier-bench.ts), http (bench/http-bench.ts), csv (bench/csv-bench.ts).
 * A part whose file is not there (not written or not built yet) is skipped with a note. Flags other than
 * --only are passed to every part.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Part {
  name: string;
  file: string;
  exportName: string;
}

const PARTS: readonly Part[] = [
  { name: 'classifier', file: './classifier-bench.js', exportName: 'runClassifierBench' },
  { name: 'http', file: './http-bench.js', exportName: 'runHttpBench' },
  { name: 'csv', file: './csv-bench.js', exportName: 'runCsvBench' },
];

function parseOnly(argv: readonly string[]): { only: Set<string> | undefined; rest: string[] } {
  const rest: string[] = [];
  let only: Set<string> | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--only' || a.startsWith('--only=')) {
      const value = a === '--only' ? argv[++i] : a.slice('--only='.length);
      if (!value) throw new Error('--only needs a part name: classifier, http or csv');
      only ??= new Set();
      for (const p of value.split(',')) only.add(p.trim());
    } else rest.push(a);
  }
  return { only, rest };
}

export async function runBench(argv: readonly string[]): Promise<number> {
  let parsed: ReturnType<typeof parseOnly>;
  try {
    parsed = parseOnly(argv);
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  const { only, rest } = parsed;
  const unknown = [...(only ?? [])].filter((n) => !PARTS.some((p) => p.name === n));
  if (unknown.length > 0) {
    console.error(`unknown bench part(s): ${unknown.join(', ')} (parts: ${PARTS.map((p) => p.name).join(', ')})`);
    return 2;
  }
  for (const part of PARTS) {
    if (only && !only.has(part.name)) continue;
    const url = new URL(part.file, import.meta.url);
    if (!existsSync(fileURLToPath(url))) {
      console.log(`\n## ${part.name}: skipped (${part.file} does not exist yet)`);
      continue;
    }
    const mod = (await import(url.href)) as Record<string, unknown>;
    const run = mod[part.exportName];
    if (typeof run !== 'function') {
      console.log(`\n## ${part.name}: skipped (${part.file} does not export ${part.exportName})`);
      continue;
    }
    await (run as (args: readonly string[]) => Promise<unknown>)(rest);
  }
  return 0;
}

process.exitCode = await runBench(process.argv.slice(2));
