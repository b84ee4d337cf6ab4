/**
 * The analyst review API over the case store:
 *   GET  /v1/cases                     analyst  queue with filters and cursor pagination
 *   POST /v1/cases                     ingest   create one case or many (classified on create)
 *   GET  /v1/cases/export              analyst  reviewed labels as JSONL or CSV (streamed)
 *   GET  /v1/cases/{id}                analyst  narrative, classification, labels, decisions (ETag: version)
 *   POST /v1/cases/{id}/decisions      analyst  append a decision; stale version → 409 with the current case
 *   GET  /v1/reason-codes              any role the fixed list of reject reasons
 * The reviewer recorded on a decision is always the authenticated key's owner, never a body field.
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Classifier } from '../../classify/classifier.js';
import { AppError, formatPath, type ErrorCode } from '../../errors.js';
import type { Auth } from '../../auth/middleware.js';
import { REASON_CODES, REASON_CODE_DESCRIPTIONS } from '../../store/reason-codes.js';
import {
  CaseNotFoundError,
  InvalidCursorError,
  InvalidDecisionError,
  VersionConflictError,
  type CaseDetail,
  type CaseStore,
  type NewCase,
} from '../../store/store.js';
import { jsonBody } from '../json-body.js';
import { problemFrom, PROBLEM_CONTENT_TYPE } from '../problem.js';
import { createRouteTable, type Mount } from '../route-table.js';
import { parseRequest } from '../validate.js';
import { csvHeader, toCsvRows, toJsonlRecord } from './case-export.js';
import {
  CaseIdParamsSchema,
  CaseListSchema,
  CaseResponseSchema,
  ConflictSchema,
  createCaseRequestSchemas,
  CreateCasesResponseSchema,
  ExportQuerySchema,
  ListCasesQuerySchema,
  NewDecisionSchema,
  ReasonCodesSchema,
} from './case-schemas.js';

export interface CaseRoutesDeps {
  store: CaseStore;
  classifier: Classifier;
  auth: Auth;
  /** Byte limit of a decision body. */
  bodyLimit: number;
  /** Byte limit of a case-creation body (it may hold many narratives). */
  batchBodyLimit: number;
  maxNarrativeChars: number;
  maxBatchItems: number;
}

const DEFAULT_LIMIT = 50;
const AUTH_ERRORS: readonly ErrorCode[] = ['UNAUTHORIZED', 'FORBIDDEN'];
const JSON_ERRORS: readonly ErrorCode[] = ['INVALID_REQUEST', 'MALFORMED_JSON', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];

/** `"7"`, `W/"7"` or `7` → 7; anything else (including `*` and lists) is not a version this API issued. */
export function parseIfMatch(header: string | undefined): number | undefined | 'invalid' {
  if (header === undefined) return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,12})"?\s*$/.exec(header);
  return m?.[1] ? Number(m[1]) : 'invalid';
}

export function etagOf(version: number): string {
  return `"${version}"`;
}

