/**
 * The taxonomy file format: the single source of truth for what a rule file may say.
 * Every file under `taxonomy/` is parsed with one of these schemas at load; cross-file references
 * (concepts, elements, cautions, ATLAS ids) are checked afterwards in `validate-refs.ts`.
 *
 * Phrase syntax (matched on normalized, Porter-stemmed tokens, see `src/classify/tokenize.ts`):
 *   `wire transfer`  each word matches any token with the same stem ("wired", "wiring", "wire transfers")
 *   `impersonat*`    a trailing `*` matches any token whose normalized surface form starts with the prefix
 *   `_`              any single token ("posed as _ ceo" matches "posed as the CEO" and "posed as their CEO")
 *   `=word`          exactly this word, unstemmed (Porter maps "vulnerable" and "vulnerability" to one stem)
 *   `#amount`        a currency amount ("$4,500", "€ 900")
 *   `@concept`       (a whole item) all phrases of a concept from `taxonomy/lexicons/concepts.yaml`
 */
import { z } from 'zod';

const kebab = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export const IdSchema = z.string().regex(kebab, 'must be kebab-case: lower-case letters, digits and single hyphens');
export const StatuteCodeSchema = z.enum(['1028', '1030', '1343']);
export type StatuteCode = z.infer<typeof StatuteCodeSchema>;
export const StatusSchema = z.enum(['experimental', 'test', 'stable', 'deprecated']);

export const PhraseSchema = z
  .string()
  .trim()
  .min(1, 'a phrase cannot be empty')
  .max(200)
  .refine((p) => !/\s\*|^\*/.test(p), 'a `*` must end a word (prefix match), not stand alone');

/** A part of a proximity rule: a list of phrases, or one `@concept`. */
const NearPartSchema = z.union([PhraseSchema, z.array(PhraseSchema).min(1)]);

export const NearSchema = z.strictObject({
  /**
   * Every part must match, within `within` tokens of each other (measured between the parts' closest edges). A long
   * window costs little: the combination search is bounded by the hits kept per part (match.ts), not by the window.
   */
  all: z.array(NearPartSchema).min(2).max(4),
  within: z.number().int().min(1).max(80),
  /** Parts must appear in the listed order. */
  ordered: z.boolean().default(false),
  /** Parts must fall in one sentence (default), or may cross sentence boundaries. */
  sameSentence: z.boolean().default(true),
});

/** Fields shared by indicator rules and counter-indicators: exactly one of phrases / near / regex. */
const matchFields = {
  id: IdSchema,
  phrases: z.array(PhraseSchema).min(1).optional(),
  near: NearSchema.optional(),
  /** JavaScript regular expression, case-insensitive; only where a token pattern cannot say it. Checked for ReDoS at load. */
  regex: z.string().min(1).max(300).optional(),
  /** Phrases that cancel a hit of this rule when they occur in the same sentence. */
  exclude: z.array(PhraseSchema).default([]),
  /** true (default): negation and hypothetical scopes cancel the hit. false: a failed outcome ("was blocked", "but failed")
   *  does not, so an attempt still counts, while a denial before it ("did not try") still does. "conditional": only a
   *  denial cancels it, for threats, which are conditional by nature ("if we did not pay he would post the file").
   *  "never": no scope cancels it, for rules whose phrase is itself a negation ("no goods were ever delivered"). */
  negatable: z.union([z.boolean(), z.literal('never'), z.literal('conditional')]).default(true),
  /** Legal or factual source for the rule: statute text, jury instruction, decision, ATLAS technique, report. */
  source: z.string().min(3),
  note: z.string().optional(),
};

function exactlyOneMatcher(r: { phrases?: unknown; near?: unknown; regex?: unknown }): boolean {
  return [r.phrases, r.near, r.regex].filter((x) => x !== undefined).length === 1;
}
const oneMatcherMessage = { message: 'a rule needs exactly one of `phrases`, `near` or `regex`' };

export const RuleSchema = z
  .strictObject({
    ...matchFields,
    /** Confidence that one hit supports the element, in (0, 1]. Distinct rules combine by noisy-OR; repeats of one rule do not stack. */
    weight: z.number().gt(0).max(1),
    /** A caution attached when the element rests only on cautioned rules (a contested theory; see cautions.yaml). */
    caution: IdSchema.optional(),
  })
  .refine(exactlyOneMatcher, oneMatcherMessage);
