/**
 * `ai-crime-classifier keys create --owner <name> --role ingest|analyst|admin` prints a new API key once (stdout,
 * alone on its line, so `KEY=$(… keys create …)` works); `keys list` shows ids, owners, roles and the key
 * prefixes; `keys revoke <id>` revokes at once, also for a running server on the same database.
 * The database is `--db <path>`, else STORE_PATH, else the server's default (data/cases.db).
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { issueApiKey } from '../auth/api-keys.js';
import { RoleSchema } from '../auth/roles.js';
import { createSqliteStore, DEFAULT_DATABASE_PATH } from '../store/sqlite-store.js';
import type { ApiKeyRecord } from '../store/store.js';
import { UsageError } from './usage-error.js';

export const KEYS_HELP = `  keys create --owner <name> --role <ingest|analyst|admin>
                           create an API key and print it once (it is stored hashed)
  keys list [--json]       list keys: id, owner, role, key prefix, created, revoked
  keys revoke <id>         revoke a key (takes effect at once)
      --db <path>          database file (default: STORE_PATH or ${DEFAULT_DATABASE_PATH})
`;

/** The reviewer name recorded on decisions: printable, one line, no surrounding spaces. */
export const OwnerSchema = z
  .string()
  .trim()
  .min(1, 'the owner is empty')
  .max(100, 'the owner is longer than 100 characters')
  .regex(/^[^\p{Cc}]+$/u, 'the owner must not contain control characters');

function row(k: ApiKeyRecord): string {
  return [k.id, k.owner, k.role, `${k.prefix}…`, k.createdAt, k.revokedAt ?? 'active'].join('\t');
}

export async function keysCommand(args: string[], env: Readonly<Record<string, string | undefined>> = process.env): Promise<void> {
  const [action, ...rest] = args;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: { owner: { type: 'string' }, role: { type: 'string' }, db: { type: 'string' }, json: { type: 'boolean', default: false } },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const path = values.db ?? (env.STORE_PATH?.trim() || DEFAULT_DATABASE_PATH);

  if (action === 'create') {
    if (positionals.length > 0) throw new UsageError('usage: keys create --owner <name> --role <ingest|analyst|admin>');
    const owner = OwnerSchema.safeParse(values.owner ?? '');
    if (!owner.success) throw new UsageError(`--owner: ${owner.error.issues[0]?.message ?? 'invalid'}`);
    const role = RoleSchema.safeParse(values.role);
    if (!role.success) throw new UsageError('--role must be one of ingest, analyst, admin');
    const store = createSqliteStore({ path });
    try {
      const { key, record } = await issueApiKey(store, owner.data, role.data);
      process.stdout.write(`${key}\n`);
      process.stderr.write(`created ${record.id} for ${record.owner} (${record.role}) in ${path}; the key is shown only now\n`);
    } finally {
      await store.close();
    }
    return;
  }

  if (action === 'list') {
    if (positionals.length > 0) throw new UsageError('usage: keys list [--json]');
    const store = createSqliteStore({ path });
    try {
      const keys = await store.listApiKeys();
      if (values.json) process.stdout.write(`${JSON.stringify(keys)}\n`);
      else process.stdout.write(['id\towner\trole\tprefix\tcreated\trevoked', ...keys.map(row)].join('\n') + '\n');
    } finally {
      await store.close();
    }
    return;
  }

  if (action === 'revoke') {
    const [id, ...extra] = positionals;
    if (id === undefined || extra.length > 0) throw new UsageError('usage: keys revoke <id>');
    const store = createSqliteStore({ path });
    try {
      const record = await store.revokeApiKey(id);
      if (!record) throw new UsageError(`no key with id ${id} in ${path}`, 1);
      process.stderr.write(`revoked ${record.id} (${record.owner}, ${record.role}) at ${record.revokedAt ?? '?'}\n`);
    } finally {
      await store.close();
    }
    return;
  }

  throw new UsageError('usage: keys create|list|revoke (try: help)');
}
