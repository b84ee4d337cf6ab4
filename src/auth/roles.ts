/**
 * Who may do what. One role per key; `admin` may do everything (an administrator who can mint keys could mint
 * themselves any other role anyway).
 *   ingest  — classify narratives, create cases, run batches (intake systems)
 *   analyst — read cases, record decisions, export labels, read statistics (reviewers)
 *   admin   — manage API keys, re-classify stored cases, and everything above
 */
import { z } from 'zod';
import { ROLES, type Role } from '../store/store.js';

export const RoleSchema = z.enum(ROLES);

/** The caller of a request, set by the authentication middleware. */
export interface Principal {
  /** The key's owner: the reviewer recorded on decisions. */
  owner: string;
  role: Role;
  /** Null in open mode (no keys configured, loopback only). */
  keyId: string | null;
  open: boolean;
}

export function hasRole(principal: Principal, allowed: readonly Role[]): boolean {
  return principal.role === 'admin' || allowed.includes(principal.role);
}
