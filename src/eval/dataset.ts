/**
 * Labelled narratives for evaluation: the project's samples (samples/labelled/*.jsonl) or any JSONL file with
 * `id`, `narrative`, `statutes` (or `conduct_statutes`, preferred when present) and the two AI flags.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { StatuteCodeSchema, type StatuteCode } from '../taxonomy/schema.js';

export const LabelledCaseSchema = z.object({
  id: z.string().min(1),
  narrative: z.string().min(1),
  statutes: z.array(StatuteCodeSchema),
  conduct_statutes: z.array(StatuteCodeSchema).optional(),
  ai_involved: z.boolean(),
  ai_agent_exfiltration: z.boolean(),
  split: z.enum(['tune', 'holdout']).optional(),
  style: z.string().optional(),
});

export interface LabelledCase {
  id: string;
  narrative: string;
  statutes: StatuteCode[];
  aiInvolved: boolean;
  agentExfiltration: boolean;
  split: 'tune' | 'holdout' | undefined;
  style: string | undefined;
}

export type LabelSource = 'conduct' | 'charged';

export function parseJsonl(content: string, file: string, labels: LabelSource): LabelledCase[] {
  const out: LabelledCase[] = [];
  const lines = content.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw new Error(`${file}:${i + 1}: not valid JSON`);
    }
    const r = LabelledCaseSchema.safeParse(raw);
    if (!r.success) throw new Error(`${file}:${i + 1}: ${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
    const d = r.data;
    out.push({
      id: d.id,
      narrative: d.narrative,
      statutes: [...(labels === 'conduct' && d.conduct_statutes ? d.conduct_statutes : d.statutes)].sort(),
      aiInvolved: d.ai_involved,
      agentExfiltration: d.ai_agent_exfiltration,
      split: d.split,
      style: d.style,
    });
  });
  return out;
}

export function loadDataset(path: string, labels: LabelSource = 'conduct'): LabelledCase[] {
  if (path.endsWith('.jsonl')) return parseJsonl(readFileSync(path, 'utf8'), path, labels);
  return readdirSync(path)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap((f) => parseJsonl(readFileSync(join(path, f), 'utf8'), join(path, f), labels));
}
