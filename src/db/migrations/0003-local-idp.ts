/** The local identity provider: accounts, signing keys, refresh-token families, PATs, device codes. */
import type { Kysely } from 'kysely';
import { idColumn } from './column-types.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  // A team given by an admin (setUserRole on a user of no team); used only while the identity
  // provider names no team for the user.
  await db.schema.alterTable('users').addColumn('team_override', 'text').execute();
  // The team in which role_override was granted: the override holds only in that team, so a
  // role given in one team never follows the user into another.
  await db.schema.alterTable('users').addColumn('role_override_team', 'text').execute();

  await db.schema
    .createTable('accounts')
    .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    // Normalised (trimmed, lower-case), unique: the login name.
    .addColumn('email', 'text', (c) => c.notNull().unique())
    // scrypt$N$r$p$salt$hash: the parameters travel with the hash so they can be raised later.
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('password_changed_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('alg', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('private_jwk', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    // Set when a newer key takes over signing; the key still verifies until its tokens expire.
    .addColumn('retired_at', 'text')
    .execute();

  await idColumn(db, db.schema.createTable('refresh_tokens'))
    .addColumn('family_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    // Set when the token was exchanged for a new one; a second use then revokes the family.
    .addColumn('rotated_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('refresh_tokens_family').on('refresh_tokens').column('family_id').execute();
  await db.schema.createIndex('refresh_tokens_user').on('refresh_tokens').column('user_id').execute();

  await idColumn(db, db.schema.createTable('personal_access_tokens'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull().unique())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('personal_access_tokens_user').on('personal_access_tokens').columns(['user_id', 'id']).execute();

  await idColumn(db, db.schema.createTable('device_codes'))
    .addColumn('device_code_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_code_hash', 'text', (c) => c.notNull().unique())
    .addColumn('client_id', 'text', (c) => c.notNull())
    // pending → approved | denied → consumed (tokens handed out once).
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('interval_seconds', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('last_polled_at', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['device_codes', 'personal_access_tokens', 'refresh_tokens', 'signing_keys', 'accounts']) {
    await db.schema.dropTable(table).execute();
  }
  await db.schema.alterTable('users').dropColumn('role_override_team').execute();
  await db.schema.alterTable('users').dropColumn('team_override').execute();
}
