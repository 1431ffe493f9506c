/**
 * Handing team `local` (what was made in zero-auth mode) to a real team, for the move from
 * zero-auth to authenticated (docs/auth.md, "Migration: Zero-Auth to Authenticated").
 *
 * Team-scoped rows are artifacts, collections, API keys and users (their team, the team an admin
 * gave, the team a role override was granted in). The audit log keeps its history. The zero-auth
 * user itself stays LOCAL_ADMIN of `local`: it is who zero-auth mode is, should it be turned on again.
 *
 * API keys minted in zero-auth act as LOCAL_ADMIN (every team), which no identity is once auth is
 * on, so the API key strategy refuses them until they are handed over; handing over makes them
 * keys of the new team with at most TEAM_ADMIN's scopes, owned by the adopting account (sign-up)
 * or by nobody (the admin command).
 */
import { LOCAL_SUBJECT, LOCAL_TEAM } from '../vocabulary/viewer.js';
import { type Db } from './database.js';
import { now } from '../datetime.js';

export interface LocalTeamContents {
  artifacts: number;
  collections: number;
  apiKeys: number;
  /** Users of team local other than the zero-auth user. */
  users: number;
}

export interface Handover extends LocalTeamContents {
  /** The team that now holds what team local held. */
  team: string;
}

const count = (row: { count: number | string | bigint } | undefined) => Number(row?.count ?? 0);

export async function localTeamContents(db: Db): Promise<LocalTeamContents> {
  const [artifacts, collections, apiKeys, users] = await Promise.all([
    db.selectFrom('artifacts').select((eb) => eb.fn.countAll<number | string>().as('count')).where('team_id', '=', LOCAL_TEAM).executeTakeFirst(),
    db.selectFrom('collections').select((eb) => eb.fn.countAll<number | string>().as('count')).where('team_id', '=', LOCAL_TEAM).executeTakeFirst(),
    db.selectFrom('api_keys').select((eb) => eb.fn.countAll<number | string>().as('count')).where('team_id', '=', LOCAL_TEAM).executeTakeFirst(),
    db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('subject', '<>', LOCAL_SUBJECT)
      .where((eb) => eb.or([eb('team_id', '=', LOCAL_TEAM), eb('team_override', '=', LOCAL_TEAM), eb('role_override_team', '=', LOCAL_TEAM)]))
      .executeTakeFirst(),
  ]);
  return { artifacts: count(artifacts), collections: count(collections), apiKeys: count(apiKeys), users: count(users) };
}

/** Whether anything was made in team local (the zero-auth user alone does not count). */
export function holdsData(contents: LocalTeamContents): boolean {
  return contents.artifacts + contents.collections + contents.apiKeys + contents.users > 0;
}

/**
 * Zero-auth API keys (creator LOCAL_ADMIN) of `team` become keys of that team's admin: owned by
 * `owner` (null: by nobody) with creator role TEAM_ADMIN. Their scopes are narrowed on use to
 * what TEAM_ADMIN holds.
 */
async function retireLocalAdminKeys(db: Db, team: string, owner: number | null): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ user_id: owner, creator_role: 'TEAM_ADMIN' })
    .where('team_id', '=', team)
    .where('creator_role', '=', 'LOCAL_ADMIN')
    .execute();
}

/** Sign-up adoption (provider local): the keys of team local go to the adopting account. Run inside its transaction. */
export async function adoptLocalKeys(trx: Db, adopterUserId: number): Promise<void> {
  await retireLocalAdminKeys(trx, LOCAL_TEAM, adopterUserId);
}

/**
 * Moves everything of team local to `team` in one transaction. Idempotent: a second run finds
 * nothing and moves nothing (all counts 0).
 */
export async function handOverLocalTeam(db: Db, team: string): Promise<Handover> {
  return db.transaction().execute(async (trx) => {
    const moved = await localTeamContents(trx);
    const at = now();
    // Ownership changes hands; the records themselves do not change, so updated_at stays.
    await trx.updateTable('artifacts').set({ team_id: team }).where('team_id', '=', LOCAL_TEAM).execute();
    await trx.updateTable('collections').set({ team_id: team }).where('team_id', '=', LOCAL_TEAM).execute();
    await trx.updateTable('api_keys').set({ team_id: team }).where('team_id', '=', LOCAL_TEAM).execute();
    await retireLocalAdminKeys(trx, team, null);
    for (const column of ['team_id', 'team_override', 'role_override_team'] as const) {
      await trx
        .updateTable('users')
        .set({ [column]: team, updated_at: at })
        .where(column, '=', LOCAL_TEAM)
        .where('subject', '<>', LOCAL_SUBJECT)
        .execute();
    }
    return { team, ...moved };
  });
}
