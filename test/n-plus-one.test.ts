/**
 * Nested connections are batched: the number of SQL statements a query runs depends on its
 * shape, never on how many rows it returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactsWithCollectionsDocument, CollectionsWithArtifactsDocument } from './operations/generated/graphql.js';
import { DIALECTS } from './support/databases.js';
import { graphqlOk } from './support/graphql.js';
import { addToCollection, createArtifact, createCollection, decodeGlobalId, type SeededArtifact } from './support/seed.js';
import { startTestServer, type TestServer } from './support/server.js';

describe.each(DIALECTS)('no N+1 on nested connections ($dialect)', ({ dialect, skip }) => {
  let server: TestServer;
  const collections: { id: string; name: string }[] = [];
  const artifacts: SeededArtifact[] = [];
  /** The ids of the artifacts each collection was created with. */
  const members = new Map<string, string[]>();
  const ownerIds: number[] = [];

  beforeAll(async () => {
    if (!skip) server = await startTestServer({ dialect });
  });
  afterAll(async () => server?.stop());

  /**
   * Zero-auth mode has one user, who owns everything created through the API; to see owners
   * batched, extra users are written straight to the database and artifacts handed to them.
   */
  async function addOwners(count: number): Promise<void> {
    const db = server.app.database.db;
    for (let i = 0; i < count; i++) {
      const at = new Date().toISOString();
      const n = ownerIds.length + 1;
      const row = await db
        .insertInto('users')
        .values({ subject: `owner-${n}`, name: `Owner ${n}`, email: null, role: 'TEAM_MEMBER', team_id: 'local', created_at: at, updated_at: at })
        .returning('id')
        .executeTakeFirstOrThrow();
      ownerIds.push(row.id);
    }
  }

  /** Gives artifact number i the owner i mod (owners + 1), the local user included. */
  async function spreadOwners(): Promise<void> {
    const db = server.app.database.db;
    for (const [i, artifact] of artifacts.entries()) {
      const ownerId = ownerIds[i % (ownerIds.length + 1)];
      if (ownerId === undefined) continue; // the local user keeps it
      const rowId = Number(decodeGlobalId(artifact.id).split(':')[1]);
      await db.updateTable('artifacts').set({ owner_id: ownerId }).where('id', '=', rowId).execute();
    }
  }

  /** Runs `tasks` ten at a time (row order does not matter here, only row counts). */
  async function inBatches(tasks: (() => Promise<unknown>)[]): Promise<void> {
    for (let i = 0; i < tasks.length; i += 10) await Promise.all(tasks.slice(i, i + 10).map((task) => task()));
  }

  /** `count` new collections, each created holding `perCollection` new artifacts. */
  async function seedCollections(count: number, perCollection: number): Promise<void> {
    const made = await Promise.all(
      Array.from({ length: count }, (_, c) => createCollection(server.url, { name: `Batch ${collections.length + c + 1}` })),
    );
    collections.push(...made);
    await inBatches(
      made.flatMap((collection) =>
        Array.from({ length: perCollection }, (_, a) => async () => {
          const artifact = await createArtifact(server.url, { name: `${collection.name} item ${a + 1}`, type: 'SKILL', collectionId: collection.id });
          artifacts.push(artifact);
          members.set(collection.id, [...(members.get(collection.id) ?? []), artifact.id]);
        }),
      ),
    );
  }

  /** Adds to each of the first 20 collections the 3 + 2 artifacts of the next two, so each holds 8. */
  async function growCollections(): Promise<void> {
    const first = collections.slice(0, 20);
    await inBatches(
      first.flatMap((collection, c) => {
        const next = members.get(first[(c + 1) % 20]!.id)!;
        const afterNext = members.get(first[(c + 2) % 20]!.id)!.slice(0, 2);
        return [...next, ...afterNext].map((artifactId) => () => addToCollection(server.url, collection.id, artifactId));
      }),
    );
  }

  /** The statements `run` executed, counted from a clean slate. */
  async function statementsOf(run: () => Promise<unknown>): Promise<string[]> {
    server.statements.length = 0;
    await run();
    return [...server.statements];
  }

  it.skipIf(skip)('collections → artifacts → owner runs the same few statements at any size', async () => {
    await seedCollections(20, 3);
    await addOwners(4);
    await spreadOwners();
    const small = await statementsOf(async () => {
      const { collections: page } = await graphqlOk(server.url, CollectionsWithArtifactsDocument, { first: 20, artifactsFirst: 10 });
      expect(page.edges).toHaveLength(20);
      expect(page.edges.map((e) => e.node.artifacts.edges.length)).toEqual(Array(20).fill(3));
      const owners = new Set(page.edges.flatMap((e) => e.node.artifacts.edges.map((a) => a.node.owner?.name)));
      expect(owners).toEqual(new Set(['Local admin', 'Owner 1', 'Owner 2', 'Owner 3', 'Owner 4']));
    });
    // Answered from rows (src/db/page-rows.ts): 1 the collections page, 2 the artifact pages
    // of all 20 collections with their owners joined (one statement), 3 their totalCounts (one
    // grouped count). Through the resolvers the owners are a fourth (one IN list).
    expect(small).toHaveLength(3);

    await growCollections();
    await seedCollections(10, 2);
    await addOwners(6);
    await spreadOwners();
    const bigger = await statementsOf(async () => {
      const { collections: page } = await graphqlOk(server.url, CollectionsWithArtifactsDocument, { first: 20, artifactsFirst: 10 });
      expect(page.edges.map((e) => e.node.artifacts.edges.length)).toEqual(Array(20).fill(8));
    });
    expect(bigger).toHaveLength(small.length);

    const wider = await statementsOf(async () => {
      const { collections: page } = await graphqlOk(server.url, CollectionsWithArtifactsDocument, { first: 30, artifactsFirst: 10 });
      expect(page.edges).toHaveLength(30);
      const owners = new Set(page.edges.flatMap((e) => e.node.artifacts.edges.map((a) => a.node.owner?.name)));
      expect(owners.size).toBe(11);
    });
    expect(wider).toHaveLength(small.length);
  });

  it.skipIf(skip)('artifacts → collections and owner runs the same few statements at any size', async () => {
    const run = (first: number) =>
      statementsOf(async () => {
        const { artifacts: page } = await graphqlOk(server.url, ArtifactsWithCollectionsDocument, { first, collectionsFirst: 10 });
        expect(page.edges).toHaveLength(first);
        expect(page.edges.every((e) => e.node.collections.totalCount >= 1 && e.node.owner !== null)).toBe(true);
        expect(page.edges.some((e) => e.node.collections.totalCount === 2)).toBe(true);
      });
    const small = await run(10);
    // Answered from rows: 1 the artifacts page with their owners joined, 2 the collection pages
    // of all of them (one statement), 3 their totalCounts (one grouped count).
    expect(small).toHaveLength(3);
    expect(await run(80)).toHaveLength(small.length);
  });
});
