/**
 * API keys: 256 random bits, shown once at creation and stored only as a SHA-256 hash. A fast hash is the right
 * tool here (unlike passwords): the key is random, not chosen by a person, so there is nothing to guess with a
 * dictionary, and a per-request lookup by hash stays cheap.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ApiKeyRecord, CaseStore, Role } from '../store/store.js';

/** Recognisable in logs of secret scanners and in a paste; never part of the secret's entropy. */
export const API_KEY_PREFIX = 'aicc_';
/** How much of the key is kept in clear to tell keys apart in lists (prefix + 6 random characters). */
const SHOWN = API_KEY_PREFIX.length + 6;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateApiKey(): { key: string; hash: string; prefix: string } {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashApiKey(key), prefix: key.slice(0, SHOWN) };
}

/** Creates and stores a key; the returned `key` is the only time the secret exists outside the caller. */
export async function issueApiKey(store: Pick<CaseStore, 'createApiKey'>, owner: string, role: Role): Promise<{ key: string; record: ApiKeyRecord }> {
  const { key, hash, prefix } = generateApiKey();
  const record = await store.createApiKey({ owner, role, hash, prefix });
  return { key, record };
}
