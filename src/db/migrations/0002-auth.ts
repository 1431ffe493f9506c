/** Auth state: role overrides on users, issued API keys (hashed), and the audit log. */
import type { Kysely } from 'kysely';
import { idColumn } from './column-types.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  // A role set with setUserRole; wins over the role derived from token claims.
  await db.schema.alterTable('users').addColumn('role_override', 'text').execute();

  await idColumn(db, db.schema.createTable('api_keys'))
    .addColumn('name', 'text', (c) => c.notNull())
    // The visible start of the key, unique, used to find the row; the rest is only hashed.
    .addColumn('prefix', 'text', (c) => c.notNull().unique())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('cascade'))
    // For keys made by identities without a user row (Enterprise PAT): the role they act with.
    .addColumn('creator_role', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('api_keys_user_id').on('api_keys').columns(['user_id', 'id']).execute();
  await db.schema.createIndex('api_keys_team_id').on('api_keys').columns(['team_id', 'id']).execute();

  await idColumn(db, db.schema.createTable('audit_log'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('strategy', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('actor_user_id', 'integer')
    .addColumn('team_id', 'text')
    .addColumn('target', 'text')
    .addColumn('address', 'text')
    .execute();
  await db.schema.createIndex('audit_log_created_at').on('audit_log').column('created_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_log').execute();
  await db.schema.dropTable('api_keys').execute();
  await db.schema.alterTable('users').dropColumn('role_override').execute();
}
