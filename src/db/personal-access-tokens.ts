/** Personal access tokens: a user's own scoped Bearer tokens, stored hashed, found by prefix. */
import type { Scope } from '../vocabulary/scopes.js';
import { constantTimeEqual, issueSecret, prefixOf, sha256Hex } from '../secrets.js';
import type { Viewer } from '../vocabulary/viewer.js';
import { forbidden, notFound } from '../errors.js';
import { futureExpiry, grantableScopes } from './api-keys.js';
import { type Db, type PersonalAccessTokenRow } from './database.js';
import { now } from '../datetime.js';
import { countOf, pageOf, type Page, type PageWindow } from './pagination.js';
import { validName } from './validate.js';

export const PAT_KIND = 'smp';

export interface PersonalAccessToken {
  readonly kind: 'PersonalAccessToken';
  readonly id: number;
  readonly userId: number;
  readonly name: string;
  readonly prefix: string;
  readonly scopes: Scope[];
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

function toPat(row: PersonalAccessTokenRow): PersonalAccessToken {
  return {
    kind: 'PersonalAccessToken',
    id: row.id,
    userId: row.user_id,
    name: row.name,
    prefix: row.prefix,
    scopes: JSON.parse(row.scopes) as Scope[],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

function ownerOf(viewer: Viewer): number {
  if (viewer.userId === null) throw forbidden('Personal access tokens belong to users; this identity has none.');
  return viewer.userId;
}

export async function createPersonalAccessToken(
  db: Db,
  viewer: Viewer,
  input: { name: string; scopes: readonly string[]; expiresAt?: Date | null },
): Promise<{ personalAccessToken: PersonalAccessToken; token: string }> {
  const userId = ownerOf(viewer);
  const name = validName(input.name);
  const scopes = grantableScopes(viewer, input.scopes);
  const expiresAt = futureExpiry(input.expiresAt);
  const issued = issueSecret(PAT_KIND);
  const row = await db
    .insertInto('personal_access_tokens')
    .values({
      user_id: userId,
      name,
      prefix: issued.prefix,
      secret_hash: issued.hash,
      scopes: JSON.stringify(scopes),
      created_at: now(),
      expires_at: expiresAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { personalAccessToken: toPat(row), token: issued.secret };
}

/** The caller's own tokens, for a page or a count. Identities without a user (Enterprise PAT, service keys) own none: their list is empty. */
function ownTokens(db: Db, viewer: Viewer) {
  return db.selectFrom('personal_access_tokens').where('user_id', '=', viewer.userId ?? -1);
}

export function listPersonalAccessTokens(db: Db, viewer: Viewer, window: PageWindow): Promise<Page<PersonalAccessToken>> {
  return pageOf(ownTokens(db, viewer).selectAll(), 'personal_access_tokens.id', window, toPat);
}

export function countPersonalAccessTokens(db: Db, viewer: Viewer): Promise<number> {
  return countOf(ownTokens(db, viewer));
}

/** Revokes one of the caller's own tokens (anyone else's is NOT_FOUND). Idempotent. */
export async function revokePersonalAccessToken(db: Db, viewer: Viewer, id: number, globalId: string): Promise<PersonalAccessToken> {
  const row = await db.selectFrom('personal_access_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || row.user_id !== viewer.userId) throw notFound('personal access token', globalId);
  if (row.revoked_at !== null) return toPat(row);
  const revoked = await db
    .updateTable('personal_access_tokens')
    .set({ revoked_at: now() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toPat(revoked);
}

/** The token whose secret this is, or null; compared in constant time. */
export async function findPersonalAccessToken(db: Db, secret: string): Promise<PersonalAccessToken | null> {
  const row = await db
    .selectFrom('personal_access_tokens')
    .selectAll()
    .where('prefix', '=', prefixOf(secret, PAT_KIND))
    .executeTakeFirst();
  return row && constantTimeEqual(row.secret_hash, sha256Hex(secret)) ? toPat(row) : null;
}

export async function recordPersonalAccessTokenUse(db: Db, id: number, at: string): Promise<void> {
  await db.updateTable('personal_access_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
}
