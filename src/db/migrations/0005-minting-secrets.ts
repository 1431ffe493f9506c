/**
 * api_keys.minted_by: the fingerprint of the configured secret a key was minted by
 * (src/auth/minting-secrets.ts); null for keys minted by a user. Keys that exist already and
 * have no user could only have been minted by a configured secret, but which one is not
 * recorded: they are marked `legacy`, and the server binds them to every secret configured at
 * its next start (bindLegacyApiKeys), so rotating any of those cuts them off.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('api_keys').addColumn('minted_by', 'text').execute();
  await sql`update api_keys set minted_by = 'legacy' where user_id is null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('api_keys').dropColumn('minted_by').execute();
}
