/**
 * Nested pages loaded for many parents at once, straight against the data functions on both
 * databases: each parent gets exactly its own first children in id order, tenancy applied, the
 * cursor honoured, and the statements stay few when a batch holds more parents than one
 * statement takes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeViewer } from '../src/vocabulary/viewer.js';
import type { Database } from '../src/db/database.js';
import { artifactsOfCollections, collectionsOfArtifacts } from '../src/db/membership.js';
import { createTestDatabase, DIALECTS, openMigrated, type TestDatabase } from './support/databases.js';

const COLLECTIONS = 150;
const ARTIFACTS = 40;
const teamA = makeViewer({ role: 'TEAM_MEMBER', teamId: 'team-a', authMethod: 'JWT', userId: null });
const admin = makeViewer({ role: 'SYSTEM_ADMIN', teamId: null, authMethod: 'ENTERPRISE_PAT', userId: null });

describe.each(DIALECTS)('nested pages for many parents ($dialect)', ({ dialect, skip }) => {
  let testDatabase: TestDatabase;
  let database: Database;
  const statements: string[] = [];
  /** collection id → its artifact ids, ascending; artifact id → its collection ids. */
  const members = new Map<number, number[]>();
  const containers = new Map<number, number[]>();
  const artifactVisibility = new Map<number, { visibility: string; team: string }>();
  const collectionIds: number[] = [];

  beforeAll(async () => {
    if (skip) return;
    testDatabase = await createTestDatabase(dialect);
    database = await openMigrated(testDatabase, { onQuery: (sql) => statements.push(sql) });
    const at = new Date().toISOString();
    const artifactIds: number[] = [];
    for (let i = 0; i < ARTIFACTS; i++) {
      const visibility = i % 3 === 0 ? 'TEAM' : 'PUBLIC';
      const team = i % 2 === 0 ? 'team-a' : 'team-b';
      const row = await database.db
        .insertInto('artifacts')
        .values({ name: `a${i}`, type: 'SKILL', description: null, tags: '[]', visibility, team_id: team, owner_id: null, created_at: at, updated_at: at })
        .returning('id')
        .executeTakeFirstOrThrow();
      artifactIds.push(row.id);
      artifactVisibility.set(row.id, { visibility, team });
    }
    for (let c = 0; c < COLLECTIONS; c++) {
      const row = await database.db
        .insertInto('collections')
        .values({ name: `c${c}`, description: null, visibility: 'PUBLIC', team_id: 'team-a', owner_id: null, created_at: at, updated_at: at })
        .returning('id')
        .executeTakeFirstOrThrow();
      collectionIds.push(row.id);
      // Collection c holds every artifact whose index is ≡ 0, 1 or c (mod 7), inserted in reverse.
      const chosen = artifactIds.filter((_, i) => i % 7 === 0 || i % 7 === 1 || i % 7 === c % 7).reverse();
      await database.db
        .insertInto('collection_artifacts')
        .values(chosen.map((artifact_id) => ({ collection_id: row.id, artifact_id, created_at: at })))
        .execute();
      members.set(row.id, [...chosen].sort((a, b) => a - b));
      for (const a of chosen) containers.set(a, [...(containers.get(a) ?? []), row.id]);
    }
  });
  afterAll(async () => {
    await database?.close();
    await testDatabase?.drop();
  });

  const readable = (id: number) => {
    const a = artifactVisibility.get(id)!;
    return a.visibility === 'PUBLIC' || a.team === 'team-a';
  };

  it.skipIf(skip)('gives each of 150 collections its own first artifacts, visible ones only, in id order', async () => {
    statements.length = 0;
    const pages = await artifactsOfCollections(database.db, teamA, collectionIds, { limit: 3, afterId: null });
    // 150 parents: two statements of at most 100 subqueries each.
    expect(statements).toHaveLength(2);
    for (const id of collectionIds) {
      const visible = members.get(id)!.filter(readable);
      const page = pages.get(id)!;
      expect(page.items.map((a) => a.id)).toEqual(visible.slice(0, 3));
      expect(page.hasNextPage).toBe(visible.length > 3);
    }
  });

  it.skipIf(skip)('honours the cursor, and one statement serves up to 100 parents', async () => {
    const some = collectionIds.slice(0, 100);
    const after = members.get(some[0]!)![4]!;
    statements.length = 0;
    const pages = await artifactsOfCollections(database.db, admin, some, { limit: 5, afterId: after });
    expect(statements).toHaveLength(1);
    for (const id of some) {
      const rest = members.get(id)!.filter((a) => a > after);
      expect(pages.get(id)!.items.map((a) => a.id)).toEqual(rest.slice(0, 5));
      expect(pages.get(id)!.hasPreviousPage).toBe(true);
    }
  });

  it.skipIf(skip)('gives each artifact its own first collections', async () => {
    const artifactIds = [...containers.keys()];
    const pages = await collectionsOfArtifacts(database.db, teamA, artifactIds, { limit: 4, afterId: null });
    for (const id of artifactIds) {
      const all = [...containers.get(id)!].sort((a, b) => a - b);
      expect(pages.get(id)!.items.map((c) => c.id)).toEqual(all.slice(0, 4));
      expect(pages.get(id)!.hasNextPage).toBe(all.length > 4);
    }
  });
});
