/** Runs the migrations in src/db/migrations with Kysely's Migrator: one set for both dialects. */
import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from './database.js';
import * as m0001 from './migrations/0001-init.js';
import * as m0002 from './migrations/0002-auth.js';
import * as m0003 from './migrations/0003-local-idp.js';
import * as m0004 from './migrations/0004-rate-limits.js';
import * as m0005 from './migrations/0005-minting-secrets.js';
import * as m0006 from './migrations/0006-email-nfc.js';

// Listed, not read from the folder, so the set is the same under tsx, a bundle or a test.
const MIGRATIONS: Record<string, Migration> = {
  '0001-init': m0001,
  '0002-auth': m0002,
  '0003-local-idp': m0003,
  '0004-rate-limits': m0004,
  '0005-minting-secrets': m0005,
  '0006-email-nfc': m0006,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/**
 * `schema`: for PostgreSQL, the schema the tables live in. Kysely's check for its own
 * bookkeeping tables looks in every schema unless told which, and would find another
 * schema's tables (a parallel test run's, another tenant's). The database's introspector
 * (postgres-introspector.ts) reads only that schema, so other schemas dropped meanwhile
 * cannot fail the check either.
 */
export async function migrateToLatest(db: Db, schema?: string): Promise<string[]> {
  const migrator = new Migrator({ db, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Database migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Brings the database to migration `name` exactly (up or down); for tests of what a migration does to older rows. */
export async function migrateTo(db: Db, name: string, schema?: string): Promise<void> {
  const migrator = new Migrator({ db, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error } = await migrator.migrateTo(name);
  if (error) throw error instanceof Error ? error : new Error(String(error));
}

/** The migrations this code has that the database has not run yet (reads only; runs nothing). */
export async function pendingMigrations(db: Db, schema?: string): Promise<string[]> {
  const migrator = new Migrator({ db, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  return (await migrator.getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name);
}
