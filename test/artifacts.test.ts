import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArtifactCollectionsDocument,
  DeleteArtifactDocument,
  GetArtifactDocument,
  GetCollectionDocument,
  ListArtifactsDocument,
  MeDocument,
  NodeDocument,
  UpdateArtifactDocument,
} from './operations/generated/graphql.js';
import { DIALECTS } from './support/databases.js';
import { codes, graphql, graphqlOk } from './support/graphql.js';
import { createArtifact, createCollection, decodeGlobalId, globalId } from './support/seed.js';
import { startTestServer, type TestServer } from './support/server.js';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

describe.each(DIALECTS)('artifacts ($dialect)', ({ dialect, skip }) => {
  let server: TestServer;
  let localUserId: string;
  beforeAll(async () => {
    if (skip) return;
    server = await startTestServer({ dialect });
    const { me } = await graphqlOk(server.url, MeDocument);
    localUserId = me.user!.id;
  });
  afterAll(async () => server?.stop());

  it.skipIf(skip)('createArtifact stores every field and answers with them', async () => {
    const artifact = await createArtifact(server.url, {
      name: 'PDF reader',
      type: 'MCP',
      description: 'Reads PDF files.',
      tags: ['pdf', 'files'],
      visibility: 'PUBLIC',
    });
    expect(artifact).toMatchObject({
      name: 'PDF reader',
      type: 'MCP',
      description: 'Reads PDF files.',
      tags: ['pdf', 'files'],
      visibility: 'PUBLIC',
      teamId: 'local',
      owner: { id: localUserId, name: 'Local admin' },
    });
    expect(decodeGlobalId(artifact.id)).toMatch(/^Artifact:[1-9]\d*$/);
    expect(artifact.createdAt).toMatch(ISO_UTC);
    expect(artifact.updatedAt).toBe(artifact.createdAt);

    const { artifact: read } = await graphqlOk(server.url, GetArtifactDocument, { id: artifact.id });
    expect(read).toEqual(artifact);
  });

  it.skipIf(skip)('createArtifact defaults: TEAM visibility, team local, the local user as owner, no tags', async () => {
    const artifact = await createArtifact(server.url, { name: 'Minimal', type: 'HOOK' });
    expect(artifact).toMatchObject({
      name: 'Minimal',
      type: 'HOOK',
      description: null,
      tags: [],
      visibility: 'TEAM',
      teamId: 'local',
      owner: { id: localUserId },
    });
  });

  it.skipIf(skip)('createArtifact trims the name and trims and de-duplicates tags, keeping their order', async () => {
    const artifact = await createArtifact(server.url, {
      name: '  Padded name  ',
      type: 'SKILL',
      tags: [' beta ', 'alpha', 'beta', 'alpha ', 'gamma'],
    });
    expect(artifact.name).toBe('Padded name');
    expect(artifact.tags).toEqual(['beta', 'alpha', 'gamma']);
  });

  it.skipIf(skip)('artifact(id) of a well-formed id that names nothing is null, without an error', async () => {
    const result = await graphql(server.url, GetArtifactDocument, { id: globalId('Artifact', 987654) });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ artifact: null });
  });

  it.skipIf(skip)('updateArtifact changes only the fields given and moves updatedAt', async () => {
    const created = await createArtifact(server.url, {
      name: 'Before',
      type: 'AGENT',
      description: 'Kept.',
      tags: ['one', 'two'],
      visibility: 'TEAM',
    });
    await sleep(5); // timestamps have millisecond resolution
    const { updateArtifact } = await graphqlOk(server.url, UpdateArtifactDocument, { input: { id: created.id, name: 'After' } });
    expect(updateArtifact.artifact).toMatchObject({
      id: created.id,
      name: 'After',
      type: 'AGENT',
      description: 'Kept.',
      tags: ['one', 'two'],
      visibility: 'TEAM',
      createdAt: created.createdAt,
    });
    expect(updateArtifact.artifact.updatedAt > created.updatedAt).toBe(true);

    const { artifact } = await graphqlOk(server.url, GetArtifactDocument, { id: created.id });
    expect(artifact).toEqual(updateArtifact.artifact);
  });

  it.skipIf(skip)('updateArtifact: an explicit null description clears it, an omitted one keeps it', async () => {
    const created = await createArtifact(server.url, { name: 'Described', type: 'SKILL', description: 'Some text.' });
    const kept = await graphqlOk(server.url, UpdateArtifactDocument, { input: { id: created.id, visibility: 'PUBLIC' } });
    expect(kept.updateArtifact.artifact).toMatchObject({ description: 'Some text.', visibility: 'PUBLIC' });

    const cleared = await graphqlOk(server.url, UpdateArtifactDocument, { input: { id: created.id, description: null } });
    expect(cleared.updateArtifact.artifact).toMatchObject({ description: null, visibility: 'PUBLIC', name: 'Described' });
    const { artifact } = await graphqlOk(server.url, GetArtifactDocument, { id: created.id });
    expect(artifact?.description).toBeNull();
  });

  it.skipIf(skip)('updateArtifact replaces the tags, and the tag filter follows', async () => {
    const created = await createArtifact(server.url, { name: 'Retagged', type: 'COMMAND', tags: ['old-tag', 'shared-tag'] });
    const { updateArtifact } = await graphqlOk(server.url, UpdateArtifactDocument, {
      input: { id: created.id, tags: ['new-tag', ' new-tag ', 'shared-tag'] },
    });
    expect(updateArtifact.artifact.tags).toEqual(['new-tag', 'shared-tag']);

    const ids = async (tag: string) =>
      (await graphqlOk(server.url, ListArtifactsDocument, { first: 100, filter: { tag } })).artifacts.edges.map((e) => e.node.id);
    expect(await ids('old-tag')).not.toContain(created.id);
    expect(await ids('new-tag')).toEqual([created.id]);
    expect(await ids('shared-tag')).toEqual([created.id]);

    const emptied = await graphqlOk(server.url, UpdateArtifactDocument, { input: { id: created.id, tags: [] } });
    expect(emptied.updateArtifact.artifact.tags).toEqual([]);
    expect(await ids('shared-tag')).toEqual([]);
  });

  it.skipIf(skip)('updateArtifact of an id that names nothing is NOT_FOUND', async () => {
    const result = await graphql(server.url, UpdateArtifactDocument, { input: { id: globalId('Artifact', 987654), name: 'x' } });
    expect(codes(result)).toEqual(['NOT_FOUND']);
    expect(result.errors?.[0]?.path).toEqual(['updateArtifact']);
    expect(result.data).toBeNull();
  });

  it.skipIf(skip)('deleteArtifact removes it everywhere; a second delete is NOT_FOUND', async () => {
    const collection = await createCollection(server.url, { name: 'Holds the doomed one' });
    const doomed = await createArtifact(server.url, { name: 'Doomed', type: 'SKILL', tags: ['doomed'], collectionId: collection.id });
    const before = await graphqlOk(server.url, GetCollectionDocument, { id: collection.id, first: 10 });
    expect(before.collection?.artifacts.totalCount).toBe(1);

    const { deleteArtifact } = await graphqlOk(server.url, DeleteArtifactDocument, { input: { id: doomed.id } });
    expect(deleteArtifact.deletedArtifactId).toBe(doomed.id);

    expect((await graphqlOk(server.url, GetArtifactDocument, { id: doomed.id })).artifact).toBeNull();
    expect((await graphqlOk(server.url, NodeDocument, { id: doomed.id })).node).toBeNull();
    expect((await graphqlOk(server.url, ArtifactCollectionsDocument, { id: doomed.id })).artifact).toBeNull();
    const after = await graphqlOk(server.url, GetCollectionDocument, { id: collection.id, first: 10 });
    expect(after.collection?.artifacts).toMatchObject({ totalCount: 0, edges: [] });
    const tagged = await graphqlOk(server.url, ListArtifactsDocument, { filter: { tag: 'doomed' } });
    expect(tagged.artifacts).toMatchObject({ totalCount: 0, edges: [] });

    const again = await graphql(server.url, DeleteArtifactDocument, { input: { id: doomed.id } });
    expect(codes(again)).toEqual(['NOT_FOUND']);
    expect(again.data).toBeNull();
    const update = await graphql(server.url, UpdateArtifactDocument, { input: { id: doomed.id, name: 'Revived' } });
    expect(codes(update)).toEqual(['NOT_FOUND']);
  });

  it.skipIf(skip)('a failed delete changes nothing', async () => {
    const kept = await createArtifact(server.url, { name: 'Survivor', type: 'SKILL' });
    const result = await graphql(server.url, DeleteArtifactDocument, { input: { id: globalId('Artifact', 987654) } });
    expect(codes(result)).toEqual(['NOT_FOUND']);
    expect((await graphqlOk(server.url, GetArtifactDocument, { id: kept.id })).artifact?.name).toBe('Survivor');
  });

  it.skipIf(skip)('node(id) resolves an Artifact, a Collection and a User through ... on fragments', async () => {
    const artifact = await createArtifact(server.url, { name: 'Node artifact', type: 'COMMAND' });
    const collection = await createCollection(server.url, { name: 'Node collection', visibility: 'PUBLIC' });

    expect((await graphqlOk(server.url, NodeDocument, { id: artifact.id })).node).toEqual({
      __typename: 'Artifact',
      id: artifact.id,
      name: 'Node artifact',
      type: 'COMMAND',
    });
    expect((await graphqlOk(server.url, NodeDocument, { id: collection.id })).node).toEqual({
      __typename: 'Collection',
      id: collection.id,
      name: 'Node collection',
      visibility: 'PUBLIC',
    });
    expect((await graphqlOk(server.url, NodeDocument, { id: localUserId })).node).toEqual({
      __typename: 'User',
      id: localUserId,
      userName: 'Local admin',
      role: 'LOCAL_ADMIN',
      teamId: 'local',
    });
  });

  it.skipIf(skip)('node(id) of well-formed ids that name nothing is null, without an error', async () => {
    for (const type of ['Artifact', 'Collection', 'User']) {
      const result = await graphql(server.url, NodeDocument, { id: globalId(type, 987654) });
      expect(result.errors).toBeUndefined();
      expect(result.data).toEqual({ node: null });
    }
  });
});
