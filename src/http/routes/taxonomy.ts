/**
 * `GET /v1/taxonomy` and `GET /v1/taxonomy/statutes/{code}`: what the classifier looks for, so analysts and
 * client systems can see every element, rule and legal caution behind a suggestion. The taxonomy is immutable
 * while the process runs, so both bodies are serialized once, with the taxonomy version as their ETag.
 */
import type { Request, Response } from 'express';
import type { Taxonomy } from '../../taxonomy/load.js';
import { StatuteFileSchema } from '../../taxonomy/schema.js';
import { AppError } from '../../errors.js';
import type { RouteTable } from '../route-table.js';
import { StatuteCodeParamsSchema, TaxonomySummarySchema, type TaxonomySummary } from '../schemas.js';

export function toTaxonomySummary(t: Taxonomy): TaxonomySummary {
  const atlasRef = (id: string): { id: string; name?: string } => {
    const name = t.atlas[id];
    return name === undefined ? { id } : { id, name };
  };
  return {
    version: t.version,
    statutes: t.statutes.map((s) => ({
      statute: s.statute,
      id: s.id,
      citation: s.citation,
      title: s.title,
      status: s.status,
      references: s.references,
      falsePositives: s.falsePositives,
      elements: s.elements.map((e) => ({
        id: e.id,
        label: e.label,
        ...(e.description !== undefined ? { description: e.description } : {}),
        rules: e.rules.length,
        counters: e.counters.length,
      })),
      subsections: s.subsections.map((sub) => ({
        code: sub.code,
        title: sub.title,
        requires: sub.requires,
        optional: sub.optional,
        ...(sub.requiresStatute ? { requiresStatute: sub.requiresStatute } : {}),
      })),
    })),
    aiKinds: t.ai.kinds.map((k) => ({ id: k.id, title: k.title, atlas: k.atlas.map(atlasRef) })),
    exfiltrationPatterns: t.exfil.patterns.map((p) => ({ id: p.id, title: p.title, atlas: p.atlas.map(atlasRef), owasp: p.owasp })),
    cautions: t.cautions.map((c) => ({ id: c.id, title: c.title, explanation: c.explanation, source: c.source })),
  };
}

/** Sends a pre-serialized JSON body with a strong ETag, answering 304 to a matching If-None-Match. */
function sendCached(req: Request, res: Response, body: string, etag: string): void {
  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', 'no-cache');
  if (req.fresh) {
    res.status(304).end();
    return;
  }
  res.type('application/json').send(body);
}

export function addTaxonomyRoutes(table: RouteTable, taxonomy: Taxonomy): void {
  // Serialized lazily on first request: tests and start-up pay nothing for a route they do not call.
  let summary: string | undefined;
  const statutes = new Map(taxonomy.statutes.map((s) => [s.statute as string, s]));
  const statuteBodies = new Map<string, string>();

  table.add(
    {
      method: 'get',
      path: '/v1/taxonomy',
      operationId: 'getTaxonomy',
      tags: ['taxonomy'],
      summary: 'The loaded taxonomy: statutes, subsections, elements, AI kinds, exfiltration patterns with MITRE ATLAS ids, cautions',
      responses: {
        200: { description: 'Taxonomy summary (ETag: the taxonomy version)', schema: TaxonomySummarySchema, schemaName: 'TaxonomySummary', headers: { ETag: 'The taxonomy version' } },
        304: { description: 'Not modified (If-None-Match matched)' },
      },
    },
    (req, res) => {
      summary ??= JSON.stringify(toTaxonomySummary(taxonomy));
      sendCached(req, res, summary, `"${taxonomy.version}"`);
    },
  );

  table.add(
    {
      method: 'get',
      path: '/v1/taxonomy/statutes/{code}',
      operationId: 'getStatute',
      tags: ['taxonomy'],
      summary: 'One statute file in full: elements with every rule (phrases, proximity, regex, weights, sources), counter-indicators, subsections and examples',
      pathParams: StatuteCodeParamsSchema,
      responses: {
        200: { description: 'The validated statute file', schema: StatuteFileSchema, schemaName: 'StatuteFile', headers: { ETag: 'Taxonomy version and statute' } },
        304: { description: 'Not modified (If-None-Match matched)' },
      },
      errors: ['STATUTE_NOT_FOUND'],
    },
    (req, res) => {
      const code = String(req.params.code);
      const statute = statutes.get(code);
      if (!statute) {
        const shown = code.length > 20 ? `${code.slice(0, 20)}…` : code;
        throw new AppError('STATUTE_NOT_FOUND', `No statute "${shown}" in taxonomy ${taxonomy.version}; known: ${[...statutes.keys()].join(', ')}.`);
      }
      let body = statuteBodies.get(code);
      if (body === undefined) statuteBodies.set(code, (body = JSON.stringify(statute)));
      sendCached(req, res, body, `"${taxonomy.version}-${code}"`);
    },
  );
}
