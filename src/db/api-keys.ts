/** Issued API keys: stored as SHA-256 hashes with a visible prefix; found by prefix, compared in constant time. */
import { isScope, type Role, type Scope } from '../vocabulary/scopes.js';
import { constantTimeEqual, issueSecret, prefixOf, sha256Hex } from '../secrets.js';
import { hasScope, seesEveryTeam, type Viewer } from '../vocabulary/viewer.js';
import { badInput, forbidden, notFound } from '../errors.js';
import { type ApiKeyRow, type Db, type UserRow } from './database.js';
import { now, timestampOf } from '../datetime.js';
import { countOf, pageOf, type Page, type PageWindow } from './pagination.js';
import { validName } from './validate.js';

/** Bound to every secret configured when migration 0005 ran: keys minted without a user before it. */
export const LEGACY_MINTER = 'legacy';

export const API_KEY_KIND = 'smk';

export interface ApiKey {
  readonly kind: 'ApiKey';
  readonly id: number;
  readonly name: string;
  readonly prefix: string;
  readonly scopes: Scope[];
  readonly userId: number | null;
  readonly creatorRole: Role;
  readonly teamId: string | null;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
  /** The configured secret(s) it was minted by; null: by a user. */
  readonly mintedBy: string | null;
}

export function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    kind: 'ApiKey',
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: JSON.parse(row.scopes) as Scope[],
    userId: row.user_id,
    creatorRole: row.creator_role as Role,
    teamId: row.team_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    mintedBy: row.minted_by,
  };
}

/**
 * Scopes a credential may be given: known, at least one, and all held by `viewer` (no one can
 * hand out more than it has). Shared by API keys and personal access tokens.
 */
export function grantableScopes(viewer: Viewer, requested: readonly string[]): Scope[] {
  const scopes = [...new Set(requested.map((s) => s.trim()))];
  if (scopes.length === 0) throw badInput('"scopes" must name at least one scope.', 'scopes');
  const unknown = scopes.find((s) => !isScope(s));
  if (unknown !== undefined) throw badInput(`"${unknown}" is not a scope.`, 'scopes');
  const missing = (scopes as Scope[]).filter((s) => !viewer.scopes.has(s));
  if (missing.length > 0) throw forbidden(`You cannot grant scopes you do not hold: ${missing.join(', ')}.`);
  return scopes as Scope[];
}

export function futureExpiry(expiresAt: Date | null | undefined): string | null {
  if (expiresAt == null) return null;
  if (expiresAt.getTime() <= Date.now()) throw badInput('"expiresAt" must be in the future.', 'expiresAt');
  return timestampOf(expiresAt);
}

export async function createApiKey(
  db: Db,
  viewer: Viewer,
  input: { name: string; scopes: readonly string[]; expiresAt?: Date | null },
): Promise<{ apiKey: ApiKey; secret: string }> {
  const name = validName(input.name);
  const scopes = grantableScopes(viewer, input.scopes);
  const expiresAt = futureExpiry(input.expiresAt);
  const issued = issueSecret(API_KEY_KIND);
  const row = await db
    .insertInto('api_keys')
    .values({
      name,
      prefix: issued.prefix,
      secret_hash: issued.hash,
      scopes: JSON.stringify(scopes),
      user_id: viewer.userId,
      creator_role: viewer.role,
      team_id: viewer.teamId,
      created_at: now(),
      expires_at: expiresAt,
      minted_by: viewer.mintedBy ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { apiKey: toApiKey(row), secret: issued.secret };
}

function ownKeys(viewer: Viewer) {
  // undefined: every key (admins of every team); otherwise the viewer's own.
  return seesEveryTeam(viewer) ? undefined : (viewer.userId ?? -1);
}

/** The keys `viewer` may list (ownKeys), for a page or a count. */
function listedApiKeys(db: Db, viewer: Viewer) {
  const owner = ownKeys(viewer);
  return db.selectFrom('api_keys').$if(owner !== undefined, (qb) => qb.where('user_id', '=', owner!));
}

export function listApiKeys(db: Db, viewer: Viewer, window: PageWindow): Promise<Page<ApiKey>> {
  return pageOf(listedApiKeys(db, viewer).selectAll(), 'api_keys.id', window, toApiKey);
}

export function countApiKeys(db: Db, viewer: Viewer): Promise<number> {
  return countOf(listedApiKeys(db, viewer));
}

/** Revokes a key: its creator, admin:users holders of its team, or admins of every team. Idempotent. */
export async function revokeApiKey(db: Db, viewer: Viewer, id: number, globalId: string): Promise<ApiKey> {
  const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
  const allowed =
    row !== undefined &&
    (seesEveryTeam(viewer) ||
      (viewer.userId !== null && row.user_id === viewer.userId) ||
      (hasScope(viewer, 'admin:users') && viewer.teamId !== null && row.team_id === viewer.teamId));
  if (!row || !allowed) throw notFound('API key', globalId);
  if (row.revoked_at !== null) return toApiKey(row);
  const revoked = await db
    .updateTable('api_keys')
    .set({ revoked_at: now() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toApiKey(revoked);
}

export interface KeyWithCreator {
  key: ApiKey;
  /** The creating user as it is now; null for keys made by identities without a user. */
  creator: UserRow | null;
}

/** The key whose secret this is, or null; the hash is compared in constant time. */
export async function findApiKeyBySecret(db: Db, secret: string): Promise<KeyWithCreator | null> {
  const row = await db
    .selectFrom('api_keys')
    .selectAll()
    .where('prefix', '=', prefixOf(secret, API_KEY_KIND))
    .executeTakeFirst();
  if (!row || !constantTimeEqual(row.secret_hash, sha256Hex(secret))) return null;
  const creator =
    row.user_id === null ? null : ((await db.selectFrom('users').selectAll().where('id', '=', row.user_id).executeTakeFirst()) ?? null);
  return { key: toApiKey(row), creator };
}

/**
 * Binds the keys migration 0005 marked `legacy` to every configured secret (`minters`); with
 * none configured they stay `legacy`, which no configuration matches. Returns how many.
 */
export async function bindLegacyApiKeys(db: Db, minters: readonly string[]): Promise<number> {
  if (minters.length === 0) return 0;
  const result = await db.updateTable('api_keys').set({ minted_by: minters.join(' ') }).where('minted_by', '=', LEGACY_MINTER).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function recordApiKeyUse(db: Db, id: number, at: string): Promise<void> {
  await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
}
