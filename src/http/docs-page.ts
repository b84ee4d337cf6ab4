/**
 * The `/docs` page: a self-contained HTML rendering of the OpenAPI document and the error catalog (no scripts,
 * no CDN, so it works offline and under a strict Content-Security-Policy). Each error code has an anchor equal
 * to the code, which is what a problem's `type` (`/docs#CODE`) points at.
 */
import { ERROR_CATALOG, ERROR_CODES } from '../errors.js';
import type { JsonObject, OpenApiDocument } from './openapi.js';

export interface DocsLimits {
  bodyLimit: number;
  batchBodyLimit: number;
  /** Largest CSV upload (shown when the app serves the CSV routes). */
  csvUploadLimit?: number | undefined;
  maxNarrativeChars: number;
  maxBatchItems: number;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Markdown-ish backticks → <code>, after escaping. */
function inline(s: string): string {
  return esc(s).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

function bytes(n: number): string {
  if (n % 1024 ** 3 === 0) return `${n / 1024 ** 3} GiB`;
  return n % 1024 ** 2 === 0 ? `${n / 1024 ** 2} MiB` : n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`;
}

function refName(schema: unknown): string | undefined {
  const ref = (schema as { $ref?: unknown } | undefined)?.$ref;
  return typeof ref === 'string' ? ref.replace('#/components/schemas/', '') : undefined;
}

function schemaHtml(schema: unknown): string {
  const name = refName(schema);
  if (name !== undefined) return `<a href="#schema-${esc(name)}">${esc(name)}</a>`;
  return `<pre>${esc(JSON.stringify(schema, null, 2))}</pre>`;
}

function contentHtml(content: unknown): string {
  if (typeof content !== 'object' || content === null) return '';
  return Object.entries(content as Record<string, JsonObject>)
    .map(([type, media]) => `<div><code>${esc(type)}</code>${media.schema ? ` — ${schemaHtml(media.schema)}` : ''}</div>`)
    .join('');
}

export function renderDocsPage(doc: OpenApiDocument, limits: DocsLimits): string {
  const ops: string[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const params = (op.parameters as JsonObject[] | undefined)
        ?.filter((p) => typeof p.name === 'string')
        .map((p) => `<li><code>${esc(str(p.name))}</code> (${esc(str(p.in))}${p.required ? ', required' : ''})${p.description ? ` — ${inline(str(p.description))}` : ''}</li>`)
        .join('');
      const body = op.requestBody as JsonObject | undefined;
      const responses = Object.entries((op.responses as Record<string, JsonObject> | undefined) ?? {})
        .map(([status, r]) => `<tr><td>${esc(status)}</td><td>${inline(str(r.description))}</td><td>${contentHtml(r.content)}</td></tr>`)
        .join('');
      ops.push(`<section class="op" id="${esc(str(op.operationId))}">
<h3><span class="m">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3>
<p>${inline(str(op.summary))}</p>${op.description ? `<p>${inline(str(op.description))}</p>` : ''}
${params ? `<h4>Parameters</h4><ul>${params}</ul>` : ''}
${body ? `<h4>Request body</h4>${contentHtml(body.content)}` : ''}
<h4>Responses</h4><table><tr><th>Status</th><th>Meaning</th><th>Body</th></tr>${responses}</table>
</section>`);
    }
  }
  const errors = ERROR_CODES.map((code) => {
    const d = ERROR_CATALOG[code];
    return `<tr id="${code}"><td><code>${code}</code></td><td>${d.status}</td><td>${esc(d.title)}</td><td>${inline(d.description)}</td></tr>`;
  }).join('\n');
  const schemas = Object.entries(doc.components.schemas)
    .map(([name, s]) => `<details id="schema-${esc(name)}"><summary><code>${esc(name)}</code></summary><pre>${esc(JSON.stringify(s, null, 2))}</pre></details>`)
    .join('\n');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.info.title)} — HTTP API</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
code,pre{font-family:ui-monospace,monospace;font-size:13px}pre{background:#f5f5f5;padding:.6rem;overflow:auto;max-height:24rem}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
.op{border-top:2px solid #eee;margin-top:1.5rem}.m{background:#234;color:#fff;padding:0 .4rem;border-radius:3px}
tr:target{background:#fff6cc}
</style></head><body>
<h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1>
<p>${inline(doc.info.description ?? '')}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${esc(doc.openapi)}, generated from the zod schemas that validate requests).</p>
<h2 id="limits">Limits</h2>
<table>
<tr><td>JSON body (<code>BODY_LIMIT</code>)</td><td>${bytes(limits.bodyLimit)}</td><td>413 <code>PAYLOAD_TOO_LARGE</code></td></tr>
<tr><td>Batch body (<code>BATCH_BODY_LIMIT</code>)</td><td>${bytes(limits.batchBodyLimit)}</td><td>413 <code>PAYLOAD_TOO_LARGE</code></td></tr>
${doc.paths['/v1/batch/csv'] === undefined || limits.csvUploadLimit === undefined ? '' : `<tr><td>CSV upload (<code>CSV_UPLOAD_LIMIT</code>)</td><td>${bytes(limits.csvUploadLimit)}</td><td>413 <code>PAYLOAD_TOO_LARGE</code></td></tr>\n`}<tr><td>Narrative length (<code>MAX_NARRATIVE_CHARS</code>)</td><td>${limits.maxNarrativeChars} characters</td><td>413 <code>NARRATIVE_TOO_LONG</code></td></tr>
<tr><td>Batch items (<code>MAX_BATCH_ITEMS</code>)</td><td>${limits.maxBatchItems}</td><td>413 <code>TOO_MANY_ITEMS</code></td></tr>
</table>
<h2 id="request-id">Request ids</h2>
<p>Send <code>X-Request-Id</code> (1–128 characters of <code>A-Z a-z 0-9 . _ ~ : / + = @ -</code>) to correlate; otherwise, or when it does not match, the server generates a UUID. The id is echoed in the response header, in problem bodies (<code>requestId</code>) and in every log line of the request.</p>
<h2 id="endpoints">Endpoints</h2>
${ops.join('\n')}
<h2 id="errors">Errors</h2>
<p>Every error is an RFC 9457 <code>application/problem+json</code> body: <code>type</code> (a link to the row below), <code>title</code>, <code>status</code>, <code>detail</code>, the stable <code>code</code>, <code>requestId</code>, and for validation <code>errors: [{ path, pointer, code, message }]</code> listing every failing field.</p>
<table><tr><th>Code</th><th>Status</th><th>Title</th><th>When</th></tr>
${errors}
</table>
<h2 id="schemas">Schemas</h2>
${schemas}
</body></html>
`;
}