export function createCaseRoutes(deps: CaseRoutesDeps): Mount {
  const { store, classifier, auth } = deps;
  const schemas = createCaseRequestSchemas({ maxNarrativeChars: deps.maxNarrativeChars, maxItems: deps.maxBatchItems });
  const source = classifier.taxonomy.source;
  const subsections = new Map(source.statutes.map((s) => [s.statute as string, new Set(s.subsections.map((x) => x.code))]));
  const cautions = new Map(source.cautions.map((c) => [c.id, c]));
  const table = createRouteTable();

  /** The stored case plus names for the caution and ATLAS ids it cites, so the review page needs no second call. */
  function toResponse(c: CaseDetail) {
    const cautionIds = new Set(c.classification.suggestions.flatMap((s) => s.cautions));
    const atlasIds = new Set([...c.classification.ai.atlas, ...c.classification.exfiltration.patterns.flatMap((p) => p.atlas)]);
    const glossary = {
      cautions: Object.fromEntries(
        [...cautionIds].flatMap((id) => {
          const def = cautions.get(id);
          return def ? [[id, { title: def.title, explanation: def.explanation, source: def.source }]] : [];
        }),
      ),
      atlas: Object.fromEntries([...atlasIds].flatMap((id) => (source.atlas[id] ? [[id, source.atlas[id]]] : []))),
    };
    return { ...c, glossary };
  }

  function sendCase(res: Response, c: CaseDetail, status = 200): void {
    res.setHeader('ETag', etagOf(c.version));
    res.setHeader('Cache-Control', 'no-store');
    res.status(status).json(toResponse(c));
  }

  table.add(
    {
      method: 'get',
      path: '/v1/reason-codes',
      operationId: 'listReasonCodes',
      tags: ['review'],
      summary: 'The fixed list of reasons a rejection must give (any role)',
      responses: { 200: { description: 'Codes with their meaning', schema: ReasonCodesSchema } },
      errors: AUTH_ERRORS,
    },
    auth.require(),
    (_req, res) => {
      res.json({ reasonCodes: REASON_CODES.map((code) => ({ code, description: REASON_CODE_DESCRIPTIONS[code] })) });
    },
  );

  table.add(
    {
      method: 'get',
      path: '/v1/cases',
      operationId: 'listCases',
      tags: ['review'],
      summary: 'The review queue: cases by priority (sec4, statute, none) then received time (analyst)',
      query: ListCasesQuerySchema,
      responses: { 200: { description: 'One page of case summaries', schema: CaseListSchema, schemaName: 'CaseList' } },
      errors: [...AUTH_ERRORS, 'INVALID_REQUEST'],
    },
    auth.require('analyst'),
    async (req, res) => {
      const q = parseRequest(ListCasesQuerySchema, req.query);
      try {
        const page = await store.listCases(
          {
            status: q.status,
            statute: q.statute,
            priority: q.priority,
            aiInvolved: q.ai,
            exfiltrationFlagged: q.exfiltration,
            hasDisagreement: q.disagreement,
            text: q.q,
            receivedFrom: q.receivedFrom,
            receivedTo: q.receivedTo,
          },
          { cursor: q.cursor, limit: q.limit ?? DEFAULT_LIMIT },
        );
        res.setHeader('Cache-Control', 'no-store');
        res.json(page);
      } catch (err) {
        if (err instanceof InvalidCursorError) {
          throw new AppError('INVALID_REQUEST', `cursor: ${err.message}`, [{ ...formatPath(['cursor']), code: 'invalid_cursor', message: err.message }]);
        }
        throw err;
      }
    },
  );

  table.add(
    {
      method: 'post',
      path: '/v1/cases',
      operationId: 'createCases',
      tags: ['review'],
      summary: 'Create one case, or many with { items } (ingest); each is classified and stored with its taxonomy version',
      description:
        'A single case answers 201 with the case (200 with the existing case when its source and externalId were seen before). `{ items: [...] }` answers 201 with a summary per item, in input order, all created in one transaction.',
      requestBody: {
        schema: schemas.CreateCasesRequest,
        schemaName: 'CreateCasesRequest',
        example: { externalId: 'IC3-2025-000123', source: 'ic3', narrative: 'She wired $4,500 after an email that posed as her bank said her account was frozen.' },
      },
      responses: {
        200: { description: 'The case already existed (same source and externalId)', schema: CaseResponseSchema, schemaName: 'Case' },
        201: { description: 'The created case, or for { items } a summary per item', schema: z.union([CaseResponseSchema, CreateCasesResponseSchema]) },
      },
      errors: [...AUTH_ERRORS, ...JSON_ERRORS, 'NARRATIVE_TOO_LONG', 'TOO_MANY_ITEMS'],
    },
    auth.require('ingest'),
    jsonBody({ limit: deps.batchBodyLimit }),
    async (req, res) => {
      const body: unknown = req.body;
      const many = typeof body === 'object' && body !== null && !Array.isArray(body) && 'items' in body;
      const items = many ? parseRequest(schemas.NewCases, body).items : [parseRequest(schemas.NewCase, body)];
      const cases: NewCase[] = items.map((i) => ({ ...i, classification: classifier.classify(i.narrative, { explain: true }) }));
      const results = await store.createCases(cases);
      if (many) {
        const created = results.filter((r) => r.created).length;
        res.status(201).json({ created, existing: results.length - created, items: results });
        return;
      }
      const first = results[0];
      const detail = first && (await store.getCase(first.case.id));
      if (!first || !detail) throw new Error('the created case cannot be read back');
      res.setHeader('Location', `/v1/cases/${encodeURIComponent(detail.id)}`);
      sendCase(res, detail, first.created ? 201 : 200);
    },
  );

  // Registered before /v1/cases/{id}, which would otherwise take "export" for an id.
  table.add(
    {
      method: 'get',
      path: '/v1/cases/export',
      operationId: 'exportCases',
      tags: ['review'],
      summary: 'Reviewed labels for measuring the rules: JSONL (dataset format, one case a line) or CSV (one label a row) (analyst)',
      query: ExportQuerySchema,
      responses: {
        200: { description: 'application/x-ndjson or text/csv, streamed; only reviewed cases (every suggestion decided)', contentType: 'application/x-ndjson' },
      },
      errors: [...AUTH_ERRORS, 'INVALID_REQUEST'],
    },
    auth.require('analyst'),
    async (req, res) => {
      const { format } = parseRequest(ExportQuerySchema, req.query);
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Content-Disposition', `attachment; filename="cases-reviewed.${format}"`);
      res.type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
      res.status(200);
      if (format === 'csv') await write(res, csvHeader());
      for await (const c of store.exportReviewed()) {
        if (res.destroyed) return;
        await write(res, format === 'csv' ? toCsvRows(c) : `${JSON.stringify(toJsonlRecord(c))}\n`);
      }
      res.end();
    },
  );

  table.add(
    {
      method: 'get',
      path: '/v1/cases/{id}',
      operationId: 'getCase',
      tags: ['review'],
      summary: 'One case: narrative, classification with evidence and element checklist, current labels, decision history (analyst)',
      pathParams: CaseIdParamsSchema,
      responses: { 200: { description: 'The case; ETag is its version', schema: CaseResponseSchema, schemaName: 'Case', headers: { ETag: 'The case version' } } },
      errors: [...AUTH_ERRORS, 'CASE_NOT_FOUND'],
    },
    auth.require('analyst'),
    async (req, res) => {
      const { id } = parseRequest(CaseIdParamsSchema, req.params);
      const c = await store.getCase(id);
      if (!c) throw new AppError('CASE_NOT_FOUND', `No case with id ${id}.`);
      sendCase(res, c);
    },
  );

  table.add(
    {
      method: 'post',
      path: '/v1/cases/{id}/decisions',
      operationId: 'addDecision',
      tags: ['review'],
      summary: 'Record a decision on a suggestion (analyst); the reviewer is the API key\'s owner',
      description:
        'Send the case version you reviewed as `If-Match: "<version>"` (the ETag of GET /v1/cases/{id}) or as `version` in the body. If someone else changed the case since, the answer is 409 VERSION_CONFLICT with the current case in `current`. Decisions are appended, never changed: to change your mind, record a new decision.',
      pathParams: CaseIdParamsSchema,
      requestBody: {
        schema: NewDecisionSchema,
        schemaName: 'NewDecision',
        example: { statute: '1030', decision: 'reject', reasonCode: 'VAN_BUREN_AUTHORIZED_USER', note: 'Employee could open these files; misuse only.', version: 1 },
      },
      responses: {
        201: { description: 'The case after the decision (new version in ETag)', schema: CaseResponseSchema, schemaName: 'Case', headers: { ETag: 'The new case version' } },
        // Documented here rather than in `errors`, whose generic problem entry would hide the `current` member.
        409: { description: 'VERSION_CONFLICT: stale version; problem+json with `current`, the case as it is now', schema: ConflictSchema, contentType: PROBLEM_CONTENT_TYPE },
      },
      errors: [...AUTH_ERRORS, ...JSON_ERRORS, 'CASE_NOT_FOUND'],
    },
    auth.require('analyst'),
    jsonBody({ limit: deps.bodyLimit }),
    async (req, res) => {
      const { id } = parseRequest(CaseIdParamsSchema, req.params);
      const body = parseRequest(NewDecisionSchema, req.body);
      const version = expectedVersion(req, body.version);
      if (body.subsection !== undefined && !subsections.get(body.statute)?.has(body.subsection)) {
        const message = `${body.subsection} is not a subsection of ${body.statute} in the taxonomy`;
        throw new AppError('INVALID_REQUEST', `subsection: ${message}`, [{ ...formatPath(['subsection']), code: 'invalid_value', message }]);
      }
      const principal = req.principal;
      if (!principal) throw new Error('decision route reached without authentication');
      try {
        const c = await store.addDecision({
          caseId: id,
          statute: body.statute,
          subsection: body.subsection ?? null,
          decision: body.decision,
          reasonCode: body.reasonCode ?? null,
          note: body.note ?? null,
          reviewer: principal.owner,
          keyId: principal.keyId,
          expectedVersion: version,
        });
        res.setHeader('Location', `/v1/cases/${encodeURIComponent(c.id)}`);
        sendCase(res, c, 201);
      } catch (err) {
        if (err instanceof CaseNotFoundError) throw new AppError('CASE_NOT_FOUND', `No case with id ${id}.`);
        if (err instanceof InvalidDecisionError) {
          throw new AppError('INVALID_REQUEST', `${err.path.join('.')}: ${err.message}`, [{ ...formatPath(err.path), code: 'invalid_decision', message: err.message }]);
        }
        if (err instanceof VersionConflictError) {
          sendConflict(req, res, err);
          return;
        }
        throw err;
      }
    },
  );

  function sendConflict(req: Request, res: Response, err: VersionConflictError): void {
    const problem = problemFrom(
      new AppError('VERSION_CONFLICT', `The case is at version ${err.current.version}, not ${err.expected}: someone decided first. Review it again.`),
      String(req.id),
    );
    res.locals.errorCode = 'VERSION_CONFLICT';
    res.setHeader('ETag', etagOf(err.current.version));
    res.status(409).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify({ ...problem, current: toResponse(err.current) }));
  }

  return table.mount();
}

function expectedVersion(req: Request, bodyVersion: number | undefined): number {
  const header = parseIfMatch(req.headers['if-match']);
  const fail = (message: string, path: string[]): never => {
    throw new AppError('INVALID_REQUEST', message, [{ ...formatPath(path), code: 'invalid_version', message }]);
  };
  if (header === 'invalid') return fail('If-Match must be the case ETag, e.g. "3"', ['If-Match']);
  if (header !== undefined && bodyVersion !== undefined && header !== bodyVersion) {
    return fail(`If-Match (${header}) and version (${bodyVersion}) disagree`, ['version']);
  }
  const v = header ?? bodyVersion;
  if (v === undefined) return fail('version: send the case version you reviewed (If-Match header or version field)', ['version']);
  return v;
}

/** Writes with backpressure: waits for `drain` when the socket buffer is full (or `close` if the client left). */
async function write(res: Response, chunk: string): Promise<void> {
  if (res.write(chunk)) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
