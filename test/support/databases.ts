/**
 * Test databases: a fresh SQLite file in a temporary folder, or, when TEST_DATABASE_URL is set,
 * a fresh schema in that PostgreSQL database, dropped afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DatabaseConfig, DatabaseDialect } from '../../src/config.js';
import { createDatabase, type Database, type DatabaseOptions } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';

export const POSTGRES_URL = process.env.TEST_DATABASE_URL;

/** The dialects to run a suite on: SQLite always, PostgreSQL when TEST_DATABASE_URL is set. */
export const DIALECTS: { dialect: DatabaseDialect; skip: boolean }[] = [
  { dialect: 'sqlite', skip: false },
  { dialect: 'postgres', skip: !POSTGRES_URL },
];

export interface TestDatabase {
  config: DatabaseConfig;
  /** Removes the file or drops the schema. */
  drop(): Promise<void>;
}

export async function createTestDatabase(dialect: DatabaseDialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'skillmeat-test-'));
    return {
      config: { dialect: 'sqlite', url: join(dir, 'test.db') },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (!POSTGRES_URL) throw new Error('TEST_DATABASE_URL is not set');
  const schema = `test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`create schema "${schema}"`);
  } finally {
    await client.end();
  }
  return {
    config: { dialect: 'postgres', url: POSTGRES_URL, schema },
    drop: async () => {
      const dropper = new pg.Client({ connectionString: POSTGRES_URL });
      await dropper.connect();
      try {
        await dropper.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/** Opens `testDatabase` and brings it to the latest migration, as the server does on start. */
export async function openMigrated(testDatabase: TestDatabase, options: DatabaseOptions = {}): Promise<Database> {
  const database = createDatabase(testDatabase.config, options);
  try {
    await migrateToLatest(database.db, testDatabase.config.schema);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

/**
 * DATABASE_URL for a child process (a bin) on `testDatabase`: the SQLite path, or the PostgreSQL
 * URL with the test's schema as the connection's search_path (`options=-c search_path=…`, which
 * pg passes to the server), so the child's tables land in that schema alone.
 */
export function databaseUrlOf(testDatabase: TestDatabase): string {
  const { config } = testDatabase;
  if (config.dialect === 'sqlite') return config.url;
  const url = new URL(config.url);
  if (config.schema) url.searchParams.set('options', `-c search_path=${config.schema}`);
  return url.toString();
}
