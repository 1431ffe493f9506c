import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddArtifactToCollectionDocument,
  ArtifactCollectionsDocument,
  CreateArtifactDocument,
  GetCollectionDocument,
  ListArtifactsDocument,
  ListCollectionsDocument,
  NodeDocument,
  RemoveArtifactFromCollectionDocument,
  UpdateCollectionDocument,
} from './operations/generated/graphql.js';
import { DIALECTS } from './support/databases.js';
import { codes, graphql, graphqlOk } from './support/graphql.js';
import { addToCollection, createArtifact, createCollection, decodeGlobalId, globalId } from './support/seed.js';
import { startTestServer, type TestServer } from './support/server.js';

const MISSING_COLLECTION = globalId('Collection', 987654);
const MISSING_ARTIFACT = globalId('Artifact', 987654);

describe.each(DIALECTS)('collections and membership ($dialect)', ({ dialect, skip }) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!skip) server = await startTestServer({ dialect });
  });
  afterAll(async () => server?.stop());

  const artifactIdsOf = async (collectionId: string) => {
    const { collection } = await graphqlOk(server.url, GetCollectionDocument, { id: collectionId, first: 100 });
    return { totalCount: collection?.artifacts.totalCount, ids: collection?.artifacts.edges.map((e) => e.node.id) };
  };
  const collectionIdsOf = async (artifactId: string) => {
    const { artifact } = await graphqlOk(server.url, ArtifactCollectionsDocument, { id: artifactId, first: 100 });
    return { totalCount: artifact?.collections.totalCount, ids: artifact?.collections.edges.map((e) => e.node.id) };
  };

  it.skipIf(skip)('createCollection stores its fields, with TEAM visibility and team local by default', async () => {
    const plain = await createCollection(server.url, { name: '  Starter kit  ' });
    expect(plain).toMatchObject({ name: 'Starter kit', description: null, visibility: 'TEAM', teamId: 'local' });
    expect(decodeGlobalId(plain.id)).toMatch(/^Collection:[1-9]\d*$/);

    const full = await createCollection(server.url, { name: 'Public kit', description: 'For everyone.', visibility: 'PUBLIC' });
    expect(full).toMatchObject({ name: 'Public kit', description: 'For everyone.', visibility: 'PUBLIC', teamId: 'local' });

    const { collection } = await graphqlOk(server.url, GetCollectionDocument, { id: full.id });
    expect(collection).toMatchObject({ ...full, artifacts: { totalCount: 0, edges: [] } });
    const { collections } = await graphqlOk(server.url, ListCollectionsDocument, { first: 100 });
    expect(collections.edges.map((e) => e.node.id)).toEqual(expect.arrayContaining([plain.id, full.id]));
  });

  it.skipIf(skip)('updateCollection changes only what is given; an explicit null description clears it', async () => {
    const created = await createCollection(server.url, { name: 'Draft', description: 'Work in progress.' });
    const renamed = await graphqlOk(server.url, UpdateCollectionDocument, { input: { id: created.id, name: ' Final ' } });
    expect(renamed.updateCollection.collection).toEqual({ ...created, name: 'Final' });

    const published = await graphqlOk(server.url, UpdateCollectionDocument, { input: { id: created.id, visibility: 'PUBLIC' } });
    expect(published.updateCollection.collection).toMatchObject({ name: 'Final', description: 'Work in progress.', visibility: 'PUBLIC' });

    const cleared = await graphqlOk(server.url, UpdateCollectionDocument, { input: { id: created.id, description: null } });
    expect(cleared.updateCollection.collection).toMatchObject({ name: 'Final', description: null, visibility: 'PUBLIC' });
    expect((await graphqlOk(server.url, NodeDocument, { id: created.id })).node).toMatchObject({ name: 'Final', visibility: 'PUBLIC' });
  });

  it.skipIf(skip)('addArtifactToCollection is idempotent: adding twice keeps one membership', async () => {
    const collection = await createCollection(server.url, { name: 'Twice' });
    const artifact = await createArtifact(server.url, { name: 'Added twice', type: 'SKILL' });
    for (let i = 0; i < 2; i++) {
      const { addArtifactToCollection } = await graphqlOk(server.url, AddArtifactToCollectionDocument, {
        input: { collectionId: collection.id, artifactId: artifact.id },
      });
      expect(addArtifactToCollection.collection).toEqual({
        id: collection.id,
        artifacts: { totalCount: 1, edges: [{ node: { id: artifact.id } }] },
      });
    }
    expect(await artifactIdsOf(collection.id)).toEqual({ totalCount: 1, ids: [artifact.id] });
    expect(await collectionIdsOf(artifact.id)).toEqual({ totalCount: 1, ids: [collection.id] });
  });

  it.skipIf(skip)('removeArtifactFromCollection is idempotent and leaves the artifact itself alone', async () => {
    const collection = await createCollection(server.url, { name: 'Shrinking' });
    const stays = await createArtifact(server.url, { name: 'Stays', type: 'SKILL', collectionId: collection.id });
    const leaves = await createArtifact(server.url, { name: 'Leaves', type: 'AGENT', collectionId: collection.id });
    for (let i = 0; i < 2; i++) {
      const { removeArtifactFromCollection } = await graphqlOk(server.url, RemoveArtifactFromCollectionDocument, {
        input: { collectionId: collection.id, artifactId: leaves.id },
      });
      expect(removeArtifactFromCollection.collection).toEqual({
        id: collection.id,
        artifacts: { totalCount: 1, edges: [{ node: { id: stays.id } }] },
      });
    }
    expect(await collectionIdsOf(leaves.id)).toEqual({ totalCount: 0, ids: [] });
    expect((await graphqlOk(server.url, NodeDocument, { id: leaves.id })).node).toMatchObject({ name: 'Leaves' });
  });

  it.skipIf(skip)('createArtifact with collectionId puts it in that collection', async () => {
    const collection = await createCollection(server.url, { name: 'Born here' });
    const { createArtifact: created } = await graphqlOk(server.url, CreateArtifactDocument, {
      input: { name: 'Born in a collection', type: 'MCP', collectionId: collection.id },
    });
    expect(await artifactIdsOf(collection.id)).toEqual({ totalCount: 1, ids: [created.artifact.id] });
    expect(await collectionIdsOf(created.artifact.id)).toEqual({ totalCount: 1, ids: [collection.id] });
  });

  it.skipIf(skip)('Collection.artifacts and Artifact.collections agree in both directions, in id order', async () => {
    const collections = [];
    for (const name of ['Many A', 'Many B', 'Many C']) collections.push(await createCollection(server.url, { name }));
    const artifacts = [];
    for (const name of ['Member 1', 'Member 2', 'Member 3', 'Member 4']) {
      artifacts.push(await createArtifact(server.url, { name, type: 'COMMAND' }));
    }
    const [a, b, c] = collections.map((x) => x.id) as [string, string, string];
    const [m1, m2, m3, m4] = artifacts.map((x) => x.id) as [string, string, string, string];
    // Added out of order: listings still come back in id order.
    for (const [collectionId, artifactId] of [
      [a, m4], [a, m1], [a, m3], [a, m2],
      [c, m1], [b, m1],
      [b, m2],
    ] as const) {
      await addToCollection(server.url, collectionId, artifactId);
    }

    expect(await artifactIdsOf(a)).toEqual({ totalCount: 4, ids: [m1, m2, m3, m4] });
    expect(await artifactIdsOf(b)).toEqual({ totalCount: 2, ids: [m1, m2] });
    expect(await artifactIdsOf(c)).toEqual({ totalCount: 1, ids: [m1] });
    expect(await collectionIdsOf(m1)).toEqual({ totalCount: 3, ids: [a, b, c] });
    expect(await collectionIdsOf(m2)).toEqual({ totalCount: 2, ids: [a, b] });
    expect(await collectionIdsOf(m3)).toEqual({ totalCount: 1, ids: [a] });
    expect(await collectionIdsOf(m4)).toEqual({ totalCount: 1, ids: [a] });
  });

  it.skipIf(skip)('updateCollection of an id that names nothing is NOT_FOUND', async () => {
    const result = await graphql(server.url, UpdateCollectionDocument, { input: { id: MISSING_COLLECTION, name: 'x' } });
    expect(codes(result)).toEqual(['NOT_FOUND']);
    expect(result.errors?.[0]?.path).toEqual(['updateCollection']);
    expect(result.data).toBeNull();
  });

  it.skipIf(skip)('addArtifactToCollection with an unknown collection or artifact is NOT_FOUND and adds nothing', async () => {
    const collection = await createCollection(server.url, { name: 'Untouched' });
    const artifact = await createArtifact(server.url, { name: 'Loose', type: 'SKILL' });

    const noCollection = await graphql(server.url, AddArtifactToCollectionDocument, {
      input: { collectionId: MISSING_COLLECTION, artifactId: artifact.id },
    });
    expect(codes(noCollection)).toEqual(['NOT_FOUND']);
    expect(noCollection.errors?.[0]?.message).toContain(MISSING_COLLECTION);
    expect(noCollection.data).toBeNull();

    const noArtifact = await graphql(server.url, AddArtifactToCollectionDocument, {
      input: { collectionId: collection.id, artifactId: MISSING_ARTIFACT },
    });
    expect(codes(noArtifact)).toEqual(['NOT_FOUND']);
    expect(noArtifact.errors?.[0]?.message).toContain(MISSING_ARTIFACT);

    expect(await artifactIdsOf(collection.id)).toEqual({ totalCount: 0, ids: [] });
    expect(await collectionIdsOf(artifact.id)).toEqual({ totalCount: 0, ids: [] });
  });

  it.skipIf(skip)('removeArtifactFromCollection with an unknown collection is NOT_FOUND', async () => {
    const artifact = await createArtifact(server.url, { name: 'Never a member', type: 'SKILL' });
    const noCollection = await graphql(server.url, RemoveArtifactFromCollectionDocument, {
      input: { collectionId: MISSING_COLLECTION, artifactId: artifact.id },
    });
    expect(codes(noCollection)).toEqual(['NOT_FOUND']);
    expect(noCollection.errors?.[0]?.message).toContain(MISSING_COLLECTION);
    expect(noCollection.data).toBeNull();
  });

  it.skipIf(skip)('removeArtifactFromCollection with an unknown artifact is NOT_FOUND', async () => {
    const collection = await createCollection(server.url, { name: 'Remove target' });
    const member = await createArtifact(server.url, { name: 'Member', type: 'SKILL', collectionId: collection.id });
    // The contract: NOT_FOUND where a mutation names an id the caller cannot see. (Removing an
    // artifact that exists but is not a member is the idempotent no-op tested above.)
    const noArtifact = await graphql(server.url, RemoveArtifactFromCollectionDocument, {
      input: { collectionId: collection.id, artifactId: MISSING_ARTIFACT },
    });
    expect(codes(noArtifact)).toEqual(['NOT_FOUND']);
    expect(noArtifact.errors?.[0]?.message).toContain(MISSING_ARTIFACT);
    expect(await artifactIdsOf(collection.id)).toEqual({ totalCount: 1, ids: [member.id] });
  });

  it.skipIf(skip)('createArtifact with an unknown collectionId is NOT_FOUND and creates no artifact', async () => {
    const before = (await graphqlOk(server.url, ListArtifactsDocument, { first: 0 })).artifacts.totalCount;
    const result = await graphql(server.url, CreateArtifactDocument, {
      input: { name: 'Orphan', type: 'SKILL', collectionId: MISSING_COLLECTION },
    });
    expect(codes(result)).toEqual(['NOT_FOUND']);
    expect(result.data).toBeNull();
    const after = await graphqlOk(server.url, ListArtifactsDocument, { first: 0, filter: { search: 'Orphan' } });
    expect(after.artifacts.totalCount).toBe(0);
    expect((await graphqlOk(server.url, ListArtifactsDocument, { first: 0 })).artifacts.totalCount).toBe(before);
  });

  it.skipIf(skip)('ids of the wrong type in membership inputs are BAD_USER_INPUT naming the field', async () => {
    const collection = await createCollection(server.url, { name: 'Typed ids' });
    const artifact = await createArtifact(server.url, { name: 'Typed artifact', type: 'SKILL' });
    const swapped = await graphql(server.url, AddArtifactToCollectionDocument, {
      input: { collectionId: artifact.id, artifactId: collection.id },
    });
    expect(codes(swapped)).toEqual(['BAD_USER_INPUT']);
    expect(swapped.errors?.[0]?.extensions?.field).toBe('collectionId');

    const wrongArtifact = await graphql(server.url, RemoveArtifactFromCollectionDocument, {
      input: { collectionId: collection.id, artifactId: collection.id },
    });
    expect(codes(wrongArtifact)).toEqual(['BAD_USER_INPUT']);
    expect(wrongArtifact.errors?.[0]?.extensions?.field).toBe('artifactId');

    const wrongCollection = await graphql(server.url, CreateArtifactDocument, {
      input: { name: 'x', type: 'SKILL', collectionId: artifact.id },
    });
    expect(codes(wrongCollection)).toEqual(['BAD_USER_INPUT']);
    expect(wrongCollection.errors?.[0]?.extensions?.field).toBe('collectionId');
  });
});
