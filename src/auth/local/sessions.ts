/**
 * Sessions of the local provider: a short-lived ES256 access JWT and an opaque refresh token.
 * Refresh tokens are stored hashed, grouped in families (one per sign-in), rotate on every use,
 * and the reuse of a rotated token revokes its whole family.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { type Db } from '../../db/database.js';
import { now, timestampOf } from '../../datetime.js';
import type { User } from '../../db/model.js';
import { sha256Hex } from '../../secrets.js';
import { ACCESS_TOKEN_TTL_SECONDS, SIGNING_ALG, type LocalSigningKeys } from './signing-keys.js';

export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
export const LOCAL_AUDIENCE = 'skillmeat';
const REFRESH_KIND = 'smr';

export interface Session {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  user: User;
}

/** A refresh token that cannot be used; `reason` is safe to show. */
export class InvalidGrant extends Error {
  override name = 'InvalidGrant';
}

export interface SessionIssuer {
  keys: LocalSigningKeys;
  /** The token issuer: this server's public URL. */
  issuer: () => string;
}

async function accessToken(issuer: SessionIssuer, user: User, familyId: string): Promise<string> {
  const { kid, key } = await issuer.keys.signingKey();
  return new SignJWT({
    sid: familyId,
    ...(user.email ? { email: user.email } : {}),
    ...(user.name ? { name: user.name } : {}),
    ...(user.teamId ? { org_id: user.teamId } : {}),
  })
    .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: 'JWT' })
    .setIssuer(issuer.issuer())
    .setAudience(LOCAL_AUDIENCE)
    .setSubject(user.subject)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(`${ACCESS_TOKEN_TTL_SECONDS}s`)
    .sign(key);
}

async function newRefreshToken(db: Db, userId: number, familyId: string): Promise<string> {
  const token = `${REFRESH_KIND}_${randomBytes(32).toString('base64url')}`;
  const at = new Date();
  await db
    .insertInto('refresh_tokens')
    .values({
      family_id: familyId,
      user_id: userId,
      token_hash: sha256Hex(token),
      created_at: timestampOf(at),
      expires_at: timestampOf(at.getTime() + REFRESH_TOKEN_TTL_SECONDS * 1000),
    })
    .execute();
  return token;
}

/** A new session (a new refresh-token family) for `user`. */
export async function startSession(db: Db, issuer: SessionIssuer, user: User): Promise<Session> {
  const familyId = randomUUID();
  return {
    accessToken: await accessToken(issuer, user, familyId),
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
    refreshToken: await newRefreshToken(db, user.id, familyId),
    user,
  };
}

export async function revokeFamily(db: Db, familyId: string): Promise<void> {
  await db.updateTable('refresh_tokens').set({ revoked_at: now() }).where('family_id', '=', familyId).where('revoked_at', 'is', null).execute();
}

/** A refresh token used a second time: its family has just been revoked. */
export class RefreshTokenReused extends InvalidGrant {
  override name = 'RefreshTokenReused';
  constructor(readonly userId: number) {
    super('The refresh token was already used; the session has been revoked. Sign in again.');
  }
}

/**
 * Exchanges a refresh token for a new session in the same family. The old token is consumed by
 * one compare-and-swap (an UPDATE whose WHERE is every condition for its use: unused, unrevoked,
 * unexpired, its family not revoked), in the transaction that inserts its successor, so of
 * concurrent uses exactly one wins; any other use of a consumed token revokes the family,
 * the winner's new tokens with it (someone else holds a copy).
 *
 * A family is revoked as a whole: once any of its tokens is revoked, none of them (and no access
 * token of its session: isSessionActive) works again, including a token the winner inserted
 * after a loser's revoking UPDATE took its snapshot.
 */
export async function refreshSession(db: Db, issuer: SessionIssuer, refreshToken: string, loadUser: (id: number) => Promise<User | null>): Promise<Session> {
  const hash = sha256Hex(refreshToken);
  const at = now();
  const won = await db.transaction().execute(async (trx) => {
    const consumed = await trx
      .updateTable('refresh_tokens')
      .set({ rotated_at: at })
      .where('token_hash', '=', hash)
      .where('rotated_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', at)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('refresh_tokens as other')
              .select('other.id')
              .whereRef('other.family_id', '=', 'refresh_tokens.family_id')
              .where('other.revoked_at', 'is not', null),
          ),
        ),
      )
      .returning(['user_id', 'family_id'])
      .executeTakeFirst();
    if (!consumed) return null;
    return { ...consumed, refreshToken: await newRefreshToken(trx, consumed.user_id, consumed.family_id) };
  });
  if (!won) throw await whyRefused(db, hash);
  // The user is read after the transaction: on SQLite it holds the one connection.
  const user = await loadUser(won.user_id);
  if (!user) throw new InvalidGrant('The account no longer exists.');
  return {
    accessToken: await accessToken(issuer, user, won.family_id),
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
    refreshToken: won.refreshToken,
    user,
  };
}

/** Why a refresh token was not accepted; a consumed token's reuse revokes its family here. */
async function whyRefused(db: Db, hash: string): Promise<InvalidGrant> {
  const row = await db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
  if (!row) return new InvalidGrant('The refresh token is not valid.');
  if (row.revoked_at !== null || !(await isSessionActive(db, row.family_id))) {
    return new InvalidGrant('The session has been revoked; sign in again.');
  }
  if (row.rotated_at !== null) {
    await revokeFamily(db, row.family_id);
    return new RefreshTokenReused(row.user_id);
  }
  return new InvalidGrant('The refresh token has expired; sign in again.');
}

/** The family of `refreshToken` if it belongs to `userId` (logOut revokes it). */
export async function familyOf(db: Db, userId: number, refreshToken: string): Promise<string | null> {
  const row = await db
    .selectFrom('refresh_tokens')
    .select('family_id')
    .where('token_hash', '=', sha256Hex(refreshToken))
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row?.family_id ?? null;
}

/** Revokes every session of the user but `keepFamilyId` (changePassword). */
export async function revokeOtherSessions(db: Db, userId: number, keepFamilyId: string | null): Promise<void> {
  await db
    .updateTable('refresh_tokens')
    .set({ revoked_at: now() })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .$if(keepFamilyId !== null, (qb) => qb.where('family_id', '!=', keepFamilyId!))
    .execute();
}

/** Whether an access token's session (family) is still alive: it has tokens and none is revoked. */
export async function isSessionActive(db: Db, familyId: string): Promise<boolean> {
  const row = await db
    .selectFrom('refresh_tokens')
    .select((eb) => [eb.fn.countAll<number | string>().as('tokens'), eb.fn.count<number | string>('revoked_at').as('revoked')])
    .where('family_id', '=', familyId)
    .executeTakeFirstOrThrow();
  return Number(row.tokens) > 0 && Number(row.revoked) === 0;
}
