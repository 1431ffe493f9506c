/**
 * Tenancy as SQL: what a Viewer may read and write. Every data function that returns or
 * changes team resources goes through these, so no resolver can forget them.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Scope } from '../vocabulary/scopes.js';
import { hasScope, seesEveryTeam, type Viewer } from '../vocabulary/viewer.js';

/**
 * The predicate on `table` (a name or alias with `visibility` and `team_id` columns) that keeps
 * the rows `viewer` may read, or null when it may read them all. Without `readScope` nothing is
 * readable (so node(id) and nested lists cannot sidestep a missing scope); PUBLIC rows are
 * readable by everyone else; TEAM rows by their team's members (not VIEWERs) and admins of all.
 */
export function visibleRows(viewer: Viewer, table: string, readScope: Scope): RawBuilder<SqlBool> | null {
  return visibleRowsOf(readAccess(viewer, readScope), table, viewer.teamId);
}

/** Which rows a viewer may read, as the kind of predicate that says so (see visibleRows). */
export type ReadAccess = 'none' | 'all' | 'public' | 'public-or-team';

export function readAccess(viewer: Viewer, readScope: Scope): ReadAccess {
  if (!hasScope(viewer, readScope)) return 'none';
  if (seesEveryTeam(viewer)) return 'all';
  if (viewer.role === 'VIEWER' || viewer.teamId === null) return 'public';
  return 'public-or-team';
}

/** The predicate of `access` on `table`; `teamId` (the viewer's) is used by 'public-or-team' only. */
export function visibleRowsOf(access: ReadAccess, table: string, teamId: string | null): RawBuilder<SqlBool> | null {
  const visibility = sql.ref(`${table}.visibility`);
  switch (access) {
    case 'none':
      return sql<SqlBool>`1 = 0`;
    case 'all':
      return null;
    case 'public':
      return sql<SqlBool>`${visibility} = 'PUBLIC'`;
    case 'public-or-team':
      return sql<SqlBool>`(${visibility} = 'PUBLIC' or ${sql.ref(`${table}.team_id`)} = ${teamId})`;
  }
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
