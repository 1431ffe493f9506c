/**
 * QueryTemplate on both databases: a shape is built and compiled once, every call runs with its
 * own values in the slots (a second team never sees the first team's rows through a reused
 * statement), a slot left without a value is an error, and each database keeps its own SQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeViewer } from '../src/vocabulary/viewer.js';
import { listArtifacts } from '../src/db/artifacts.js';
import type { Database } from '../src/db/database.js';
import { QueryTemplate } from '../src/db/query-template.js';
import { createTestDatabase, DIALECTS, openMigrated, type TestDatabase } from './support/databases.js';

const viewerOf = (teamId: string) => makeViewer({ role: 'TEAM_MEMBER', teamId, authMethod: 'JWT', userId: null });

describe.each(DIALECTS)('QueryTemplate ($dialect)', ({ dialect, skip }) => {
  let testDatabase: TestDatabase;
  let database: Database;
  const statements: { sql: string; parameters: readonly unknown[] }[] = [];

  beforeAll(async () => {
    if (skip) return;
    testDatabase = await createTestDatabase(dialect);
    database = await openMigrated(testDatabase, { onQuery: (sql, parameters) => statements.push({ sql, parameters }) });
    const at = new Date().toISOString();
    await database.db
      .insertInto('artifacts')
      .values(
        ['team-a', 'team-b', 'team-a', 'team-b', 'team-b'].map((team, i) => ({
          name: `${team}-${i}`,
          type: 'SKILL',
          description: null,
          tags: '[]',
          visibility: 'TEAM',
          team_id: team,
          owner_id: null,
          created_at: at,
          updated_at: at,
        })),
      )
      .execute();
  });

  afterAll(async () => {
    await database?.close();
    await testDatabase?.drop();
  });

  it.skipIf(skip)('builds each shape once and runs every call with its own values', async () => {
    const built: string[] = [];
    const byTeam = new QueryTemplate(
      (shape: { ordered: boolean }) => String(shape.ordered),
      (db, shape, slot) => {
        built.push(String(shape.ordered));
        return db
          .selectFrom('artifacts')
          .select('name')
          .where('team_id', '=', slot<string>('team'))
          .$if(shape.ordered, (qb) => qb.orderBy('id', 'desc'))
          .limit(slot<number>('limit'));
      },
    );
    const names = async (ordered: boolean, team: string, limit: number) =>
      (await byTeam.execute(database.db, { ordered }, { team, limit })).map((row) => row.name);

    expect(await names(false, 'team-a', 10)).toEqual(['team-a-0', 'team-a-2']);
    expect(await names(false, 'team-b', 10)).toEqual(['team-b-1', 'team-b-3', 'team-b-4']);
    expect(await names(false, 'team-b', 2)).toEqual(['team-b-1', 'team-b-3']);
    expect(built).toEqual(['false']);
    expect(await names(true, 'team-b', 2)).toEqual(['team-b-4', 'team-b-3']);
    expect(await names(true, 'team-a', 1)).toEqual(['team-a-2']);
    expect(built).toEqual(['false', 'true']);

    // The database's own placeholders, with the values of this call.
    statements.length = 0;
    await names(false, 'team-a', 7);
    expect(statements).toHaveLength(1);
    expect(statements[0]!.sql).toContain(dialect === 'postgres' ? '$1' : '?');
    expect(statements[0]!.parameters).toEqual(['team-a', 7]);
  });

  it.skipIf(skip)('refuses to run a shape with a slot left empty', async () => {
    const template = new QueryTemplate(
      () => 'one',
      (db, _shape: null, slot) => db.selectFrom('artifacts').select('id').where('team_id', '=', slot<string>('team')),
    );
    expect(() => template.compile(database.db, null, {})).toThrow(/query template "one": no value for slot "team"/);
  });

  it.skipIf(skip)('a list reused by another team runs with that team, not the first', async () => {
    const window = { limit: 10, afterId: null };
    const teamA = await listArtifacts(database.db, viewerOf('team-a'), window);
    const teamB = await listArtifacts(database.db, viewerOf('team-b'), window);
    expect(teamA.items.map((a) => a.name)).toEqual(['team-a-0', 'team-a-2']);
    expect(teamB.items.map((a) => a.name)).toEqual(['team-b-1', 'team-b-3', 'team-b-4']);
    const filtered = await listArtifacts(database.db, viewerOf('team-b'), window, { search: '-4' });
    expect(filtered.items.map((a) => a.name)).toEqual(['team-b-4']);
  });
});
