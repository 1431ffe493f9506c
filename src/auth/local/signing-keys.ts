/**
 * The local provider's signing keys: ES256 key pairs kept in the database (so every replica
 * signs and verifies alike), published as a JWKS. The newest unretired key signs; a retired key
 * keeps verifying until the last token it signed has expired. Each process caches the set for
 * a few seconds and reloads it at once (at most every few seconds) when it meets an unknown kid.
 */
import { randomBytes } from 'node:crypto';
import { createLocalJWKSet, errors, exportJWK, generateKeyPair, importJWK, type JWK, type JWTVerifyGetKey } from 'jose';
import { type Db } from '../../db/database.js';
import { now, timestampOf } from '../../datetime.js';

export const SIGNING_ALG = 'ES256';
/** Access tokens live 15 minutes; a retired key verifies that much longer. */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
const CACHE_MS = 10_000;
const RELOAD_COOLDOWN_MS = 2_000;

export async function createSigningKey(db: Db): Promise<string> {
  const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const kid = `sm-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const meta = { kid, alg: SIGNING_ALG, use: 'sig' };
  await db
    .insertInto('signing_keys')
    .values({
      kid,
      alg: SIGNING_ALG,
      public_jwk: JSON.stringify({ ...(await exportJWK(publicKey)), ...meta }),
      private_jwk: JSON.stringify({ ...(await exportJWK(privateKey)), ...meta }),
      created_at: now(),
    })
    .execute();
  return kid;
}

/** Adds a new signing key and retires the others (they still verify until their tokens expire). */
export async function rotateSigningKey(db: Db): Promise<string> {
  return db.transaction().execute(async (trx) => {
    const kid = await createSigningKey(trx);
    await trx.updateTable('signing_keys').set({ retired_at: now() }).where('retired_at', 'is', null).where('kid', '!=', kid).execute();
    return kid;
  });
}

interface KeySet {
  loadedAt: number;
  signing: { kid: string; jwk: JWK } | null;
  jwks: { keys: JWK[] };
  getKey: JWTVerifyGetKey;
}

export class LocalSigningKeys {
  private cache: Promise<KeySet> | null = null;
  private lastReload = 0;

  constructor(private readonly db: Db) {}

  /** Makes sure a signing key exists (the first start of a fresh database creates one). */
  async ensureKey(): Promise<void> {
    const existing = await this.db.selectFrom('signing_keys').select('kid').where('retired_at', 'is', null).executeTakeFirst();
    if (!existing) await createSigningKey(this.db);
    this.cache = null;
  }

  private async load(): Promise<KeySet> {
    const verifyAfter = timestampOf(Date.now() - ACCESS_TOKEN_TTL_SECONDS * 1000 - 60_000);
    const rows = await this.db
      .selectFrom('signing_keys')
      .selectAll()
      .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', verifyAfter)]))
      .orderBy('created_at', 'desc')
      .execute();
    const active = rows.find((r) => r.retired_at === null);
    const jwks = { keys: rows.map((r) => JSON.parse(r.public_jwk) as JWK) };
    return {
      loadedAt: Date.now(),
      signing: active ? { kid: active.kid, jwk: JSON.parse(active.private_jwk) as JWK } : null,
      jwks,
      getKey: createLocalJWKSet(jwks),
    };
  }

  private async current(forceReload = false): Promise<KeySet> {
    const cached = this.cache ? await this.cache.catch(() => null) : null;
    const stale = !cached || Date.now() - cached.loadedAt > CACHE_MS;
    const mayReload = forceReload && Date.now() - this.lastReload > RELOAD_COOLDOWN_MS;
    if (stale || mayReload) {
      this.lastReload = Date.now();
      this.cache = this.load();
    }
    return this.cache!;
  }

  /** The public keys that verify tokens now: what /.well-known/jwks.json publishes. */
  async publicJwks(): Promise<{ keys: JWK[] }> {
    return (await this.current()).jwks;
  }

  async signingKey(): Promise<{ kid: string; key: CryptoKey | Uint8Array }> {
    let set = await this.current();
    if (!set.signing) set = await this.current(true);
    if (!set.signing) throw new Error('No active signing key: the database has none.');
    return { kid: set.signing.kid, key: await importJWK(set.signing.jwk, SIGNING_ALG) };
  }

  /** jose key resolver over the cached set; an unknown kid reloads the set once (rate-limited). */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    try {
      return await (await this.current()).getKey(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      return (await this.current(true)).getKey(header, token);
    }
  };
}