export type Rule = z.infer<typeof RuleSchema>;

export const CounterSchema = z
  .strictObject({
    ...matchFields,
    /** Multiplies the element score by (1 - penalty) when it fires. */
    penalty: z.number().gt(0).max(1),
    caution: IdSchema.optional(),
    /** Indicator rule ids of the same element that defeat this counter when they fire (e.g. gate-bypass defeats "authorized user"). */
    unless: z.array(IdSchema).default([]),
    /**
     * Also defeated by any indicator of the same element whose weight is at least this: "one strong sign of the
     * real thing outweighs this benign reading", without a list that goes stale as indicators are added.
     */
    unlessWeightAtLeast: z.number().gt(0).max(1).optional(),
  })
  .refine(exactlyOneMatcher, oneMatcherMessage);
export type Counter = z.infer<typeof CounterSchema>;

export const ElementSchema = z.strictObject({
  id: IdSchema,
  label: z.string().min(3),
  description: z.string().optional(),
  /** Element is satisfied when its combined score reaches this. */
  minScore: z.number().gt(0).max(1).default(0.5),
  rules: z.array(RuleSchema).min(1),
  counters: z.array(CounterSchema).default([]),
});
export type Element = z.infer<typeof ElementSchema>;

/** Required element groups: an id, or a list of ids of which any one suffices. */
export const RequirementSchema = z.union([IdSchema, z.array(IdSchema).min(2)]);

const targetFields = {
  title: z.string().min(3),
  requires: z.array(RequirementSchema),
  optional: z.array(IdSchema).default([]),
  source: z.string().min(3),
  note: z.string().optional(),
};

export const SubsectionSchema = z.strictObject({
  code: z.string().regex(/^\d{4}A?(\([a-z0-9A-Z]+\))*$/, 'a code like 1030(a)(2)(C) or 1028A(a)(1)'),
  ...targetFields,
  /** Predicate offences: the subsection needs at least one of these statutes suggested (e.g. § 1028A). */
  requiresStatute: z.array(StatuteCodeSchema).min(1).optional(),
  /** Needs an AI-agent exfiltration finding with one of these pattern ids (the agent did the obtaining). */
  requiresExfiltration: z.array(IdSchema).min(1).optional(),
  /** Caution attached whenever this formulation is the one that passes (a contested theory). */
  caution: IdSchema.optional(),
});
export type Subsection = z.infer<typeof SubsectionSchema>;

const ExampleSchema = z.union([
  z.string().min(10),
  z.strictObject({ text: z.string().min(10), expect: z.array(z.string().min(1)).min(1) }),
]);
export type Example = z.infer<typeof ExampleSchema>;

/** Sigma-style examples that CI runs: `match` must produce the file's finding, `noMatch` must not. */
export const ExamplesSchema = z.strictObject({
  match: z.array(ExampleSchema).min(1),
  noMatch: z.array(ExampleSchema).min(1),
});

const fileHeader = {
  id: IdSchema,
  title: z.string().min(3),
  status: StatusSchema,
  references: z.array(z.string().min(3)).min(1),
  falsePositives: z.array(z.string()).default([]),
  examples: ExamplesSchema,
};

export const StatuteFileSchema = z.strictObject({
  ...fileHeader,
  kind: z.literal('statute'),
  statute: StatuteCodeSchema,
  citation: z.string().min(3),
  elements: z.array(ElementSchema).min(1),
  subsections: z.array(SubsectionSchema).min(1),
});
export type StatuteFile = z.infer<typeof StatuteFileSchema>;

export const AtlasIdSchema = z.string().regex(/^AML\.T\d{4}(\.\d{3})?$/, 'an ATLAS technique id like AML.T0051.001');

export const AiKindSchema = z.strictObject({ id: IdSchema, ...targetFields, atlas: z.array(AtlasIdSchema).default([]) });
export type AiKind = z.infer<typeof AiKindSchema>;

export const AiFileSchema = z.strictObject({
  ...fileHeader,
  kind: z.literal('ai-involvement'),
  elements: z.array(ElementSchema).min(1),
  kinds: z.array(AiKindSchema).min(1),
});
export type AiFile = z.infer<typeof AiFileSchema>;

