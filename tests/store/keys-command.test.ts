import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { hashApiKey } from '../../src/auth/api-keys.js';
import { keysCommand } from '../../src/cli/keys-command.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { createSqliteStore } from '../../src/store/sqlite-store.js';

let dir: string;
let db: string;
let out: string[];
let err: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keys-cli-'));
  db = join(dir, 'cases.db');
  out = [];
  err = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
});

afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

describe('keys command', () => {
  it('creates a key, prints it once alone on stdout and stores only its hash', async () => {
    await keysCommand(['create', '--owner', 'Alice Analyst', '--role', 'analyst', '--db', db]);
    const key = out.join('').trim();
    expect(key).toMatch(/^aicc_[A-Za-z0-9_-]{43}$/);
    expect(err.join('')).toMatch(/^created key_[0-9a-f]{16} for Alice Analyst \(analyst\) in .*; the key is shown only now\n$/);
    expect(err.join('')).not.toContain(key);
    const store = createSqliteStore({ path: db });
    try {
      const found = await store.findApiKeyByHash(hashApiKey(key));
      expect(found).toMatchObject({ owner: 'Alice Analyst', role: 'analyst', prefix: key.slice(0, 11) });
    } finally {
      await store.close();
    }
  });

  it('lists and revokes keys, reading the database from STORE_PATH', async () => {
    const env = { STORE_PATH: db };
    await keysCommand(['create', '--owner', 'ops', '--role', 'admin'], env);
    out.length = 0;
    await keysCommand(['list', '--json'], env);
    const [k] = JSON.parse(out.join('')) as { id: string; revokedAt: string | null }[];
    expect(k?.revokedAt).toBeNull();
    await keysCommand(['revoke', k?.id ?? ''], env);
    expect(err.at(-1)).toMatch(/^revoked key_[0-9a-f]{16} \(ops, admin\) at \d{4}-/);
    out.length = 0;
    await keysCommand(['list'], env);
    expect(out.join('').split('\n')[1]).toMatch(/^key_[0-9a-f]{16}\tops\tadmin\taicc_.{6}…\t\S+\t\d{4}-\S+$/);
  });

  it.each([
    [['create', '--role', 'analyst'], /--owner: the owner is empty/],
    [['create', '--owner', 'a\u0007b', '--role', 'analyst'], /control characters/],
    [['create', '--owner', 'bob', '--role', 'root'], /--role must be one of ingest, analyst, admin/],
    [['create', '--owner', 'bob', '--role', 'admin', 'extra'], /usage: keys create/],
    [['revoke'], /usage: keys revoke <id>/],
    [['revoke', 'key_nope'], /no key with id key_nope/],
    [['rotate'], /usage: keys create\|list\|revoke/],
    [['list', '--color'], /Unknown option '--color'/],
  ])('fails with a usage message when given %j', async (args, message) => {
    const e = await keysCommand([...args, '--db', db]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toMatch(message);
  });
});
