/**
 * Request and response schemas of the HTTP API, in zod: the SAME objects validate requests and generate
 * `/openapi.json` (openapi.ts), so the documented limits are the enforced ones. Request schemas depend on the
 * configured limits, hence a factory; response schemas are fixed. The classification contract itself lives in
 * src/classify/result-schema.ts.
 */
import { z } from 'zod';
import { ClassificationSchema } from '../classify/result-schema.js';
import { StatuteCodeSchema, StatusSchema } from '../taxonomy/schema.js';
import { ProblemSchema } from './problem.js';

export interface RequestLimits {
  /** Longest narrative in characters (JavaScript string length). */
  maxNarrativeChars: number;
  maxBatchItems: number;
}

/** The zod paths whose `too_big` issues answer 413 (a size problem) rather than 400. */
export function isSizeIssue(issue: z.core.$ZodIssue): boolean {
  if (issue.code !== 'too_big') return false;
  const last = issue.path[issue.path.length - 1];
  return last === 'narrative' || (issue.path.length === 1 && last === 'items');
}

export function createRequestSchemas(limits: RequestLimits) {
  const Narrative = z
    .string()
    .min(1, { error: 'the narrative is empty', abort: true })
    .max(limits.maxNarrativeChars, { error: `the narrative is longer than ${limits.maxNarrativeChars} characters`, abort: true })
    // Not .trim(): evidence offsets must index the text exactly as the client sent it.
    .refine((s) => s.trim().length > 0, 'the narrative is blank')
    .describe(`Incident narrative, 1 to ${limits.maxNarrativeChars} characters (MAX_NARRATIVE_CHARS); evidence offsets index this exact string`);
  const Id = z
    .string()
    .min(1)
    .max(200)
    .describe('Caller\'s id for the narrative, echoed in the result; when absent the id is a hash of the narrative (the same text always gets the same id)');
  const Threshold = z.number().min(0).max(1).describe('Minimum score for a suggestion or flag (default CLASSIFY_THRESHOLD, 0.5)');
  const Explain = z.boolean().describe('Include evidence spans (default true); false keeps the structure with empty evidence arrays');

  const ClassifyRequest = z.strictObject({ narrative: Narrative, id: Id.optional(), threshold: Threshold.optional(), explain: Explain.optional() });

  const BatchItem = z.strictObject({ id: Id.optional(), narrative: Narrative });
  const batchFields = { threshold: Threshold.optional(), explain: Explain.optional() };
  const itemsDescription = `1 to ${limits.maxBatchItems} items (MAX_BATCH_ITEMS); an invalid item gets its own error entry and the others are still classified`;
  /** The documented request: items in their full shape. */
  const BatchRequest = z.strictObject({
    items: z.array(BatchItem).min(1).max(limits.maxBatchItems, `at most ${limits.maxBatchItems} items`).describe(itemsDescription),
    ...batchFields,
  });
  /** What the handler validates first: the envelope, leaving each item to its own validation (and error entry). */
  const BatchEnvelope = z.strictObject({
    items: z.array(z.unknown()).min(1, 'at least one item is required').max(limits.maxBatchItems, `at most ${limits.maxBatchItems} items`),
    ...batchFields,
  });

  return { ClassifyRequest, BatchItem, BatchRequest, BatchEnvelope };
}
export type RequestSchemas = ReturnType<typeof createRequestSchemas>;

export const BatchItemErrorSchema = z.object({
  index: z.number().int().min(0).describe('Position of the item in the request'),
  id: z.string().optional().describe('The item\'s id, when it had a valid one'),
  error: ProblemSchema,
});

export const BatchResponseSchema = z.object({
  taxonomyVersion: z.string(),
  count: z.number().int().describe('Number of items'),
  failed: z.number().int().describe('Number of items answered with an error entry'),
  results: z
    .array(z.union([ClassificationSchema, BatchItemErrorSchema]))
    .describe('One entry per item, in input order: a classification, or an error entry (it has an `error` member)'),
});
export type BatchResponse = z.infer<typeof BatchResponseSchema>;

export const HealthSchema = z.object({ status: z.literal('ok') });

export const ReadinessSchema = z.object({
  status: z.literal('ready'),
  taxonomyVersion: z.string(),
  store: z.enum(['ok', 'none']).describe('`none` when the server runs without a store'),
});

const AtlasRefSchema = z.object({ id: z.string(), name: z.string().optional().describe('Technique name from taxonomy/lexicons/atlas.yaml') });

export const TaxonomyStatuteSummarySchema = z.object({
  statute: StatuteCodeSchema,
  id: z.string(),
  citation: z.string(),
  title: z.string(),
  status: StatusSchema,
  references: z.array(z.string()),
  falsePositives: z.array(z.string()),
  elements: z.array(z.object({ id: z.string(), label: z.string(), description: z.string().optional(), rules: z.number().int(), counters: z.number().int() })),
  subsections: z.array(
    z.object({
      code: z.string(),
      title: z.string(),
      requires: z.array(z.union([z.string(), z.array(z.string())])).describe('Required element ids; a nested list means any one of them'),
      optional: z.array(z.string()),
      requiresStatute: z.array(StatuteCodeSchema).optional().describe('Predicate statutes that must also be suggested (§ 1028A)'),
    }),
  ),
});

export const TaxonomySummarySchema = z.object({
  version: z.string().describe('Content hash of the taxonomy files; every classification carries it as taxonomyVersion'),
  statutes: z.array(TaxonomyStatuteSummarySchema),
  aiKinds: z.array(z.object({ id: z.string(), title: z.string(), atlas: z.array(AtlasRefSchema) })),
  exfiltrationPatterns: z.array(z.object({ id: z.string(), title: z.string(), atlas: z.array(AtlasRefSchema), owasp: z.array(z.string()) })),
  cautions: z.array(z.object({ id: z.string(), title: z.string(), explanation: z.string(), source: z.string() })),
});
export type TaxonomySummary = z.infer<typeof TaxonomySummarySchema>;

export const StatuteCodeParamsSchema = z.object({ code: z.string().describe('Statute code: 1028, 1030 or 1343') });
