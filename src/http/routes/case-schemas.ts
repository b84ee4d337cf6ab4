/**
 * Request and response schemas of the analyst review API (cases, decisions, stats, keys). Response schemas are
 * checked against the store's TypeScript types with `satisfies`, so the documented shape cannot drift from what
 * the store returns; request schemas validate what the handlers read.
 */
import { z } from 'zod';
import { ClassificationSchema, PrioritySchema } from '../../classify/result-schema.js';
import { ProblemSchema } from '../problem.js';
import { ReasonCodeSchema, REASON_CODES, REASON_CODE_DESCRIPTIONS } from '../../store/reason-codes.js';
import { CASE_STATUSES, DECISION_KINDS, ROLES, type ApiKeyRecord, type CaseDetail, type CaseSummary, type Stats } from '../../store/store.js';
import { StatuteCodeSchema } from '../../taxonomy/schema.js';

export const MAX_LIST_LIMIT = 200;
const Iso = z.iso.datetime({ offset: true });
const DecisionKindSchema = z.enum(DECISION_KINDS);
const SubsectionSchema = z
  .string()
  .min(4)
  .max(40)
  .regex(/^\d{4}A?(\([a-zA-Z0-9]+\))*$/, 'a subsection code like 1030(a)(2)(C)');

const reasonList = REASON_CODES.map((c) => `\`${c}\`: ${REASON_CODE_DESCRIPTIONS[c]}`).join(' ');

// ---- requests ----------------------------------------------------------------------------------------------

export function createCaseRequestSchemas(limits: { maxNarrativeChars: number; maxItems: number }) {
  const NewCase = z.strictObject({
    narrative: z
      .string()
      .min(1, 'the narrative is empty')
      .max(limits.maxNarrativeChars, `the narrative is longer than ${limits.maxNarrativeChars} characters`)
      .refine((s) => s.trim().length > 0, 'the narrative is blank')
      .describe('Incident narrative; evidence offsets index this exact string'),
    externalId: z.string().min(1).max(200).optional().describe('Id in the intake system; a repeat of (source, externalId) returns the existing case'),
    source: z.string().min(1).max(100).optional().describe('Intake system or channel'),
    receivedAt: Iso.optional().describe('When the report was received (ISO 8601 with offset); default: now'),
  });
  const NewCases = z.strictObject({
    items: z.array(NewCase).min(1).max(limits.maxItems, `at most ${limits.maxItems} items`).describe(`1 to ${limits.maxItems} cases, created in one transaction`),
  });
  return { NewCase, NewCases, CreateCasesRequest: z.union([NewCase, NewCases]) };
}

const boolString = z.enum(['true', 'false']).transform((v) => v === 'true');

