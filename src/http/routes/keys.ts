/**
 * API key administration (admin) and `GET /v1/keys/current` (any role: who am I, used by the review page to
 * check a pasted key). A new key is returned once, in the creation response; only its hash is stored.
 */
import { issueApiKey } from '../../auth/api-keys.js';
import type { Auth } from '../../auth/middleware.js';
import { AppError } from '../../errors.js';
import type { CaseStore } from '../../store/store.js';
import { jsonBody } from '../json-body.js';
import { createRouteTable, type Mount } from '../route-table.js';
import { parseRequest } from '../validate.js';
import { ApiKeySchema, KeyIdParamsSchema, NewKeyResponseSchema, NewKeySchema, PrincipalSchema } from './case-schemas.js';
import { z } from 'zod';

export function createKeyRoutes(deps: { store: CaseStore; auth: Auth; bodyLimit: number }): Mount {
  const { store, auth } = deps;
  const table = createRouteTable();
  const authErrors = ['UNAUTHORIZED', 'FORBIDDEN'] as const;

  table.add(
    {
      method: 'get',
      path: '/v1/keys/current',
      operationId: 'getCurrentKey',
      tags: ['keys'],
      summary: 'The caller: key owner and role (any role)',
      responses: { 200: { description: 'The authenticated principal', schema: PrincipalSchema } },
      errors: ['UNAUTHORIZED'],
    },
    auth.require(),
    (req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      res.json(req.principal);
    },
  );

  table.add(
    {
      method: 'get',
      path: '/v1/keys',
      operationId: 'listKeys',
      tags: ['keys'],
      summary: 'All API keys, revoked ones included (admin); never the keys themselves',
      responses: { 200: { description: 'Keys', schema: z.object({ items: z.array(ApiKeySchema) }) } },
      errors: authErrors,
    },
    auth.require('admin'),
    async (_req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      res.json({ items: await store.listApiKeys() });
    },
  );

  table.add(
    {
      method: 'post',
      path: '/v1/keys',
      operationId: 'createKey',
      tags: ['keys'],
      summary: 'Create an API key (admin); the key is in this response only',
      requestBody: { schema: NewKeySchema, example: { owner: 'Dana Reviewer', role: 'analyst' } },
      responses: { 201: { description: 'The key record and the key', schema: NewKeyResponseSchema } },
      errors: [...authErrors, 'INVALID_REQUEST', 'MALFORMED_JSON', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE'],
    },
    auth.require('admin'),
    jsonBody({ limit: deps.bodyLimit }),
    async (req, res) => {
      const body = parseRequest(NewKeySchema, req.body);
      const { key, record } = await issueApiKey(store, body.owner, body.role);
      req.log.info({ keyId: record.id, role: record.role, by: req.principal?.keyId ?? 'open-mode' }, 'api key created');
      res.setHeader('Cache-Control', 'no-store');
      res.status(201).json({ ...record, key });
    },
  );

  table.add(
    {
      method: 'delete',
      path: '/v1/keys/{id}',
      operationId: 'revokeKey',
      tags: ['keys'],
      summary: 'Revoke an API key (admin); it stops working at once and stays listed as revoked',
      pathParams: KeyIdParamsSchema,
      responses: { 200: { description: 'The revoked key', schema: ApiKeySchema } },
      errors: [...authErrors, 'NOT_FOUND'],
    },
    auth.require('admin'),
    async (req, res) => {
      const { id } = parseRequest(KeyIdParamsSchema, req.params);
      const record = await store.revokeApiKey(id);
      if (!record) throw new AppError('NOT_FOUND', `No API key with id ${id}.`);
      req.log.info({ keyId: record.id, by: req.principal?.keyId ?? 'open-mode' }, 'api key revoked');
      res.json(record);
    },
  );

  return table.mount();
}
