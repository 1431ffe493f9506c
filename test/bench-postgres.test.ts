/**
 * The bench's PostgreSQL databases (bench/postgres.ts), on TEST_DATABASE_URL's server: one
 * seeded database per run, a copy of it per server start (so one server's W4 writes never reach
 * another's reads), each copy dropped with its server and everything dropped at the end.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createBenchPostgres, withDatabase } from '../bench/postgres.js';
import { ARTIFACT_COUNT, COLLECTION_COUNT, COLLECTION_SIZE } from '../bench/seed.js';

const URL_ = process.env.TEST_DATABASE_URL;

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

const benchDatabases = async (url: string, prefix: string) =>
  (await query<{ datname: string }>(url, `select datname from pg_database where datname like '${prefix}%' order by datname`)).map((r) => r.datname);

describe('withDatabase', () => {
  it('replaces only the database of a URL', () => {
    expect(withDatabase('postgres://postgres@127.0.0.1:5432/test?sslmode=disable', 'bench_x')).toBe('postgres://postgres@127.0.0.1:5432/bench_x?sslmode=disable');
  });
});

describe.skipIf(!URL_)('bench PostgreSQL databases', () => {
  it('seeds one database, copies it per server start, and drops the copies and the seed', async () => {
    const url = URL_!;
    const bench = await createBenchPostgres(url);
    let prefix = '';
    try {
      expect(bench.version).toMatch(/^\d+/);
      const copy = await bench.copy('ours-auth');
      const other = await bench.copy('apollo');
      prefix = new URL(copy.url).pathname.slice(1).split('_').slice(0, 2).join('_');
      expect(prefix).toMatch(/^bench_[0-9a-f]{8}$/);
      expect(await benchDatabases(url, prefix)).toHaveLength(3);
      const [counts] = await query<{ artifacts: string; collections: string; members: string }>(
        copy.url,
        'select (select count(*) from artifacts) as artifacts, (select count(*) from collections) as collections, (select count(*) from collection_artifacts) as members',
      );
      expect(counts).toEqual({ artifacts: String(ARTIFACT_COUNT), collections: String(COLLECTION_COUNT), members: String(COLLECTION_COUNT * COLLECTION_SIZE) });
      // A write on one copy is not seen by another.
      await query(copy.url, "insert into artifacts (name, type, tags, visibility, team_id, created_at, updated_at) values ('w4', 'SKILL', '[]', 'TEAM', 'team-a', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z')");
      expect((await query<{ n: string }>(other.url, 'select count(*) as n from artifacts'))[0]!.n).toBe(String(ARTIFACT_COUNT));
      await copy.drop();
      expect(await benchDatabases(url, prefix)).toHaveLength(2);
    } finally {
      await bench.dropAll();
      await bench.dropAll();
    }
    expect(await benchDatabases(url, prefix)).toEqual([]);
  }, 60_000);
});
