/**
 * `POST /v1/classify` and `POST /v1/classify/batch`: thin adapters over the pure classifier. The batch is the
 * single-text path in a loop (no second engine): each item is validated on its own, so a bad item becomes its
 * own error entry and the rest are still classified, in input order.
 *
 * With an `executor` (the server's worker pool) narratives are classified on worker threads and come back as
 * JSON text, which the response sends as is: the event loop only parses, validates and writes, so it keeps
 * answering while a long narrative is classified, and a batch uses every core. Without one (tests, or
 * WORKERS=0) they are classified here. Both give the same bytes.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Response } from 'express';
import type { ZodError } from 'zod';
import type { ClassifyExecutor } from '../../batch/workers.js';
import type { Classifier, ClassifyOptions } from '../../classify/classifier.js';
import type { Classification } from '../../classify/result-schema.js';
import { ClassificationSchema } from '../../classify/result-schema.js';
import { AppError, type ErrorCode } from '../../errors.js';
import { jsonBody } from '../json-body.js';
import { problemFrom } from '../problem.js';
import type { RouteTable } from '../route-table.js';
import { BatchResponseSchema, type BatchResponse, type RequestSchemas } from '../schemas.js';
import { parseRequest, validationError } from '../validate.js';

export interface ClassifyRoutesDeps {
  classifier: Classifier;
  schemas: RequestSchemas;
  bodyLimit: number;
  batchBodyLimit: number;
  /** Where narratives are classified; this thread when absent. */
  executor?: ClassifyExecutor;
}

/** A batch yields to the event loop after this much classification, so health checks and other requests are served. */
const BATCH_SLICE_MS = 10;

const JSON_BODY_ERRORS: readonly ErrorCode[] = ['INVALID_REQUEST', 'MALFORMED_JSON', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];

function itemId(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const id = (item as { id?: unknown }).id;
  return typeof id === 'string' && id.length > 0 && id.length <= 200 ? id : undefined;
}

/** The error entry of an invalid batch item, shared by both batch paths so their answers stay identical. */
function itemErrorEntry(raw: unknown, index: number, error: ZodError): BatchResponse['results'][number] {
  const id = itemId(raw);
  return { index, ...(id !== undefined ? { id } : {}), error: problemFrom(validationError(error, ['items', index])) };
}

export function addClassifyRoutes(table: RouteTable, deps: ClassifyRoutesDeps): void {
  const { classifier, schemas, executor } = deps;
  const sendJson = (res: Response, json: string): void => {
    res.type('application/json').send(json);
  };
  // A pool whose workers all died (and could not be replaced) cannot classify: say so as 503, like /readyz.
  const assertAvailable = (): void => {
    if (executor?.available?.() === false) throw new AppError('NOT_READY', 'No classification worker is running; try again shortly.');
  };

  table.add(
    {
      method: 'post',
      path: '/v1/classify',
      operationId: 'classify',
      tags: ['classify'],
      summary: 'Classify one narrative',
      description:
        'Returns statute suggestions with element-level evidence (offsets into the narrative), below-threshold candidates, the AI-involvement finding and the AI-agent exfiltration flag.',
      requestBody: {
        schema: schemas.ClassifyRequest,
        schemaName: 'ClassifyRequest',
        example: { id: 'case-42', narrative: 'She wired $4,500 after an email that posed as her bank said her account was frozen.' },
      },
      responses: { 200: { description: 'The classification', schema: ClassificationSchema, schemaName: 'Classification' } },
      errors: [...JSON_BODY_ERRORS, 'NARRATIVE_TOO_LONG', 'NOT_READY'],
    },
    jsonBody({ limit: deps.bodyLimit }),
    async (req, res) => {
      const body = parseRequest(schemas.ClassifyRequest, req.body);
      const options: ClassifyOptions = { id: body.id, threshold: body.threshold, explain: body.explain };
      assertAvailable();
      if (executor) sendJson(res, await executor.classifyJson({ narrative: body.narrative, options }));
      else res.json(classifier.classify(body.narrative, options));
    },
  );

  table.add(
    {
      method: 'post',
      path: '/v1/classify/batch',
      operationId: 'classifyBatch',
      tags: ['classify'],
      summary: 'Classify a small group of narratives',
      description:
        'Results come back in input order. An invalid item (missing or empty narrative, wrong type, narrative too long) gets an error entry `{ index, id?, error }` with the problem; the other items are still classified. Too many items rejects the whole request (413 TOO_MANY_ITEMS).',
      requestBody: {
        schema: schemas.BatchRequest,
        schemaName: 'BatchRequest',
        example: { items: [{ id: 'a', narrative: 'He logged into her bank account with a stolen password and wired $9,000 out.' }, { id: 'b', narrative: '' }] },
      },
      responses: { 200: { description: 'One entry per item, in input order', schema: BatchResponseSchema, schemaName: 'BatchResponse' } },
      errors: [...JSON_BODY_ERRORS, 'TOO_MANY_ITEMS', 'NOT_READY'],
    },
    jsonBody({ limit: deps.batchBodyLimit }),
    async (req, res) => {
      const envelope = parseRequest(schemas.BatchEnvelope, req.body);
      const options = { threshold: envelope.threshold, explain: envelope.explain };
      assertAvailable();
      if (executor) {
        sendJson(res, await classifyItemsJson(executor, schemas, envelope.items, options, classifier.taxonomyVersion));
        return;
      }
      const results: BatchResponse['results'] = [];
      let failed = 0;
      let sliceStart = performance.now();
      for (let index = 0; index < envelope.items.length; index++) {
        if (performance.now() - sliceStart > BATCH_SLICE_MS) {
          await yieldToLoop();
          if (req.socket.destroyed) return; // the client left: stop spending CPU on an answer nobody reads
          sliceStart = performance.now();
        }
        const raw = envelope.items[index];
        const item = schemas.BatchItem.safeParse(raw);
        if (!item.success) {
          failed++;
          results.push(itemErrorEntry(raw, index, item.error));
          continue;
        }
        const result: Classification = classifier.classify(item.data.narrative, { ...options, id: item.data.id });
        results.push(result);
      }
      const response: BatchResponse = { taxonomyVersion: classifier.taxonomyVersion, count: envelope.items.length, failed, results };
      res.json(response);
    },
  );
}

/**
 * The batch response as JSON text, items classified on the executor (all queued at once: the pool spreads them
 * over its workers). Same keys in the same order as the inline path's `res.json(response)`.
 */
async function classifyItemsJson(executor: ClassifyExecutor, schemas: RequestSchemas, items: readonly unknown[], options: ClassifyOptions, taxonomyVersion: string): Promise<string> {
  let failed = 0;
  const parts = items.map((raw, index): Promise<string> => {
    const item = schemas.BatchItem.safeParse(raw);
    if (item.success) return executor.classifyJson({ narrative: item.data.narrative, options: { ...options, id: item.data.id } });
    failed++;
    return Promise.resolve(JSON.stringify(itemErrorEntry(raw, index, item.error)));
  });
  const results = await Promise.all(parts);
  return `{"taxonomyVersion":${JSON.stringify(taxonomyVersion)},"count":${items.length},"failed":${failed},"results":[${results.join(',')}]}`;
}
