/**
 * Every schema migration, in order. Migrations are TypeScript modules (not .sql files) so `tsc` ships them in
 * dist/ with nothing else to copy. Never edit a released migration: add the next one.
 */
import { migration001 } from './001-initial.js';
import { migration002 } from './002-case-heads.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';

export const MIGRATIONS: readonly Migration[] = [migration001, migration002];