export const ExfilPatternSchema = z.strictObject({
  id: IdSchema,
  ...targetFields,
  atlas: z.array(AtlasIdSchema).min(1),
  owasp: z.array(z.string().regex(/^(LLM|ASI)\d{2}$/)).default([]),
});
export type ExfilPattern = z.infer<typeof ExfilPatternSchema>;

export const ExfilFileSchema = z.strictObject({
  ...fileHeader,
  kind: z.literal('agent-exfiltration'),
  /** AI kind reported when exfiltration is flagged but no AI kind matched on its own (the flag implies AI involvement). */
  impliesAiKind: IdSchema,
  elements: z.array(ElementSchema).min(1),
  patterns: z.array(ExfilPatternSchema).min(1),
});
export type ExfilFile = z.infer<typeof ExfilFileSchema>;

export const ConceptsFileSchema = z.strictObject({
  kind: z.literal('concepts'),
  concepts: z.record(
    IdSchema,
    z.strictObject({ source: z.string().min(3), phrases: z.array(PhraseSchema).min(1) }),
  ),
});

export const NegationFileSchema = z.strictObject({
  kind: z.literal('negation'),
  source: z.string().min(3),
  /** Cues whose scope runs forward ("no evidence of", "did not"). */
  preNegation: z.array(PhraseSchema).min(1),
  /** Cues whose scope runs backward ("was blocked", "but failed"). */
  postNegation: z.array(PhraseSchema).min(1),
  /** Cues that look like negation but are not ("not only", "no longer"): matched first and ignored. */
  pseudoNegation: z.array(PhraseSchema).default([]),
  /** Cues that open a hypothetical scope forward ("if", "warned that"). */
  hypothetical: z.array(PhraseSchema).default([]),
  /** Cues that negate the rest of their clause, however long ("nothing indicates", "there is no evidence that"). */
  clauseNegation: z.array(PhraseSchema).default([]),
  /** Words that close a scope ("but", "however"); sentence ends always do. */
  terminators: z.array(PhraseSchema).default([]),
  forwardWindow: z.number().int().min(1).max(20).default(6),
  backwardWindow: z.number().int().min(1).max(20).default(6),
});
export type NegationFile = z.infer<typeof NegationFileSchema>;

export const CautionsFileSchema = z.strictObject({
  kind: z.literal('cautions'),
  cautions: z
    .array(z.strictObject({ id: IdSchema, title: z.string().min(3), explanation: z.string().min(10), source: z.string().min(3) }))
    .min(1),
});

export const AtlasFileSchema = z.strictObject({
  kind: z.literal('atlas'),
  source: z.string().min(3),
  techniques: z.record(AtlasIdSchema, z.string().min(3)),
});

/** A word as the tokenizer yields it: lower-case letters and digits (hyphens split words, apostrophes are dropped). */
const StemWordSchema = z.string().regex(/^[a-z0-9]+$/, 'a single lower-case word, as the tokenizer yields it');

export const StemsFileSchema = z.strictObject({
  kind: z.literal('stems'),
  source: z.string().min(3),
  /**
   * Word families Porter folds into the stem of unrelated words ("general" and "generated" both stem to "gener"):
   * each family gets a stem of its own, in phrases and narratives alike.
   */
  keepApart: z
    .array(z.strictObject({ words: z.array(StemWordSchema).min(1), notLike: z.array(StemWordSchema).min(1), reason: z.string().min(3).optional() }))
    .min(1),
  /**
   * Spelling variants Porter stems apart from the standard (US) word, mapped to it ("authorised" → "authorized",
   * "cheque" → "check"): the variant takes the standard word's stem, so a rule written once matches both.
   */
  spellings: z.record(StemWordSchema, StemWordSchema).default({}),
});
export type StemsFile = z.infer<typeof StemsFileSchema>;

/** Any taxonomy file, told apart by its `kind`. */
export const TaxonomyFileSchema = z.discriminatedUnion('kind', [
  StatuteFileSchema,
  AiFileSchema,
  ExfilFileSchema,
  ConceptsFileSchema,
  NegationFileSchema,
  CautionsFileSchema,
  AtlasFileSchema,
  StemsFileSchema,
]);
export type TaxonomyFile = z.infer<typeof TaxonomyFileSchema>;
