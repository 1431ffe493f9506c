/** User queries. Listing is scoped to the viewer's team unless it sees every team. */
import { seesEveryTeam, type Viewer } from '../auth/viewer.js';
import type { Role } from '../auth/scopes.js';
import { now, type Db } from './database.js';
import { toUser, type User } from './model.js';
import { toPage, type Page, type PageWindow } from './pagination.js';

function teamFilter(viewer: Viewer): string | null | undefined {
  // undefined: no filter; null: the viewer has no team, so it lists only itself.
  return seesEveryTeam(viewer) ? undefined : viewer.teamId;
}

export async function listUsers(db: Db, viewer: Viewer, window: PageWindow): Promise<Page<User>> {
  const team = teamFilter(viewer);
  const rows = await db
    .selectFrom('users')
    .selectAll()
    .$if(team !== undefined, (qb) => (team === null ? qb.where('id', '=', viewer.userId ?? -1) : qb.where('team_id', '=', team!)))
    .$if(window.afterId !== null, (qb) => qb.where('id', '>', window.afterId!))
    .orderBy('id')
    .limit(window.limit + 1)
    .execute();
  return toPage(rows.map(toUser), window);
}

export async function countUsers(db: Db, viewer: Viewer): Promise<number> {
  const team = teamFilter(viewer);
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .$if(team !== undefined, (qb) => (team === null ? qb.where('id', '=', viewer.userId ?? -1) : qb.where('team_id', '=', team!)))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Users by id, in the order asked. Owners are shown on readable artifacts of any team. */
export async function usersByIds(db: Db, ids: readonly number[]): Promise<(User | null)[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('users').selectAll().where('id', 'in', [...new Set(ids)]).execute();
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
