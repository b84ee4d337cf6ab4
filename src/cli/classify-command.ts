/**
 * `ai-crime-classifier classify "<text>"` | `classify < narrative.txt` | `classify --jsonl < cases.jsonl`
 * Prints the contract JSON. With --jsonl, reads {"id","narrative"} lines and writes one result per line, in
 * order, in one process; a bad line becomes an error line and the rest go on.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadClassifier } from '../classify/load-classifier.js';
import { readStdin } from './read-stdin.js';
import { parseThreshold, UsageError } from './usage-error.js';

const MAX_NARRATIVE_BYTES = 1_000_000;

const JsonlItemSchema = z.object({ id: z.string().min(1).max(200).optional(), narrative: z.string().min(1).max(MAX_NARRATIVE_BYTES) });

export async function classifyCommand(args: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        threshold: { type: 'string' },
        pretty: { type: 'boolean', default: false },
        jsonl: { type: 'boolean', default: false },
        'no-evidence': { type: 'boolean', default: false },
        taxonomy: { type: 'string' },
        id: { type: 'string' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const threshold = parseThreshold(values.threshold);
  const explain = !values['no-evidence'];
  const classifier = loadClassifier({ taxonomyDir: values.taxonomy, threshold });
  const indent = values.pretty ? 2 : undefined;

  if (values.jsonl) {
    if (positionals.length > 0) throw new UsageError('--jsonl reads JSON lines from stdin; do not pass text as an argument');
    const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
    let line = 0;
    for await (const raw of rl) {
      line++;
      if (raw.trim() === '') continue;
      let out: unknown;
      try {
        const item = JsonlItemSchema.safeParse(JSON.parse(raw));
        if (!item.success) {
          out = { line, error: item.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
        } else {
          out = classifier.classify(item.data.narrative, { id: item.data.id ?? `line-${line}`, explain });
        }
      } catch {
        out = { line, error: 'not valid JSON' };
      }
      if (!process.stdout.write(`${JSON.stringify(out, null, indent)}\n`)) {
        await new Promise((resolve) => process.stdout.once('drain', resolve));
      }
    }
    return;
  }

  let text: string;
  if (positionals.length > 0) text = positionals.join(' ');
  else if (process.stdin.isTTY) throw new UsageError('no narrative: pass it as an argument or on stdin');
  else text = await readStdin(MAX_NARRATIVE_BYTES);
  if (text.trim() === '') throw new UsageError('the narrative is empty');
  const result = classifier.classify(text, { id: values.id, explain });
  process.stdout.write(`${JSON.stringify(result, null, indent)}\n`);
}
