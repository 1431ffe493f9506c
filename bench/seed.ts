/**
 * The bench data set (bench/seed-data.ts), written straight into one SQLite file or one fresh
 * PostgreSQL database with Kysely in one transaction, after the migrations.
 */
import type { DatabaseConfig } from '../src/config.js';
import { createDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';

import { seedData } from './seed-data.js';

export { ARTIFACT_COUNT, COLLECTION_COUNT, COLLECTION_SIZE, JWT_USER, TEAMS, USER_COUNT } from './seed-data.js';

const CHUNK = 200;

function chunks<T>(rows: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += CHUNK) out.push(rows.slice(i, i + CHUNK));
  return out;
}

/** Seeds a fresh database: a SQLite file at `target`, or the PostgreSQL database (and schema) of a config. */
export async function seedDatabase(target: string | DatabaseConfig): Promise<void> {
  const database = createDatabase(typeof target === 'string' ? { dialect: 'sqlite', url: target } : target);
  try {
    await migrateToLatest(database.db);
    const { users, artifacts, tags, collections, members } = seedData();
    await database.db.transaction().execute(async (trx) => {
      for (const rows of chunks(users)) await trx.insertInto('users').values(rows).execute();
      for (const rows of chunks(artifacts)) await trx.insertInto('artifacts').values(rows).execute();
      for (const rows of chunks(tags)) await trx.insertInto('artifact_tags').values(rows).execute();
      for (const rows of chunks(collections)) await trx.insertInto('collections').values(rows).execute();
      for (const rows of chunks(members)) await trx.insertInto('collection_artifacts').values(rows).execute();
    });
    if (database.raw.dialect === 'sqlite') {
      // Everything in the main file, so plain copies of it are complete.
      database.raw.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    } else {
      // Planner statistics for the fresh tables (autovacuum would gather them later), copied with the database as a template.
      await database.raw.pool.query('analyze');
    }
  } finally {
    await database.close();
  }
}