export const ListCasesQuerySchema = z.strictObject({
  status: z.enum(CASE_STATUSES).optional().describe('pending: some suggestion undecided (or nothing decided); reviewed: every suggestion decided'),
  statute: StatuteCodeSchema.optional().describe('Suggested now, or labelled positive by a reviewer'),
  priority: z
    .string()
    .regex(/^(sec4|statute|none)(,(sec4|statute|none))*$/, 'a comma-separated list of sec4, statute, none')
    .transform((s) => s.split(',') as z.infer<typeof PrioritySchema>[])
    .optional()
    .describe('Comma-separated: sec4, statute, none'),
  ai: boolString.optional().describe('AI involved (true/false)'),
  exfiltration: boolString.optional().describe('AI-agent exfiltration flagged (true/false)'),
  disagreement: boolString.optional().describe('A re-classification contradicts a reviewer (true/false)'),
  q: z.string().min(1).max(200).optional().describe('Full-text search over narratives: words, stemmed, all must occur; the last is also a prefix'),
  receivedFrom: Iso.optional().describe('Received at or after (ISO 8601)'),
  receivedTo: Iso.optional().describe('Received before (ISO 8601)'),
  cursor: z.string().min(1).max(500).optional().describe('`nextCursor` of the previous page'),
  limit: z
    .string()
    .regex(/^\d+$/, 'a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(MAX_LIST_LIMIT))
    .optional()
    .describe(`Page size, 1 to ${MAX_LIST_LIMIT} (default 50)`),
});

export const CaseIdParamsSchema = z.strictObject({ id: z.string().min(1).max(100) });

export const NewDecisionSchema = z
  .strictObject({
    statute: StatuteCodeSchema,
    subsection: SubsectionSchema.optional().describe('Decide one subsection instead of the whole statute'),
    decision: DecisionKindSchema.describe('accept a suggestion, reject it (reason code required), add a statute the rules missed, or ask for legal review'),
    reasonCode: ReasonCodeSchema.optional().describe(`Required for reject; allowed for needs-legal-review. ${reasonList}`),
    note: z.string().max(2000).optional().describe('Free text for the record (required with reason code OTHER)'),
    version: z.number().int().min(1).optional().describe('The case version the reviewer saw; alternatively send it as If-Match'),
  })
  .refine((d) => d.decision !== 'reject' || d.reasonCode !== undefined, { message: 'a rejection needs a reason code', path: ['reasonCode'] })
  .refine((d) => d.reasonCode !== 'OTHER' || (d.note ?? '').trim().length > 0, { message: 'reason code OTHER needs a note saying why', path: ['note'] });
export type NewDecisionBody = z.infer<typeof NewDecisionSchema>;

export const ExportQuerySchema = z.strictObject({ format: z.enum(['csv', 'jsonl']).default('jsonl') });

export const NewKeySchema = z.strictObject({
  owner: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[^\p{Cc}]+$/u, 'no control characters')
    .describe('Person or system the key belongs to; recorded as the reviewer on decisions'),
  role: z.enum(ROLES),
});

export const KeyIdParamsSchema = z.strictObject({ id: z.string().min(1).max(100) });

export const ReclassifySchema = z.strictObject({
  force: z.boolean().default(false).describe('Re-classify also cases already classified with the current taxonomy version'),
});

// ---- responses ---------------------------------------------------------------------------------------------

export const CaseSummarySchema = z.object({
  id: z.string(),
  externalId: z.string().nullable(),
  source: z.string().nullable(),
  receivedAt: z.string(),
  createdAt: z.string(),
  version: z.number().int().describe('Counts the case\'s events (classifications and decisions); send it back with a decision'),
  status: z.enum(CASE_STATUSES),
  priority: PrioritySchema,
  aiInvolved: z.boolean(),
  exfiltrationFlagged: z.boolean(),
  suggested: z.array(StatuteCodeSchema),
  taxonomyVersion: z.string(),
  decisionCount: z.number().int(),
  hasDisagreement: z.boolean(),
  excerpt: z.string().describe('The first 200 characters of the narrative'),
}) satisfies z.ZodType<CaseSummary>;

const DecisionSchema = z.object({
  id: z.number().int(),
  statute: StatuteCodeSchema,
  subsection: z.string().nullable(),
  decision: DecisionKindSchema,
  reasonCode: ReasonCodeSchema.nullable(),
  note: z.string().nullable(),
  reviewer: z.string().describe('Owner of the API key that recorded it'),
  taxonomyVersion: z.string(),
  caseVersion: z.number().int(),
  decidedAt: z.string(),
});

const LabelSchema = z.object({
  statute: StatuteCodeSchema,
  subsection: z.string().nullable(),
  decision: DecisionKindSchema,
  positive: z.boolean().nullable(),
  reasonCode: ReasonCodeSchema.nullable(),
  note: z.string().nullable(),
  reviewer: z.string(),
  decidedAt: z.string(),
  decisionId: z.number().int(),
  suggested: z.boolean(),
});

const DisagreementSchema = z.object({
  statute: StatuteCodeSchema,
  subsection: z.string().nullable(),
  decision: DecisionKindSchema,
  kind: z.enum(['suggested-but-rejected', 'labelled-but-not-suggested']),
  decisionTaxonomyVersion: z.string(),
  currentTaxonomyVersion: z.string(),
});

