/**
 * The PostgreSQL introspector the Migrator uses reads this server's schema only. Kysely's own
 * reads every schema and looks each one up by name, so a schema dropped while it runs (another
 * tenant's, a parallel test file's) failed this server's start with `schema "…" does not
 * exist`. That race is made deterministic here: a REPEATABLE READ snapshot still lists the
 * dropped schema while the by-name lookups see the catalog as it is now.
 * PostgreSQL only (skipped without TEST_DATABASE_URL): the problem does not exist in SQLite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kysely, PostgresDialect, PostgresIntrospector, sql } from 'kysely';
import pg from 'pg';
import { createDatabase, type Database } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { SchemaScopedPostgresIntrospector } from '../src/db/postgres-introspector.js';
import { createTestDatabase, POSTGRES_URL, type TestDatabase } from './support/databases.js';

describe.skipIf(!POSTGRES_URL)('SchemaScopedPostgresIntrospector (postgres)', () => {
  let ours: TestDatabase;
  let other: TestDatabase;
  let database: Database;

  beforeAll(async () => {
    ours = await createTestDatabase('postgres');
    other = await createTestDatabase('postgres');
    database = createDatabase(ours.config);
    await migrateToLatest(database.db, ours.config.schema);
    // Another schema with tables of the same names, Migrator's bookkeeping included.
    const otherDatabase = createDatabase(other.config);
    try {
      await migrateToLatest(otherDatabase.db, other.config.schema);
    } finally {
      await otherDatabase.close();
    }
  });

  afterAll(async () => {
    await database?.close();
    await ours?.drop();
    await other?.drop();
  });

  it('lists the tables of its schema only, with the same columns Kysely reports for them', async () => {
    const scoped = await database.db.introspection.getTables();
    const names = scoped.map((table) => table.name);
    expect(names).toContain('artifacts');
    expect(names).toContain('personal_access_tokens');
    expect(names).not.toContain('kysely_migration');
    expect(new Set(scoped.map((table) => table.schema))).toEqual(new Set([ours.config.schema]));

    const withInternal = await database.db.introspection.getTables({ withInternalKyselyTables: true });
    expect(withInternal.map((table) => table.name)).toEqual(expect.arrayContaining(['kysely_migration', 'kysely_migration_lock']));

    // Kysely's own introspector, over every schema, as the reference for what a table looks like.
    const everywhere = await new PostgresIntrospector(database.db).getTables();
    const reference = everywhere.filter((table) => table.schema === ours.config.schema);
    expect(scoped).toEqual(reference);
    expect(everywhere.some((table) => table.schema === other.config.schema)).toBe(true);

    const artifacts = scoped.find((table) => table.name === 'artifacts')!;
    expect(artifacts.columns.find((column) => column.name === 'id')).toMatchObject({ isAutoIncrementing: true, isNullable: false });
    expect(artifacts.columns.find((column) => column.name === 'owner_id')).toMatchObject({ isAutoIncrementing: false, isNullable: true });
  });

  it('without a schema, reads the connection’s current schema', async () => {
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1, options: `-c search_path=${other.config.schema}` });
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
    try {
      const tables = await new SchemaScopedPostgresIntrospector(db).getTables();
      expect(tables.length).toBeGreaterThan(0);
      expect(new Set(tables.map((table) => table.schema))).toEqual(new Set([other.config.schema]));
    } finally {
      await db.destroy();
    }
  });

  it('is not thrown off by another schema dropped while it reads; Kysely’s own introspector is', async () => {
    const doomed = await createTestDatabase('postgres');
    const doomedDatabase = createDatabase(doomed.config);
    await migrateToLatest(doomedDatabase.db, doomed.config.schema);
    await doomedDatabase.close();

    await database.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        // The snapshot is taken here and still lists `doomed` after it is dropped and committed.
        await sql`select 1`.execute(trx);
        await doomed.drop();
        await expect(new PostgresIntrospector(trx).getTables()).rejects.toThrow(`schema "${doomed.config.schema}" does not exist`);
        // The failed statement aborted the transaction; its COMMIT is a rollback, not an error.
      });

    const again = await createTestDatabase('postgres');
    const againDatabase = createDatabase(again.config);
    await migrateToLatest(againDatabase.db, again.config.schema);
    await againDatabase.close();
    await database.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        await sql`select 1`.execute(trx);
        await again.drop();
        const tables = await new SchemaScopedPostgresIntrospector(trx, ours.config.schema).getTables({ withInternalKyselyTables: true });
        expect(tables.map((table) => table.name)).toEqual(expect.arrayContaining(['artifacts', 'kysely_migration']));
      });
  });
});
