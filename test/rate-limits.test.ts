/**
 * The brute-force counters' table comes from the migrations, in rate-limiter-flexible's layout,
 * and the limiters are told it exists. They used to create it themselves, four at once, and
 * PostgreSQL fails concurrent CREATE TABLE IF NOT EXISTS of one name ("type rate_limits already
 * exists": a CI failure). Both dialects; real databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS, RateLimits } from '../src/auth/local/rate-limits.js';
import type { Database } from '../src/db/database.js';
import { createTestDatabase, DIALECTS, openMigrated, type TestDatabase } from './support/databases.js';

describe.each(DIALECTS)('rate limits ($dialect)', ({ dialect, skip }) => {
  let testDatabase: TestDatabase;
  let database: Database;

  beforeAll(async () => {
    if (skip) return;
    testDatabase = await createTestDatabase(dialect);
    database = await openMigrated(testDatabase);
  });

  afterAll(async () => {
    await database?.close();
    await testDatabase?.drop();
  });

  it.skipIf(skip)('the migrations make the table, in the layout the library reads and writes', async () => {
    const table = (await database.db.introspection.getTables()).find((t) => t.name === 'rate_limits');
    expect(table?.columns.map((c) => [c.name, c.isNullable])).toEqual([
      ['key', false],
      ['points', false],
      ['expire', true],
    ]);
  });

  it.skipIf(skip)('several sets of limiters over the migrated table all work, and count together', async () => {
    const sets = Array.from({ length: 8 }, () => RateLimits.create(database.raw));
    const key = `k-${dialect}`;
    const { points } = LIMITS.loginPerAccount;
    for (let i = 0; i < points; i++) await sets[i % sets.length]!.hit('loginPerAccount', key);
    for (const limits of sets) {
      await expect(limits.hit('loginPerAccount', key)).rejects.toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
    }
    await expect(sets[0]!.hit('loginPerAccount', 'someone-else')).resolves.toBeUndefined();
    await sets[1]!.reset('loginPerAccount', key);
    await expect(sets[2]!.hit('loginPerAccount', key)).resolves.toBeUndefined();
  });
});
