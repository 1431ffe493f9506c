/**
 * Tenancy as SQL: what a Viewer may read and write. Every data function that returns or
 * changes team resources goes through these, so no resolver can forget them.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Scope } from '../auth/scopes.js';
import { hasScope, seesEveryTeam, type Viewer } from '../auth/viewer.js';

/**
 * The predicate on `table` (a name or alias with `visibility` and `team_id` columns) that keeps
 * the rows `viewer` may read, or null when it may read them all. Without `readScope` nothing is
 * readable (so node(id) and nested lists cannot sidestep a missing scope); PUBLIC rows are
 * readable by everyone else; TEAM rows by their team's members (not VIEWERs) and admins of all.
 */
export function visibleRows(viewer: Viewer, table: string, readScope: Scope): RawBuilder<SqlBool> | null {
  if (!hasScope(viewer, readScope)) return sql<SqlBool>`1 = 0`;
  if (seesEveryTeam(viewer)) return null;
  const visibility = sql.ref(`${table}.visibility`);
  if (viewer.role === 'VIEWER' || viewer.teamId === null) return sql<SqlBool>`${visibility} = 'PUBLIC'`;
  return sql<SqlBool>`(${visibility} = 'PUBLIC' or ${sql.ref(`${table}.team_id`)} = ${viewer.teamId})`;
}

/** Whether `viewer` may change a row it can already read: only its own team's, unless admin of all. */
export function canWriteRow(viewer: Viewer, row: { team_id: string | null }): boolean {
  if (seesEveryTeam(viewer)) return true;
  return viewer.role !== 'VIEWER' && viewer.teamId !== null && row.team_id === viewer.teamId;
}

export function canReadRow(viewer: Viewer, row: { team_id: string | null; visibility: string }): boolean {
  if (seesEveryTeam(viewer)) return true;
  if (row.visibility === 'PUBLIC') return true;
  return viewer.role !== 'VIEWER' && viewer.teamId !== null && row.team_id === viewer.teamId;
}
