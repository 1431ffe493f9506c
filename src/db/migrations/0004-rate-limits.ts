/**
 * The brute-force counters of src/auth/local/rate-limits.ts, in the table layout
 * rate-limiter-flexible uses (its RateLimiterPostgres and RateLimiterSQLite are then told the
 * table exists). The library would create it itself, but it does so from each limiter at once,
 * and PostgreSQL fails concurrent CREATE TABLE IF NOT EXISTS of one name ("type … already
 * exists"); migrations run one at a time, under the Migrator's lock. `ifNotExists`: databases
 * that ran an earlier version already have the table, made by the library with this layout.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('rate_limits')
    .ifNotExists()
    .addColumn('key', 'varchar(255)', (c) => c.primaryKey().notNull())
    .addColumn('points', 'integer', (c) => c.notNull().defaultTo(0))
    // Milliseconds since the epoch; null: never expires.
    .addColumn('expire', 'bigint')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('rate_limits').ifExists().execute();
}
