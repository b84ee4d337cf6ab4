/** `GET /openapi.json` and `GET /docs`, both rendered once on first request from the app's full operation list. */
import { z } from 'zod';
import type { DocsLimits } from '../docs-page.js';
import { renderDocsPage } from '../docs-page.js';
import type { OpenApiDocument } from '../openapi.js';
import type { RouteTable } from '../route-table.js';
import { DOCS_PAGE_CSP, setPagePolicy } from '../security-headers.js';

export interface DocsRoutesDeps {
  /** Builds the document; called once, after every route (including mounted ones) is known. */
  document: () => OpenApiDocument;
  limits: DocsLimits;
}


export function addDocsRoutes(table: RouteTable, deps: DocsRoutesDeps): void {
  let doc: OpenApiDocument | undefined;
  let json: string | undefined;
  let html: string | undefined;
  const document = (): OpenApiDocument => (doc ??= deps.document());

  table.add(
    {
      method: 'get',
      path: '/openapi.json',
      operationId: 'openapi',
      tags: ['operations'],
      summary: 'This API as an OpenAPI 3.1 document, generated from the zod schemas that validate requests',
      responses: { 200: { description: 'OpenAPI 3.1 document', schema: z.record(z.string(), z.unknown()) } },
    },
    (_req, res) => {
      json ??= JSON.stringify(document());
      res.type('application/json').send(json);
    },
  );

  table.add(
    {
      method: 'get',
      path: '/docs',
      operationId: 'docs',
      tags: ['operations'],
      summary: 'Human-readable documentation of every endpoint, limit and error code',
      responses: { 200: { description: 'HTML page', contentType: 'text/html' } },
    },
    (_req, res) => {
      html ??= renderDocsPage(document(), deps.limits);
      // The page loads nothing from anywhere: inline styles only (DOCS_PAGE_CSP).
      setPagePolicy(res, DOCS_PAGE_CSP);
      res.type('text/html').send(html);
    },
  );
}
