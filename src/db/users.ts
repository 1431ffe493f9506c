/** User queries. Listing is scoped to the viewer's team unless it sees every team. */
import { sql } from 'kysely';
import { seesEveryTeam, type Viewer } from '../vocabulary/viewer.js';
import { ROLE_RANK, type Role } from '../vocabulary/scopes.js';
import { badInput, forbidden, notFound } from '../errors.js';
import { type Db } from './database.js';
import { now } from '../datetime.js';
import { toUser, type User } from './model.js';
import { countOf, pageOf, type Page, type PageWindow } from './pagination.js';
import { numberedValues, QueryTemplate } from './query-template.js';

function teamFilter(viewer: Viewer): string | null | undefined {
  // undefined: no filter; null: the viewer has no team, so it lists only itself.
  return seesEveryTeam(viewer) ? undefined : viewer.teamId;
}

/** The users `viewer` may list (teamFilter), for a page or a count. */
function listedUsers(db: Db, viewer: Viewer) {
  const team = teamFilter(viewer);
  return db
    .selectFrom('users')
    .$if(team !== undefined, (qb) => (team === null ? qb.where('id', '=', viewer.userId ?? -1) : qb.where(sql<string>`coalesce(team_id, team_override)`, '=', team!)));
}

export function listUsers(db: Db, viewer: Viewer, window: PageWindow): Promise<Page<User>> {
  return pageOf(listedUsers(db, viewer).selectAll(), 'users.id', window, toUser);
}

export function countUsers(db: Db, viewer: Viewer): Promise<number> {
  return countOf(listedUsers(db, viewer));
}

/** Users by id, for n distinct ids (n slots u0…). */
const usersWithIds = new QueryTemplate(String, (db, n: number, slot) =>
  db
    .selectFrom('users')
    .selectAll()
    .where(
      'id',
      'in',
      Array.from({ length: n }, (_, i) => slot<number>(`u${i}`)),
    ),
);

/** Users by id, in the order asked. Owners are shown on readable artifacts of any team. */
export async function usersByIds(db: Db, ids: readonly number[]): Promise<(User | null)[]> {
  if (ids.length === 0) return [];
  const distinct = [...new Set(ids)];
  const rows = await usersWithIds.execute(db, distinct.length, numberedValues('u', distinct));
  const byId = new Map(rows.map((r) => [r.id, toUser(r)]));
  return ids.map((id) => byId.get(id) ?? null);
}

/** The user that node(id) may return: anyone in the viewer's team, itself, or anyone for admins of all. */
export async function visibleUsersByIds(db: Db, viewer: Viewer, ids: readonly number[]): Promise<(User | null)[]> {
  const users = await usersByIds(db, ids);
  return users.map((u) =>
    u && (seesEveryTeam(viewer) || u.id === viewer.userId || (viewer.teamId !== null && u.teamId === viewer.teamId)) ? u : null,
  );
}

export interface UserIdentity {
  subject: string;
  email?: string | null;
  name?: string | null;
  role: Role;
  teamId: string | null;
}

/** Creates the user on first sight and keeps its profile in sync afterwards. */
export async function upsertUser(db: Db, identity: UserIdentity): Promise<User> {
  const at = now();
  const row = await db
    .insertInto('users')
    .values({
      subject: identity.subject,
      email: identity.email ?? null,
      name: identity.name ?? null,
      role: identity.role,
      team_id: identity.teamId,
      created_at: at,
      updated_at: at,
    })
    .onConflict((oc) =>
      oc.column('subject').doUpdateSet({
        email: identity.email ?? null,
        name: identity.name ?? null,
        role: identity.role,
        team_id: identity.teamId,
        updated_at: at,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  return toUser(row);
}

export async function findUserBySubject(db: Db, subject: string): Promise<User | null> {
  const row = await db.selectFrom('users').selectAll().where('subject', '=', subject).executeTakeFirst();
  return row ? toUser(row) : null;
}

/**
 * The user behind a token's claims: created on first sight, its profile (email, name, team,
 * claim role) kept in sync, written only when something changed. A role override set with
 * setUserRole is never touched here, and wins.
 */
export async function syncUserFromClaims(db: Db, identity: UserIdentity): Promise<User> {
  const row = await db.selectFrom('users').selectAll().where('subject', '=', identity.subject).executeTakeFirst();
  if (!row) return upsertUser(db, identity);
  const email = identity.email ?? null;
  const name = identity.name ?? null;
  if (row.email === email && row.name === name && row.team_id === identity.teamId && row.role === identity.role) {
    return toUser(row);
  }
  const updated = await db
    .updateTable('users')
    .set({ email, name, team_id: identity.teamId, role: identity.role, updated_at: now() })
    .where('id', '=', row.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toUser(updated);
}

/**
 * setUserRole: admin:users holders change roles within their team (admins of every team: any
 * user), never to a role above their own, never on a user who outranks them; LOCAL_ADMIN is
 * zero-auth's alone and cannot be granted. A user of no team (a new local sign-up) is within
 * every team admin's reach, and joins that admin's team.
 */
export async function setUserRole(db: Db, viewer: Viewer, userId: number, globalId: string, role: Role): Promise<{ user: User; from: Role }> {
  if (role === 'LOCAL_ADMIN') throw badInput('LOCAL_ADMIN belongs to zero-auth mode and cannot be granted.', 'role');
  const row = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  const target = row ? toUser(row) : null;
  const adopts = target !== null && target.teamId === null && viewer.teamId !== null && !seesEveryTeam(viewer);
  const inReach = target !== null && (seesEveryTeam(viewer) || adopts || (viewer.teamId !== null && target.teamId === viewer.teamId));
  if (!target || !inReach) throw notFound('user', globalId);
  if (ROLE_RANK[role] > ROLE_RANK[viewer.role]) throw forbidden(`You cannot grant ${role}: it is above your own role.`);
  if (ROLE_RANK[target.role] > ROLE_RANK[viewer.role]) throw forbidden('You cannot change the role of a user who outranks you.');
  const updated = await db
    .updateTable('users')
    .set({
      role_override: role,
      role_override_team: adopts ? viewer.teamId : target.teamId,
      ...(adopts ? { team_override: viewer.teamId } : {}),
      updated_at: now(),
    })
    .where('id', '=', userId)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { user: toUser(updated), from: target.role };
}
