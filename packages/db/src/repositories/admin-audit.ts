/**
 * The admin audit log (migration 0003): one row per state-changing admin action, with who
 * (bearer or session id, never a token), what, on which target and why. Insert and list only.
 */
import type { Sql, TransactionSql } from '../client.js';

type Db = Sql | TransactionSql;

export interface AdminAuditInput {
  /** 'bearer' or 'session:<session id>'. */
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  /** 1–500 characters, as the person gave it. */
  readonly reason: string;
  readonly detail?: Record<string, unknown>;
}

export interface AdminAuditEntry {
  readonly id: string;
  readonly at: Date;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly reason: string;
  readonly detail: Record<string, unknown>;
}

export async function insertAdminAudit(db: Db, entry: AdminAuditInput): Promise<AdminAuditEntry> {
  const detail = JSON.parse(JSON.stringify(entry.detail ?? {})) as Record<string, never>;
  const [row] = await db<AdminAuditEntry[]>`
    INSERT INTO admin_audit (actor, action, target, reason, detail)
    VALUES (${entry.actor}, ${entry.action}, ${entry.target}, ${entry.reason}, ${db.json(detail)})
    RETURNING id::text AS id, at, actor, action, target, reason, detail`;
  if (!row) {
    throw new Error('admin_audit insert returned no row');
  }
  return row;
}

/** The newest entries first. */
export async function listAdminAudit(db: Db, options: { limit: number }): Promise<AdminAuditEntry[]> {
  return db<AdminAuditEntry[]>`
    SELECT id::text AS id, at, actor, action, target, reason, detail
    FROM admin_audit
    ORDER BY at DESC, id DESC
    LIMIT ${options.limit}`;
}
