/**
 * The SQLite layer under Kysely, on real files: prepared statements are reused (bounded, never
 * while busy), and the planner has statistics, so the tenancy filter walks the primary key
 * instead of sorting every visible row.
 */
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { makeViewer } from '../src/vocabulary/viewer.js';
import { listArtifacts } from '../src/db/artifacts.js';
import { createDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { withStatementCache } from '../src/db/sqlite.js';
import { createTestDatabase, type TestDatabase } from './support/databases.js';

let testDatabase: TestDatabase | undefined;
afterEach(async () => {
  await testDatabase?.drop();
  testDatabase = undefined;
});

async function sqliteFile(): Promise<string> {
  testDatabase = await createTestDatabase('sqlite');
  return testDatabase.config.url;
}

describe('prepared statement cache', () => {
  it('prepares each SQL text once and hands the same statement back', async () => {
    const sqlite = new SQLite(await sqliteFile());
    const cached = withStatementCache(sqlite, 10);
    const first = cached.prepare('select 1 as one');
    expect(cached.prepare('select 1 as one')).toBe(first);
    expect(cached.prepare('select 2 as two')).not.toBe(first);
    expect(first.all([])).toEqual([{ one: 1 }]);
    cached.close();
  });

  it('makes a fresh statement while the cached one is still being iterated', async () => {
    const sqlite = new SQLite(await sqliteFile());
    sqlite.exec('create table t (n integer); insert into t values (1), (2), (3);');
    const cached = withStatementCache(sqlite, 10);
    const statement = cached.prepare('select n from t order by n');
    const iterator = statement.iterate([]);
    expect(iterator.next().value).toEqual({ n: 1 });
    const second = cached.prepare('select n from t order by n');
    expect(second).not.toBe(statement);
    expect(second.all([])).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(iterator.next().value).toEqual({ n: 2 });
    iterator.return?.();
    // Once the iteration is over the cached statement is free again.
    expect(cached.prepare('select n from t order by n')).toBe(statement);
    cached.close();
  });

  it('keeps at most `size` statements, dropping the least recently used', async () => {
    const sqlite = new SQLite(await sqliteFile());
    const cached = withStatementCache(sqlite, 2);
    const a = cached.prepare('select 1');
    const b = cached.prepare('select 2');
    expect(cached.prepare('select 1')).toBe(a); // a is now the most recent
    cached.prepare('select 3'); // evicts b
    expect(cached.prepare('select 1')).toBe(a);
    expect(cached.prepare('select 2')).not.toBe(b);
    cached.close();
  });

  it('answers correctly after the schema changes under a cached statement', async () => {
    const database = createDatabase({ dialect: 'sqlite', url: await sqliteFile() });
    const sqlite = database.raw.dialect === 'sqlite' ? database.raw.sqlite : null;
    sqlite!.exec("create table t (a integer); insert into t values (1);");
    const read = () => database.db.selectFrom('t' as never).selectAll().execute();
    expect(await read()).toEqual([{ a: 1 }]);
    sqlite!.exec('alter table t add column b text default \'x\'');
    expect(await read()).toEqual([{ a: 1, b: 'x' }]);
    await database.close();
  });
});

describe('rows read through the cache', () => {
  it('are the objects better-sqlite3 itself would build, duplicate names and nulls included', async () => {
    const sqlite = new SQLite(await sqliteFile());
    sqlite.exec("create table t (id integer primary key, name text, score real, note text); insert into t values (1, 'a', 1.5, null), (2, 'Über', -2, 'x');");
    const cached = withStatementCache(sqlite, 10);
    for (const sql of ['select * from t order by id', 'select t.*, 7 as name from t order by id', 'select count(*) as n from t', 'select * from t where id > 99']) {
      const expected = sqlite.prepare(sql).all();
      expect(cached.prepare(sql).all([])).toEqual(expected);
      expect(cached.prepare(sql).all([])).toEqual(expected);
    }
    cached.close();
  });

  it('follow a column renamed by another connection', async () => {
    const url = await sqliteFile();
    const sqlite = new SQLite(url);
    sqlite.exec("create table t (a integer, b text); insert into t values (1, 'x');");
    const cached = withStatementCache(sqlite, 10);
    expect(cached.prepare('select * from t').all([])).toEqual([{ a: 1, b: 'x' }]);
    const other = new SQLite(url);
    other.exec('alter table t rename column b to renamed');
    other.close();
    expect(cached.prepare('select * from t').all([])).toEqual([{ a: 1, renamed: 'x' }]);
    cached.close();
  });
});

describe('planner statistics', () => {
  const teamMember = makeViewer({ role: 'TEAM_MEMBER', teamId: 'team-a', authMethod: 'JWT', userId: null });

  /** 2,000 artifacts, half PUBLIC, spread over two teams, written with the real migrations. */
  async function seed(url: string): Promise<void> {
    const database = createDatabase({ dialect: 'sqlite', url });
    await migrateToLatest(database.db);
    const at = new Date().toISOString();
    const rows = Array.from({ length: 2_000 }, (_, i) => ({
      name: `artifact-${i}`,
      type: 'SKILL',
      description: null,
      tags: '[]',
      visibility: i % 4 < 2 ? 'PUBLIC' : 'TEAM',
      team_id: i % 2 === 0 ? 'team-a' : 'team-b',
      owner_id: null,
      created_at: at,
      updated_at: at,
    }));
    for (let i = 0; i < rows.length; i += 200) await database.db.insertInto('artifacts').values(rows.slice(i, i + 200)).execute();
    await database.close();
  }

  async function planOfFirstPage(url: string): Promise<string[]> {
    const statements: { sql: string; parameters: readonly unknown[] }[] = [];
    const database = createDatabase({ dialect: 'sqlite', url }, { onQuery: (sql, parameters) => statements.push({ sql, parameters }) });
    try {
      const page = await listArtifacts(database.db, teamMember, { limit: 50, afterId: null });
      expect(page.items).toHaveLength(50);
      expect(statements).toHaveLength(1);
      const [{ sql, parameters }] = statements as [(typeof statements)[0]];
      expect(sql).toMatch(/"visibility" = 'PUBLIC' or "artifacts"."team_id" = \?/);
      const sqlite = database.raw.dialect === 'sqlite' ? database.raw.sqlite : null;
      return (sqlite!.prepare(`explain query plan ${sql}`).all(...parameters) as { detail: string }[]).map((row) => row.detail);
    } finally {
      await database.close();
    }
  }

  it('are gathered when a database opens, so a tenancy-filtered page is read in id order', async () => {
    const url = await sqliteFile();
    await seed(url);
    // Without statistics (as the seed left it) SQLite merges two index searches and sorts.
    const bare = new SQLite(url);
    bare.exec('drop table if exists sqlite_stat1');
    const unplanned = (bare.prepare(`explain query plan select * from artifacts where (visibility = 'PUBLIC' or team_id = 'team-a') order by id limit 51`).all() as { detail: string }[]).map((row) => row.detail);
    bare.close();
    expect(unplanned.join(' | ')).toContain('TEMP B-TREE FOR ORDER BY');

    const plan = await planOfFirstPage(url);
    expect(plan.join(' | ')).not.toContain('TEMP B-TREE');
    expect(plan.join(' | ')).not.toContain('MULTI-INDEX OR');
    const stats = new SQLite(url, { readonly: true });
    expect((stats.prepare("select count(*) as n from sqlite_stat1 where tbl = 'artifacts'").get() as { n: number }).n).toBeGreaterThan(0);
    stats.close();
  });
});