export const CaseDetailSchema = CaseSummarySchema.extend({
  narrative: z.string(),
  classification: ClassificationSchema,
  classifiedAt: z.string(),
  labels: z.array(LabelSchema).describe('Current label per statute/subsection: its latest decision'),
  disagreements: z.array(DisagreementSchema),
  decisions: z.array(DecisionSchema).describe('Every decision, oldest first (append-only)'),
  classificationHistory: z.array(z.object({ taxonomyVersion: z.string(), classifiedAt: z.string(), reason: z.enum(['create', 'reclassify']) })),
}) satisfies z.ZodType<CaseDetail>;

/** The case as the API returns it: the stored case plus names for the caution and ATLAS ids it cites. */
export const CaseResponseSchema = CaseDetailSchema.extend({
  glossary: z.object({
    cautions: z.record(z.string(), z.object({ title: z.string(), explanation: z.string(), source: z.string() })),
    atlas: z.record(z.string(), z.string()),
  }),
});

export const CaseListSchema = z.object({ items: z.array(CaseSummarySchema), nextCursor: z.string().optional() });

export const CreateCasesResponseSchema = z.object({
  created: z.number().int(),
  existing: z.number().int(),
  items: z.array(z.object({ case: CaseSummarySchema, created: z.boolean() })),
});

/** 409 VERSION_CONFLICT: the usual problem members plus the case as it is now. */
export const ConflictSchema = ProblemSchema.extend({
  current: CaseResponseSchema.describe('The case as it is now: show it to the reviewer again'),
});

const AgreementSchema = z.object({ pairs: z.number().int(), observed: z.number().nullable(), kappa: z.number().nullable() });

export const StatsSchema = z.object({
  cases: z.number().int(),
  reviewedCases: z.number().int(),
  pendingCases: z.number().int(),
  decisions: z.number().int(),
  reviewers: z.number().int(),
  statutes: z.array(
    z.object({
      statute: StatuteCodeSchema,
      suggested: z.number().int(),
      accepted: z.number().int(),
      rejected: z.number().int(),
      needsLegalReview: z.number().int(),
      pending: z.number().int(),
      added: z.number().int().describe('Positive labels the rules did not suggest (misses)'),
      precision: z.number().nullable().describe('accepted / (accepted + rejected)'),
      observedRecall: z.number().nullable().describe('accepted / (accepted + added)'),
      rejectReasons: z.partialRecord(ReasonCodeSchema, z.number().int()),
      agreement: AgreementSchema,
    }),
  ),
  agreement: AgreementSchema.describe("Cohen's kappa between the first two reviewers of each (case, statute)"),
}) satisfies z.ZodType<Stats>;

export const ApiKeySchema = z.object({
  id: z.string(),
  owner: z.string(),
  role: z.enum(ROLES),
  prefix: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
}) satisfies z.ZodType<ApiKeyRecord>;

export const NewKeyResponseSchema = ApiKeySchema.extend({ key: z.string().describe('The API key: shown only in this response') });

export const PrincipalSchema = z.object({
  owner: z.string(),
  role: z.enum(ROLES),
  keyId: z.string().nullable(),
  open: z.boolean().describe('True in open mode (no keys configured, loopback only)'),
});

export const ReasonCodesSchema = z.object({
  reasonCodes: z.array(z.object({ code: ReasonCodeSchema, description: z.string() })),
});

export const ReclassifyResponseSchema = z.object({
  taxonomyVersion: z.string(),
  examined: z.number().int(),
  reclassified: z.number().int(),
  unchanged: z.number().int().describe('Already classified with this taxonomy version (skipped unless force)'),
  conflicts: z.number().int().describe('Cases changed by a reviewer during the run; re-run to include them'),
  disagreeing: z.number().int().describe('Re-classified cases that now contradict a reviewer decision'),
});
