/**
 * The audit row of a change a caller made through a mutation: who made it (the user, the
 * strategy it came in by, its team), what it acted on, and from where. One form for every such
 * row, so none leaves out the strategy or the team.
 */
import type { Context } from '../context/context.js';
import { audit, type AuditEvent } from '../db/audit.js';
import type { Viewer } from '../vocabulary/viewer.js';

/** `teamId` is the team the change belongs to: the caller's unless given (a role change names the changed user's). */
export function auditAction(ctx: Context, viewer: Viewer, event: AuditEvent, target: string, teamId: string | null = viewer.teamId): Promise<void> {
  return audit(ctx.db, { event, outcome: 'success', strategy: viewer.authMethod, actorUserId: viewer.userId, teamId, target, address: ctx.address });
}
