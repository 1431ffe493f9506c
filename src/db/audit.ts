/** The audit log: one row per auth event. Never a secret, a token or a whole credential. */
import { type Db } from './database.js';
import { now, timestampOf } from '../datetime.js';

export type AuditEvent =
  | 'auth.failure'
  | 'api_key.created'
  | 'api_key.revoked'
  | 'api_key.used'
  | 'role.changed'
  | 'pat.created'
  | 'pat.revoked'
  | 'pat.used'
  | 'account.created'
  | 'team.adopted'
  | 'login.success'
  | 'login.failure'
  | 'logout'
  | 'password.changed'
  | 'password.change_failed'
  | 'session.refreshed'
  | 'session.reuse_detected'
  | 'device.approved'
  | 'device.denied'
  | 'rate_limited';

export interface AuditEntry {
  event: AuditEvent;
  outcome: 'success' | 'failure';
  /** A credential's row (auth.failure, *.used): the strategy that judged it (`api-key`, `jwt`, …). A change's row: the AuthMethod its caller came in by (`API_KEY`, `JWT`, …), or the tool that made it. */
  strategy?: string | null;
  reason?: string | null;
  actorUserId?: number | null;
  teamId?: string | null;
  /** What was acted on, e.g. `api_key:12` or `user:3 VIEWER→TEAM_MEMBER`. */
  target?: string | null;
  address?: string | null;
}

export async function audit(db: Db, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      created_at: now(),
      event: entry.event,
      outcome: entry.outcome,
      strategy: entry.strategy ?? null,
      reason: entry.reason ?? null,
      actor_user_id: entry.actorUserId ?? null,
      team_id: entry.teamId ?? null,
      target: entry.target ?? null,
      address: entry.address ?? null,
    })
    .execute();
}

export async function auditSince(db: Db, since: Date, limit = 1000) {
  return db
    .selectFrom('audit_log')
    .selectAll()
    .where('created_at', '>=', timestampOf(since))
    .orderBy('id')
    .limit(limit)
    .execute();
}

