/** Local accounts' rows: email and password hash, tied to a users row (the passwords themselves: src/auth/local/accounts.ts). */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Role } from '../vocabulary/scopes.js';
import { LOCAL_TEAM } from '../vocabulary/viewer.js';
import { badInput } from '../errors.js';
import { adoptLocalKeys, holdsData, localTeamContents } from './adoption.js';
import { type Db } from './database.js';
import { now, type Timestamp } from '../datetime.js';
import { toUser, type User } from './model.js';
import { validName } from './validate.js';

/** The settings key whose insertion marks that the first account (the bootstrap admin) exists. */
const BOOTSTRAP_KEY = 'bootstrap_admin';

export interface CreatedAccount {
  user: User;
  /** `local` when this account adopted team local (the zero-auth data); null otherwise. */
  adoptedTeam: string | null;
}

/**
 * Stores a new account (`email` normalised, the password already hashed: src/auth/local/accounts.ts).
 * The first account becomes TEAM_ADMIN (claimed atomically through a unique settings row, so two
 * racing sign-ups cannot both win): of team `local` when that team holds what was made in
 * zero-auth mode (it adopts it, with its API keys: src/db/adoption.ts), of a new team otherwise.
 * Later ones are VIEWER of no team until an admin changes them.
 */
export async function insertAccount(db: Db, input: { email: string; passwordHash: string; name?: string | null }): Promise<CreatedAccount> {
  const { email, passwordHash } = input;
  const name = input.name == null || input.name.trim() === '' ? null : validName(input.name);
  const taken = () => badInput('An account with this email already exists; log in instead.', 'email');
  try {
    return await insertFirstOrLater(db, email, name, passwordHash, taken);
  } catch (error) {
    // A sign-up racing this one for the same address (in any Unicode form) won the unique
    // (email_key, email_duplicate) index: the same answer as when it had finished first.
    if (isUniqueViolation(error)) throw taken();
    throw error;
  }
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

async function insertFirstOrLater(db: Db, email: string, name: string | null, passwordHash: string, taken: () => Error): Promise<CreatedAccount> {
  return db.transaction().execute(async (trx) => {
    if (await trx.selectFrom('accounts').select('user_id').where('email_key', '=', email).executeTakeFirst()) throw taken();
    const at = now();
    const claimed = await trx
      .insertInto('settings')
      .values({ key: BOOTSTRAP_KEY, value: email, updated_at: at })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    const first = Number(claimed.numInsertedOrUpdatedRows ?? 0) > 0;
    const adopts = first && holdsData(await localTeamContents(trx));
    const role = first ? 'TEAM_ADMIN' : 'VIEWER';
    const teamId = adopts ? LOCAL_TEAM : first ? `team_${randomBytes(6).toString('hex')}` : null;
    const user = await insertUserWithAccount(trx, { email, name, passwordHash, role, teamId }, at);
    if (adopts) await adoptLocalKeys(trx, user.id);
    return { user: toUser(user), adoptedTeam: adopts ? LOCAL_TEAM : null };
  });
}

/** The users row of a local account (subject local:<uuid>) and its accounts row; call inside a transaction. */
async function insertUserWithAccount(
  trx: Db,
  account: { email: string; name: string | null; passwordHash: string; role: Role; teamId: string | null },
  at: Timestamp,
) {
  const { email, passwordHash } = account;
  const user = await trx
    .insertInto('users')
    .values({ subject: `local:${randomUUID()}`, email, name: account.name, role: account.role, team_id: account.teamId, created_at: at, updated_at: at })
    .returningAll()
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('accounts')
    .values({ user_id: user.id, email, email_key: email, password_hash: passwordHash, created_at: at, password_changed_at: at })
    .execute();
  return user;
}

/**
 * Stores an account made by the operator (`skillmeat-admin create-user`) with the role and team
 * given (the password already hashed). It also claims the bootstrap row when no account has yet,
 * so a later sign-up does not become an admin of a team of its own: the operator has chosen who
 * the admins are.
 */
export async function insertAccountAs(
  db: Db,
  input: { email: string; passwordHash: string; role: Role; teamId: string | null; name?: string | null },
): Promise<User> {
  const { email, passwordHash } = input;
  const name = input.name == null || input.name.trim() === '' ? null : validName(input.name);
  return db.transaction().execute(async (trx) => {
    const taken = await trx.selectFrom('accounts').select('user_id').where('email_key', '=', email).executeTakeFirst();
    if (taken) throw badInput('An account with this email already exists.', 'email');
    const at = now();
    await trx
      .insertInto('settings')
      .values({ key: BOOTSTRAP_KEY, value: email, updated_at: at })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    return toUser(await insertUserWithAccount(trx, { email, name, passwordHash, role: input.role, teamId: input.teamId }, at));
  });
}

/**
 * The account stored under `emailKey` (a normalised address) and its password hash, or null:
 * one row, or a few look-alikes migration 0006 found, of which the one stored exactly as typed
 * (under the old rule, trimmed and lower-cased) wins, else the one that holds the address.
 */
export async function accountForLogin(db: Db, emailKey: string, typed: string): Promise<{ user: User; passwordHash: string } | null> {
  const rows = await db
    .selectFrom('accounts')
    .innerJoin('users', 'users.id', 'accounts.user_id')
    .selectAll('users')
    .select(['accounts.password_hash', 'accounts.email as stored_email', 'accounts.email_duplicate'])
    .where('accounts.email_key', '=', emailKey)
    .orderBy('accounts.email_duplicate')
    .execute();
  const asTyped = typed.trim().toLowerCase();
  const found = rows.find((candidate) => candidate.stored_email === asTyped) ?? rows[0];
  if (!found) return null;
  const { password_hash, stored_email: _stored, email_duplicate: _duplicate, ...user } = found;
  return { user: toUser(user), passwordHash: password_hash };
}

export interface LocalAccount {
  userId: number;
  /** As stored: already normalised. */
  email: string;
  passwordHash: string;
}

/** The local account (email and password) of `userId`; BAD_USER_INPUT when it has none. */
export async function localAccount(db: Db, userId: number): Promise<LocalAccount> {
  const row = await db.selectFrom('accounts').selectAll().where('user_id', '=', userId).executeTakeFirst();
  if (!row) throw badInput('This identity has no local password.', 'currentPassword');
  return { userId: row.user_id, email: row.email, passwordHash: row.password_hash };
}

/** Stores a new password hash (hashed by src/auth/local/accounts.ts). */
export async function setPasswordHash(db: Db, userId: number, passwordHash: string): Promise<void> {
  await db.updateTable('accounts').set({ password_hash: passwordHash, password_changed_at: now() }).where('user_id', '=', userId).execute();
}

export interface LookAlikeGroup {
  /** The address with its local part masked (`j***@example.com`): the log never holds one in full. */
  masked: string;
  /** The users' ids, the holder of the address first. */
  userIds: number[];
}

/** Accounts that are one address in different Unicode forms, made before migration 0006. */
export async function lookAlikeAccounts(db: Db): Promise<LookAlikeGroup[]> {
  const rows = await db
    .selectFrom('accounts')
    .select(['user_id', 'email_key'])
    .where('email_key', 'in', db.selectFrom('accounts').select('email_key').where('email_duplicate', '>', 0))
    .orderBy('email_key')
    .orderBy('email_duplicate')
    .execute();
  const groups = new Map<string, number[]>();
  for (const row of rows) groups.set(row.email_key, [...(groups.get(row.email_key) ?? []), row.user_id]);
  return [...groups].map(([key, userIds]) => ({ masked: maskEmail(key), userIds }));
}

/** `josé@example.com` → `j***@example.com`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  const first = [...email.slice(0, Math.max(at, 0))][0] ?? '';
  return `${first}***${at >= 0 ? email.slice(at) : ''}`;
}

export async function userById(db: Db, id: number): Promise<User | null> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toUser(row) : null;
}
