/** Shared by the OpenAPI tests: a zod description of the OpenAPI 3.1 objects this API uses. */
import { z } from 'zod';

/**
 * Structural checks of an OpenAPI 3.1 document: the required fields of the objects this API uses, strict
 * (a misspelt member fails), plus the cross-document rules a JSON Schema of the spec cannot state.
 */
export const Ref = z.strictObject({ $ref: z.string().startsWith('#/') });
const JsonSchema = z.record(z.string(), z.unknown());
const Media = z.strictObject({ schema: JsonSchema.optional(), example: z.unknown().optional() });
const Content = z.record(z.string().regex(/^[a-z]+\/[a-z0-9.+*-]+$/), Media);
const Header = z.strictObject({ description: z.string().optional(), schema: JsonSchema });
const Parameter = z
  .strictObject({
    name: z.string().min(1),
    in: z.enum(['query', 'header', 'path', 'cookie']),
    required: z.boolean().optional(),
    description: z.string().optional(),
    schema: JsonSchema,
  })
  .refine((p) => p.in !== 'path' || p.required === true, 'path parameters must be required');
const Response = z.strictObject({
  description: z.string().min(1),
  headers: z.record(z.string(), z.union([Ref, Header])).optional(),
  content: Content.optional(),
});
const Operation = z.strictObject({
  operationId: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/),
  summary: z.string().min(1),
  description: z.string().optional(),
  tags: z.array(z.string()).optional(),
  parameters: z.array(z.union([Ref, Parameter])).optional(),
  requestBody: z.strictObject({ description: z.string().optional(), required: z.boolean().optional(), content: Content }).optional(),
  responses: z.record(z.string().regex(/^([1-5](\d\d|XX)|default)$/), z.union([Ref, Response])).refine((r) => Object.keys(r).length > 0, 'no responses'),
  security: z.array(z.record(z.string(), z.array(z.string()))).optional(),
});
const PathItem = z.strictObject({
  get: Operation.optional(),
  put: Operation.optional(),
  post: Operation.optional(),
  delete: Operation.optional(),
  patch: Operation.optional(),
});
export const OpenApi31 = z.strictObject({
  openapi: z.string().regex(/^3\.1\.\d+$/),
  info: z.strictObject({ title: z.string().min(1), version: z.string().min(1), description: z.string().optional() }),
  paths: z.record(z.string().startsWith('/'), PathItem),
  components: z.strictObject({
    schemas: z.record(z.string().regex(/^[A-Za-z0-9._-]+$/), JsonSchema),
    parameters: z.record(z.string(), Parameter),
    headers: z.record(z.string(), Header),
  }),
  tags: z.array(z.strictObject({ name: z.string() })),
});

export const JSON_SCHEMA_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

export function walk(node: unknown, visit: (obj: Record<string, unknown>, path: string) => void, path = '#'): void {
  if (Array.isArray(node)) node.forEach((n, i) => walk(n, visit, `${path}/${i}`));
  else if (typeof node === 'object' && node !== null) {
    visit(node as Record<string, unknown>, path);
    for (const [k, v] of Object.entries(node)) walk(v, visit, `${path}/${k}`);
  }
}

export function resolvePointer(doc: unknown, ref: string): unknown {
  return ref
    .slice(2)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined), doc);
}

export type OpenApiDoc = z.infer<typeof OpenApi31>;

/**
 * Parses `body` as OpenAPI 3.1 and checks what the structure alone cannot: unique operationIds, every path
 * template parameter declared, every $ref resolving, only JSON Schema type names. Returns the messages.
 */
export function openApiProblems(body: unknown): { doc: OpenApiDoc | undefined; problems: string[] } {
  const parsed = OpenApi31.safeParse(body);
  if (!parsed.success) return { doc: undefined, problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) };
  const doc = parsed.data;
  const problems: string[] = [];
  const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
  for (const id of new Set(ids)) if (ids.filter((x) => x === id).length > 1) problems.push(`operationId ${id} is used twice`);
  for (const [path, item] of Object.entries(doc.paths)) {
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? '').sort();
    for (const [method, op] of Object.entries(item)) {
      const declared = (op.parameters ?? []).flatMap((p) => ('in' in p && p.in === 'path' ? [p.name] : [])).sort();
      if (JSON.stringify(declared) !== JSON.stringify(templated)) problems.push(`${method} ${path}: path parameters ${declared.join(',')} ≠ template ${templated.join(',')}`);
    }
  }
  walk(doc, (obj, at) => {
    if (typeof obj.$ref === 'string' && resolvePointer(doc, obj.$ref) === undefined) problems.push(`${at}: unresolved ${obj.$ref}`);
    if (at.includes('/schema') && 'type' in obj && typeof obj.type !== 'object') {
      for (const t of Array.isArray(obj.type) ? obj.type : [obj.type]) if (!JSON_SCHEMA_TYPES.has(String(t))) problems.push(`${at}: type ${String(t)}`);
    }
  });
  return { doc, problems };
}
