import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArtifactCollectionsDocument,
  CollectionsWithArtifactsDocument,
  GetCollectionDocument,
  ListArtifactsDocument,
  type ArtifactFilter,
  type GetCollectionQuery,
  type ListArtifactsQuery,
} from './operations/generated/graphql.js';
import { DIALECTS } from './support/databases.js';
import { codes, graphql, graphqlOk } from './support/graphql.js';
import { addToCollection, createArtifact, createCollection, globalId, type SeededArtifact } from './support/seed.js';
import { startTestServer, type TestServer } from './support/server.js';

const TOTAL = 105;

describe.each(DIALECTS)('cursor pagination ($dialect)', ({ dialect, skip }) => {
  let server: TestServer;
  /** Every artifact, in creation (and so id) order; every fifth is a COMMAND. */
  let seeded: SeededArtifact[];
  const ids = (artifacts: { id: string }[]) => artifacts.map((a) => a.id);

  beforeAll(async () => {
    if (skip) return;
    server = await startTestServer({ dialect });
    seeded = [];
    for (let i = 1; i <= TOTAL; i++) {
      seeded.push(await createArtifact(server.url, { name: `Paged ${i}`, type: i % 5 === 0 ? 'COMMAND' : 'SKILL' }));
    }
  });
  afterAll(async () => server?.stop());

  /** Walks a filtered listing page by page; bounded, so a cursor that never advances fails the test. */
  async function walk(pageSize: number, filter?: ArtifactFilter) {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 50; page++) {
      const { artifacts }: ListArtifactsQuery = await graphqlOk(server.url, ListArtifactsDocument, { first: pageSize, after, filter });
      expect(artifacts.pageInfo.hasPreviousPage).toBe(after !== null);
      expect(artifacts.pageInfo.startCursor).toBe(artifacts.edges[0]?.cursor ?? null);
      expect(artifacts.pageInfo.endCursor).toBe(artifacts.edges.at(-1)?.cursor ?? null);
      seen.push(...artifacts.edges.map((e) => e.node.id));
      if (!artifacts.pageInfo.hasNextPage) return { seen, pages: page + 1, totalCount: artifacts.totalCount };
      after = artifacts.pageInfo.endCursor;
    }
    throw new Error('pagination did not end within 50 pages');
  }

  it.skipIf(skip)('without first, a page holds 20 items', async () => {
    const { artifacts } = await graphqlOk(server.url, ListArtifactsDocument, {});
    expect(ids(artifacts.edges.map((e) => e.node))).toEqual(ids(seeded.slice(0, 20)));
    expect(artifacts.totalCount).toBe(TOTAL);
    expect(artifacts.pageInfo).toEqual({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: artifacts.edges[0]!.cursor,
      endCursor: artifacts.edges[19]!.cursor,
    });
  });

  it.skipIf(skip)('first: 0 gives no edges, null cursors, and still knows more exist', async () => {
    const { artifacts } = await graphqlOk(server.url, ListArtifactsDocument, { first: 0 });
    expect(artifacts).toEqual({
      totalCount: TOTAL,
      edges: [],
      pageInfo: { hasNextPage: true, hasPreviousPage: false, startCursor: null, endCursor: null },
    });
  });

  it.skipIf(skip)('first: 100 is allowed, and the page after it holds the rest', async () => {
    const first = await graphqlOk(server.url, ListArtifactsDocument, { first: 100 });
    expect(first.artifacts.edges.map((e) => e.node.id)).toEqual(ids(seeded.slice(0, 100)));
    expect(first.artifacts.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });

    const rest = await graphqlOk(server.url, ListArtifactsDocument, { first: 100, after: first.artifacts.pageInfo.endCursor });
    expect(rest.artifacts.edges.map((e) => e.node.id)).toEqual(ids(seeded.slice(100)));
    expect(rest.artifacts.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(rest.artifacts.totalCount).toBe(TOTAL);
  });

  it.skipIf(skip)('first above 100 or below 0 is BAD_USER_INPUT', async () => {
    for (const first of [101, -1, 1000]) {
      const result = await graphql(server.url, ListArtifactsDocument, { first });
      expect(codes(result), `first: ${first}`).toEqual(['BAD_USER_INPUT']);
      expect(result.errors?.[0]?.path).toEqual(['artifacts']);
      expect(result.data).toBeNull();
    }
  });

  it.skipIf(skip)('walking every page with endCursor yields every item exactly once, in order', async () => {
    const { seen, pages, totalCount } = await walk(7);
    expect(seen).toEqual(ids(seeded));
    expect(new Set(seen).size).toBe(TOTAL);
    expect(pages).toBe(Math.ceil(TOTAL / 7));
    expect(totalCount).toBe(TOTAL);
  });

  it.skipIf(skip)('each edge cursor resumes right after its item', async () => {
    const { artifacts } = await graphqlOk(server.url, ListArtifactsDocument, { first: 10 });
    const middle = artifacts.edges[4]!;
    const resumed = await graphqlOk(server.url, ListArtifactsDocument, { first: 3, after: middle.cursor });
    expect(resumed.artifacts.edges.map((e) => e.node.id)).toEqual(ids(seeded.slice(5, 8)));
    expect(resumed.artifacts.edges.map((e) => e.cursor)).toEqual(artifacts.edges.slice(5, 8).map((e) => e.cursor));
  });

  it.skipIf(skip)('after the last item: an empty page with null cursors', async () => {
    const { artifacts: all } = await graphqlOk(server.url, ListArtifactsDocument, { first: 100, after: null });
    const rest = await graphqlOk(server.url, ListArtifactsDocument, { first: 100, after: all.pageInfo.endCursor });
    const { artifacts } = await graphqlOk(server.url, ListArtifactsDocument, { first: 10, after: rest.artifacts.pageInfo.endCursor });
    expect(artifacts).toEqual({
      totalCount: TOTAL,
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null },
    });
  });

  it.skipIf(skip)('an empty listing has an empty pageInfo and totalCount 0', async () => {
    const { artifacts } = await graphqlOk(server.url, ListArtifactsDocument, { filter: { search: 'matches nothing at all' } });
    expect(artifacts).toEqual({
      totalCount: 0,
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
    });
    const empty = await createCollection(server.url, { name: 'Empty' });
    const { collection } = await graphqlOk(server.url, GetCollectionDocument, { id: empty.id });
    expect(collection?.artifacts).toEqual({
      totalCount: 0,
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
    });
  });

  it.skipIf(skip)('a malformed cursor is BAD_USER_INPUT', async () => {
    const malformed = [
      'garbage',
      'not a cursor!',
      '',
      'x'.repeat(500),
      globalId('Artifact', 1),
      Buffer.from('c1:abc').toString('base64url'),
      Buffer.from('c1:-5').toString('base64url'),
    ];
    for (const after of malformed) {
      const result = await graphql(server.url, ListArtifactsDocument, { first: 5, after });
      expect(codes(result), `after: ${JSON.stringify(after)}`).toEqual(['BAD_USER_INPUT']);
      expect(result.data).toBeNull();
    }
  });

  it.skipIf(skip)('totalCount counts the whole filtered set, whatever the page', async () => {
    const commands = seeded.filter((_, i) => (i + 1) % 5 === 0);
    const firstPage = await graphqlOk(server.url, ListArtifactsDocument, { first: 5, filter: { type: 'COMMAND' } });
    expect(firstPage.artifacts.totalCount).toBe(commands.length);
    expect(firstPage.artifacts.edges.map((e) => e.node.id)).toEqual(ids(commands.slice(0, 5)));
    expect(firstPage.artifacts.pageInfo.hasNextPage).toBe(true);

    const { seen, totalCount } = await walk(4, { type: 'COMMAND' });
    expect(seen).toEqual(ids(commands));
    expect(totalCount).toBe(commands.length);

    const unfiltered = await graphqlOk(server.url, ListArtifactsDocument, { first: 1, after: firstPage.artifacts.pageInfo.endCursor });
    expect(unfiltered.artifacts.totalCount).toBe(TOTAL);
  });

  it.skipIf(skip)('Collection.artifacts pages with first/after', async () => {
    const collection = await createCollection(server.url, { name: 'Nested pages' });
    const members = seeded.filter((_, i) => i % 8 === 0); // 14 artifacts
    for (const artifact of members) await addToCollection(server.url, collection.id, artifact.id);

    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const result: GetCollectionQuery = await graphqlOk(server.url, GetCollectionDocument, { id: collection.id, first: 5, after });
      const connection = result.collection!.artifacts;
      expect(connection.totalCount).toBe(members.length);
      expect(connection.pageInfo.hasPreviousPage).toBe(after !== null);
      expect(connection.edges.length).toBe(Math.min(5, members.length - seen.length));
      seen.push(...connection.edges.map((e) => e.node.id));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual(ids(members));

    const tooMany = await graphql(server.url, GetCollectionDocument, { id: collection.id, first: 101 });
    expect(codes(tooMany)).toEqual(['BAD_USER_INPUT']);
    expect(tooMany.errors?.[0]?.path).toEqual(['collection', 'artifacts']);
    const badCursor = await graphql(server.url, GetCollectionDocument, { id: collection.id, first: 5, after: 'garbage' });
    expect(codes(badCursor)).toEqual(['BAD_USER_INPUT']);
  });

  it.skipIf(skip)('Artifact.collections pages with first/after', async () => {
    const artifact = await createArtifact(server.url, { name: 'In many collections', type: 'HOOK' });
    const collections = [];
    for (let i = 1; i <= 4; i++) {
      const collection = await createCollection(server.url, { name: `Holder ${i}` });
      await addToCollection(server.url, collection.id, artifact.id);
      collections.push(collection);
    }
    const first = await graphqlOk(server.url, ArtifactCollectionsDocument, { id: artifact.id, first: 3 });
    expect(first.artifact?.collections.edges.map((e) => e.node.id)).toEqual(ids(collections.slice(0, 3)));
    expect(first.artifact?.collections).toMatchObject({ totalCount: 4, pageInfo: { hasNextPage: true, hasPreviousPage: false } });

    const rest = await graphqlOk(server.url, ArtifactCollectionsDocument, {
      id: artifact.id,
      first: 3,
      after: first.artifact!.collections.pageInfo.endCursor,
    });
    expect(rest.artifact?.collections.edges.map((e) => e.node.id)).toEqual(ids(collections.slice(3)));
    expect(rest.artifact?.collections).toMatchObject({ totalCount: 4, pageInfo: { hasNextPage: false, hasPreviousPage: true } });
  });

  it.skipIf(skip)('nested pages are per parent when many parents are listed at once', async () => {
    const sizes = [0, 1, 3, 6];
    const made: { id: string; members: string[] }[] = [];
    let next = 0;
    for (const size of sizes) {
      const collection = await createCollection(server.url, { name: `Sized ${size}` });
      const members = seeded.slice(next, next + size).map((a) => a.id);
      next += size;
      for (const artifactId of members) await addToCollection(server.url, collection.id, artifactId);
      made.push({ id: collection.id, members });
    }
    const { collections } = await graphqlOk(server.url, CollectionsWithArtifactsDocument, { first: 100, artifactsFirst: 2 });
    for (const { id, members } of made) {
      const node = collections.edges.find((e) => e.node.id === id)?.node;
      expect(node?.artifacts.totalCount).toBe(members.length);
      expect(node?.artifacts.edges.map((e) => e.node.name)).toEqual(
        members.slice(0, 2).map((memberId) => seeded.find((a) => a.id === memberId)!.name),
      );
    }
  });
});
