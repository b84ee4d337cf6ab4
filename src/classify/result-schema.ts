/**
 * The output contract shared by the API, CSV/JSONL batches and the CLI. Defined once in zod so the TypeScript
 * types, the OpenAPI document and contract tests cannot drift apart.
 */
import { z } from 'zod';

export const EvidenceSchema = z.object({
  start: z.number().int().min(0).describe('Offset of the first UTF-16 code unit in the original narrative'),
  end: z.number().int().min(0).describe('Offset one past the last code unit: text === narrative.slice(start, end)'),
  text: z.string(),
  rule: z.string().describe('Fully qualified rule id: <statute|ai|xf>.<element>.<rule>'),
  negated: z.boolean().optional().describe('Present and true when a negation or hypothetical scope cancels the hit'),
});
export type Evidence = z.infer<typeof EvidenceSchema>;

export const ElementResultSchema = z.object({
  id: z.string(),
  label: z.string(),
  satisfied: z.boolean(),
  score: z.number().min(0).max(1),
  evidence: z.array(EvidenceSchema),
  against: z.array(EvidenceSchema).optional().describe('Counter-indicators (court limits, benign context) that lowered the score'),
});
export type ElementResult = z.infer<typeof ElementResultSchema>;

export const SubsectionResultSchema = z.object({
  code: z.string(),
  title: z.string(),
  score: z.number().min(0).max(1),
  elements: z.array(ElementResultSchema),
});
export type SubsectionResult = z.infer<typeof SubsectionResultSchema>;

export const StatuteSchema = z.enum(['1028', '1030', '1343']);

export const SuggestionSchema = z.object({
  statute: StatuteSchema,
  citation: z.string(),
  title: z.string(),
  score: z.number().min(0).max(1),
  subsections: z.array(SubsectionResultSchema),
  evidence: z.array(EvidenceSchema),
  cautions: z.array(z.string()).describe('Contested legal theories the suggestion rests on (see GET /v1/taxonomy cautions)'),
});
export type Suggestion = z.infer<typeof SuggestionSchema>;

export const CandidateSchema = z.object({
  statute: StatuteSchema,
  code: z.string(),
  score: z.number().min(0).max(1),
  missing: z.array(z.string()).describe('Required element ids without evidence'),
});
export type Candidate = z.infer<typeof CandidateSchema>;

export const AiFindingSchema = z.object({
  involved: z.boolean(),
  score: z.number().min(0).max(1),
  kinds: z.array(z.string()),
  atlas: z.array(z.string()),
  evidence: z.array(EvidenceSchema),
});

export const ExfilPatternResultSchema = z.object({
  id: z.string(),
  label: z.string(),
  atlas: z.array(z.string()),
  owasp: z.array(z.string()),
  evidence: z.array(EvidenceSchema),
});

export const ExfilFindingSchema = z.object({
  flagged: z.boolean(),
  score: z.number().min(0).max(1),
  patterns: z.array(ExfilPatternResultSchema),
});

export const PrioritySchema = z.enum(['sec4', 'statute', 'none']);
export type Priority = z.infer<typeof PrioritySchema>;

export const ClassificationSchema = z.object({
  id: z.string(),
  taxonomyVersion: z.string(),
  suggestions: z.array(SuggestionSchema).describe('Statutes at or above the threshold, by score then statute'),
  candidates: z.array(CandidateSchema).describe('Below-threshold statutes with partial evidence, so an analyst can add a missed one'),
  ai: AiFindingSchema,
  exfiltration: ExfilFindingSchema,
  priority: PrioritySchema.describe('sec4: AI involved and a statute suggested; statute: a statute without AI; none'),
});
export type Classification = z.infer<typeof ClassificationSchema>;
