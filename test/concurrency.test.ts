/**
 * Many clients at once: 200 concurrent createArtifact lose no write and never surface
 * SQLITE_BUSY / "database is locked"; concurrent reads and writes all succeed. On a SQLite file,
 * and on PostgreSQL when TEST_DATABASE_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ProcArtifactDocument,
  ProcArtifactPageDocument,
  ProcCollectionArtifactsDocument,
  ProcCreateArtifactDocument,
  ProcCreateCollectionDocument,
  type ProcArtifactPageQuery,
  type ProcCreateArtifactMutation,
} from './operations/generated/graphql.js';
import { DIALECTS } from './support/databases.js';
import { graphql, graphqlOk, type GraphQLResponse } from './support/graphql.js';
import { startTestServer, type TestServer } from './support/server.js';

const LOCKED = /SQLITE_BUSY|database is locked/i;

/** Every id of the artifacts connection (filtered), page by page. */
async function allArtifactIds(url: string, filter: { tag?: string } = {}): Promise<{ ids: string[]; totalCount: number }> {
  const ids: string[] = [];
  let after: string | null = null;
  let totalCount = 0;
  for (;;) {
    const page: ProcArtifactPageQuery = await graphqlOk(url, ProcArtifactPageDocument, { first: 100, after, filter });
    totalCount = page.artifacts.totalCount;
    ids.push(...page.artifacts.edges.map((e) => e.node.id));
    if (!page.artifacts.pageInfo.hasNextPage) return { ids, totalCount };
    after = page.artifacts.pageInfo.endCursor ?? null;
  }
}

function expectAllOk(results: GraphQLResponse<unknown>[]): void {
  const failures = results.filter((r) => r.status !== 200 || r.errors !== undefined || r.data == null);
  expect(JSON.stringify(failures.slice(0, 3))).not.toMatch(LOCKED);
  expect(failures).toEqual([]);
}

describe.each(DIALECTS)('concurrent requests ($dialect)', ({ dialect, skip }) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!skip) server = await startTestServer({ dialect });
  });
  afterAll(async () => server?.stop());

  it.skipIf(skip)('200 concurrent createArtifact: all succeed, none lost, ids distinct', async () => {
    const { createCollection } = await graphqlOk(server.url, ProcCreateCollectionDocument, { input: { name: 'Burst' } });
    const collectionId = createCollection.collection.id;
    // Half of them also join a collection: two tables and a link row in one transaction each.
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        graphql(server.url, ProcCreateArtifactDocument, {
          input: {
            name: `burst ${i}`,
            type: 'SKILL',
            tags: ['burst', `n${i}`],
            ...(i % 2 === 0 ? { collectionId } : {}),
          },
        }),
      ),
    );
    expectAllOk(results);
    const created = results.map((r) => r.data!.createArtifact.artifact);
    expect(new Set(created.map((a) => a.id)).size).toBe(200);
    expect(created.map((a) => a.name).sort()).toEqual(Array.from({ length: 200 }, (_, i) => `burst ${i}`).sort());

    const listed = await allArtifactIds(server.url, { tag: 'burst' });
    expect(listed.totalCount).toBe(200);
    expect(listed.ids).toHaveLength(200);
    expect(new Set(listed.ids)).toEqual(new Set(created.map((a) => a.id)));
    expect((await graphqlOk(server.url, ProcArtifactPageDocument, { first: 0 })).artifacts.totalCount).toBe(200);

    const inCollection = await graphqlOk(server.url, ProcCollectionArtifactsDocument, { id: collectionId, first: 100 });
    expect(inCollection.collection?.artifacts.totalCount).toBe(100);
    expect(new Set(inCollection.collection?.artifacts.edges.map((e) => e.node.id))).toEqual(
      new Set(created.filter((_, i) => i % 2 === 0).map((a) => a.id)),
    );
  });

  it.skipIf(skip)('50 concurrent mixed reads and writes all succeed', async () => {
    const seeded: ProcCreateArtifactMutation['createArtifact']['artifact'][] = [];
    for (let i = 0; i < 5; i++) {
      seeded.push((await graphqlOk(server.url, ProcCreateArtifactDocument, { input: { name: `mixed seed ${i}`, type: 'AGENT', tags: ['mixed'] } }))
        .createArtifact.artifact);
    }
    const operations = Array.from({ length: 50 }, (_, i) => {
      switch (i % 3) {
        case 0:
          return graphql(server.url, ProcCreateArtifactDocument, { input: { name: `mixed ${i}`, type: 'COMMAND', tags: ['mixed'] } });
        case 1:
          return graphql(server.url, ProcArtifactPageDocument, { first: 100, filter: { tag: 'mixed' } });
        default:
          return graphql(server.url, ProcArtifactDocument, { id: seeded[i % seeded.length]!.id });
      }
    });
    const results: GraphQLResponse<unknown>[] = await Promise.all(operations);
    expectAllOk(results);
    const writes = results.filter((_, i) => i % 3 === 0).length;
    for (const [i, result] of results.entries()) {
      if (i % 3 === 1) {
        const { artifacts } = result.data as ProcArtifactPageQuery;
        // A read sees the seed and some of the writes, each write whole (with its tags). The
        // count is a statement of its own, so under concurrent writes it need not equal the
        // number of edges (on PostgreSQL it does not, read-committed); both stay in bounds.
        for (const n of [artifacts.totalCount, artifacts.edges.length]) {
          expect(n).toBeGreaterThanOrEqual(seeded.length);
          expect(n).toBeLessThanOrEqual(seeded.length + writes);
        }
        expect(new Set(artifacts.edges.map((e) => e.node.id)).size).toBe(artifacts.edges.length);
        for (const edge of artifacts.edges) expect(edge.node.tags).toEqual(['mixed']);
      }
    }
    const after = await allArtifactIds(server.url, { tag: 'mixed' });
    expect(after.totalCount).toBe(seeded.length + writes);
    expect(new Set(after.ids).size).toBe(seeded.length + writes);
  });
});
