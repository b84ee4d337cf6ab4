/**
 * The case store: a small repository interface so the embedded SQLite implementation (sqlite-store.ts) can be
 * joined by a PostgreSQL one for multi-instance deployments. Every method is async for that reason, even though
 * better-sqlite3 answers synchronously.
 *
 * Audit model: cases, classifications and decisions are append-only events. A case's current classification
 * is its latest one, its current labels are derived from its decisions (the latest decision per statute and
 * subsection wins), and its version counts its events, so a reviewer who saw version N can be told when someone
 * else acted first.
 */
import type { Classification, Priority } from '../classify/result-schema.js';
import type { StatuteCode } from '../taxonomy/schema.js';
import type { ReasonCode } from './reason-codes.js';

export const DECISION_KINDS = ['accept', 'reject', 'add', 'needs-legal-review'] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];

export const ROLES = ['ingest', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const CASE_STATUSES = ['pending', 'reviewed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/** A case to store, already classified (the store never runs the classifier). */
export interface NewCase {
  narrative: string;
  externalId?: string | undefined;
  source?: string | undefined;
  /** ISO 8601; defaults to the time of creation. */
  receivedAt?: string | undefined;
  classification: Classification;
}

export interface CreateCaseResult {
  case: CaseSummary;
  /** False when a case with the same source and external id already existed (it is returned unchanged). */
  created: boolean;
}

/** One decision as recorded: an immutable event. */
export interface Decision {
  id: number;
  statute: StatuteCode;
  /** Subsection code such as `1030(a)(2)(C)`, or null when the decision is about the whole statute. */
  subsection: string | null;
  decision: DecisionKind;
  reasonCode: ReasonCode | null;
  note: string | null;
  /** Owner of the API key that made the request; never taken from a request body. */
  reviewer: string;
  /** Taxonomy version of the classification the reviewer saw. */
  taxonomyVersion: string;
  /** Case version the reviewer saw (the decision made it version + 1). */
  caseVersion: number;
  decidedAt: string;
}

/** The current label for one statute or subsection: the latest decision about it. */
export interface Label {
  statute: StatuteCode;
  subsection: string | null;
  decision: DecisionKind;
  /** accept/add: true; reject: false; needs-legal-review: null (undetermined). */
  positive: boolean | null;
  reasonCode: ReasonCode | null;
  note: string | null;
  reviewer: string;
  decidedAt: string;
  decisionId: number;
  /** Whether the current classification suggests it. */
  suggested: boolean;
}

/** A label that a later re-classification contradicts: the rules now disagree with a reviewer. */
export interface Disagreement {
  statute: StatuteCode;
  subsection: string | null;
  decision: DecisionKind;
  /** `suggested-but-rejected`: the new classification suggests what a reviewer rejected;
   *  `labelled-but-not-suggested`: it no longer (or still does not) suggest what a reviewer accepted or added. */
  kind: 'suggested-but-rejected' | 'labelled-but-not-suggested';
  decisionTaxonomyVersion: string;
  currentTaxonomyVersion: string;
}

export interface CaseSummary {
  id: string;
  externalId: string | null;
  source: string | null;
  receivedAt: string;
  createdAt: string;
  version: number;
  status: CaseStatus;
  priority: Priority;
  aiInvolved: boolean;
  exfiltrationFlagged: boolean;
  /** Statutes the current classification suggests. */
  suggested: StatuteCode[];
  taxonomyVersion: string;
  decisionCount: number;
  hasDisagreement: boolean;
  /** The first characters of the narrative, for queue lists. */
  excerpt: string;
}

export interface CaseDetail extends CaseSummary {
  narrative: string;
  classification: Classification;
  classifiedAt: string;
  labels: Label[];
  disagreements: Disagreement[];
  /** Oldest first. */
  decisions: Decision[];
  /** Taxonomy versions of every classification of the case, oldest first. */
  classificationHistory: { taxonomyVersion: string; classifiedAt: string; reason: 'create' | 'reclassify' }[];
}

export interface CaseFilter {
  status?: CaseStatus | undefined;
  /** Suggested now, or labelled positive by a reviewer. */
  statute?: StatuteCode | undefined;
  priority?: Priority[] | undefined;
  aiInvolved?: boolean | undefined;
  exfiltrationFlagged?: boolean | undefined;
  hasDisagreement?: boolean | undefined;
  /** Full-text search over narratives (words, stemmed; all must occur). */
  text?: string | undefined;
  /** Inclusive lower bound, ISO 8601. */
  receivedFrom?: string | undefined;
  /** Exclusive upper bound, ISO 8601. */
  receivedTo?: string | undefined;
}

export interface CasePage {
  items: CaseSummary[];
  /** Opaque; pass as `cursor` for the next page. Absent on the last page. */
  nextCursor?: string | undefined;
}

export interface NewDecision {
  caseId: string;
  statute: StatuteCode;
  subsection?: string | null | undefined;
  decision: DecisionKind;
  reasonCode?: ReasonCode | null | undefined;
  note?: string | null | undefined;
  reviewer: string;
  keyId?: string | null | undefined;
  /** The case version the reviewer saw; a different current version is a conflict. */
  expectedVersion: number;
}

/** One current label per reviewed case, for measuring and improving the rules. */
export interface ExportedCase {
  id: string;
  externalId: string | null;
  source: string | null;
  receivedAt: string;
  narrative: string;
  taxonomyVersion: string;
  suggested: StatuteCode[];
  aiInvolved: boolean;
  exfiltrationFlagged: boolean;
  labels: Label[];
}

export interface StatuteStats {
  statute: StatuteCode;
  /** Cases whose current classification suggests the statute. */
  suggested: number;
  /** Suggested and currently labelled positive by a reviewer. */
  accepted: number;
  /** Suggested and currently labelled negative. */
  rejected: number;
  needsLegalReview: number;
  /** Suggested with no statute-level decision yet. */
  pending: number;
  /** Labelled positive by a reviewer although not suggested: the rules' misses. */
  added: number;
  /** accepted / (accepted + rejected); null until something was decided. */
  precision: number | null;
  /** accepted / (accepted + added): the share of reviewer-confirmed cases the rules found; null without data. */
  observedRecall: number | null;
  rejectReasons: Partial<Record<ReasonCode, number>>;
  agreement: Agreement;
}

/** Agreement between the first two reviewers of each (case, statute): positive / negative / legal review. */
export interface Agreement {
  pairs: number;
  /** Share of pairs with the same outcome; null without pairs. */
  observed: number | null;
  /** Cohen's kappa; null without pairs or when chance agreement is 1 (kappa undefined). */
  kappa: number | null;
}

export interface Stats {
  cases: number;
  reviewedCases: number;
  pendingCases: number;
  decisions: number;
  reviewers: number;
  statutes: StatuteStats[];
  agreement: Agreement;
}

export interface ApiKeyRecord {
  id: string;
  owner: string;
  role: Role;
  /** The first characters of the key, to recognise it in lists; the key itself is never stored. */
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
}

export interface NewApiKey {
  owner: string;
  role: Role;
  /** SHA-256 of the key, hex. */
  hash: string;
  prefix: string;
}

/** What a re-classification needs to know about each case. */
export interface CaseToReclassify {
  id: string;
  narrative: string;
  version: number;
  taxonomyVersion: string;
}

export interface CaseStore {
  /** Creates cases in one transaction, in input order; an existing (source, externalId) is returned as is. */
  createCases(cases: NewCase[]): Promise<CreateCaseResult[]>;
  getCase(id: string): Promise<CaseDetail | undefined>;
  /** Sorted by priority (sec4, statute, none), then received time (oldest first), then creation order. */
  listCases(filter: CaseFilter, page: { cursor?: string | undefined; limit: number }): Promise<CasePage>;
  /** Appends a decision; throws VersionConflictError (with the current case) when the version is stale. */
  addDecision(decision: NewDecision): Promise<CaseDetail>;
  /** Appends a classification (after a taxonomy change); earlier decisions stay. Version-checked like decisions. */
  appendClassification(caseId: string, classification: Classification, expectedVersion: number): Promise<CaseDetail>;
  /** Cases in creation order after `afterId` (exclusive), for re-classification in pages. */
  casesToReclassify(after: string | undefined, limit: number): Promise<CaseToReclassify[]>;
  /** Reviewed cases (at least one decision, every suggestion decided), in creation order. */
  exportReviewed(): AsyncIterable<ExportedCase>;
  stats(): Promise<Stats>;

  createApiKey(key: NewApiKey): Promise<ApiKeyRecord>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  /** Returns the revoked key, or undefined when there is no such key. Revoking twice keeps the first time. */
  revokeApiKey(id: string): Promise<ApiKeyRecord | undefined>;
  /** The active (not revoked) key with this hash. */
  findApiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  countActiveApiKeys(): Promise<number>;

  /** Cheap round trip for /readyz; rejects when the store is unusable (closed, file gone). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The version a reviewer sent is not the current one; `current` is what they should look at again. */
export class VersionConflictError extends Error {
  readonly current: CaseDetail;
  readonly expected: number;
  constructor(expected: number, current: CaseDetail) {
    super(`case ${current.id} is at version ${current.version}, not ${expected}`);
    this.name = 'VersionConflictError';
    this.expected = expected;
    this.current = current;
  }
}

export class CaseNotFoundError extends Error {
  readonly caseId: string;
  constructor(caseId: string) {
    super(`no case with id ${caseId}`);
    this.name = 'CaseNotFoundError';
    this.caseId = caseId;
  }
}

/** A decision that contradicts the case's current state (e.g. `add` for what is already suggested). */
export class InvalidDecisionError extends Error {
  readonly path: string[];
  constructor(message: string, path: string[]) {
    super(message);
    this.name = 'InvalidDecisionError';
    this.path = path;
  }
}

export class InvalidCursorError extends Error {
  constructor() {
    super('the cursor is not one this server issued');
    this.name = 'InvalidCursorError';
  }
}

/** The database was written by a newer version of this program (a migration we do not know). */
export class StoreMigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreMigrationError';
  }
}
