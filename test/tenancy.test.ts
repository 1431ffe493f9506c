/**
 * Tenancy: two teams and a viewer, over every read path (artifact, node, lists, filters,
 * totalCount, nested connections in both directions, owner, users) and every mutation.
 *
 * team-a: alice (TEAM_MEMBER), adam (TEAM_ADMIN), vic (VIEWER); team-b: bob (TEAM_MEMBER),
 * bea (TEAM_ADMIN); and a SYSTEM_ADMIN (the Enterprise PAT). Alice makes A-private (TEAM),
 * A-public (PUBLIC), CA-private (TEAM) and CA-public (PUBLIC), each collection holding both
 * artifacts; bob makes B-private, B-public and CB-public (PUBLIC) holding B-private and A-public.
 * Every fixture shares the tag `shared` and the word `fixture`, so a filter that forgot tenancy
 * would match the other team's TEAM resources too.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TenAddArtifactToCollectionDocument,
  TenArtifactCollectionsDocument,
  TenArtifactDocument,
  TenArtifactOwnerDocument,
  TenArtifactOwnerEmailDocument,
  TenArtifactsDocument,
  TenCollectionDocument,
  TenCollectionsDocument,
  TenCreateArtifactDocument,
  TenCreateCollectionDocument,
  TenDeleteArtifactDocument,
  TenEverythingDocument,
  TenMeDocument,
  TenNodeDocument,
  TenRemoveArtifactFromCollectionDocument,
  TenUpdateArtifactDocument,
  TenUpdateCollectionDocument,
  TenUsersDocument,
  type ArtifactFilter,
  type CreateArtifactInput,
  type TenEverythingQuery,
} from './operations/generated/graphql.js';
import { DIALECTS } from './support/databases.js';
import { claimsFor, startFakeOidc, type FakeOidc } from './support/fake-oidc.js';
import { codes, graphql, graphqlOk, type GraphQLResponse } from './support/graphql.js';
import { globalId } from './support/seed.js';
import { startTestServer, type TestServer } from './support/server.js';

const ENTERPRISE_SECRET = 'tenancy-enterprise-secret-0123456789-abcdef';

type Person = 'alice' | 'adam' | 'bob' | 'bea' | 'vic';
type Who = Person | 'sys';
const PEOPLE: Record<Person, { role: 'VIEWER' | 'TEAM_MEMBER' | 'TEAM_ADMIN'; team: string }> = {
  alice: { role: 'TEAM_MEMBER', team: 'team-a' },
  adam: { role: 'TEAM_ADMIN', team: 'team-a' },
  vic: { role: 'VIEWER', team: 'team-a' },
  bob: { role: 'TEAM_MEMBER', team: 'team-b' },
  bea: { role: 'TEAM_ADMIN', team: 'team-b' },
};

type Fixture = 'A-private' | 'A-public' | 'B-private' | 'B-public';
type CollectionFixture = 'CA-private' | 'CA-public' | 'CB-public';

const MISSING_ARTIFACT = globalId('Artifact', 987_654);
const MISSING_COLLECTION = globalId('Collection', 987_654);

/** Names of a connection's nodes, sorted (the fixtures' names say what they are). */
const names = (connection: { edges: { node: { name: string } }[] } | null | undefined) =>
  (connection?.edges.map((e) => e.node.name) ?? []).sort();

/** The value of the single root field of a response, whatever its type. */
const rootOf = (result: GraphQLResponse<unknown>, field: string): unknown =>
  (result.data as Record<string, unknown> | null | undefined)?.[field] ?? null;

describe.each(DIALECTS)('tenancy: two teams and a viewer ($dialect)', ({ dialect, skip }) => {
  let oidc: FakeOidc;
  let server: TestServer;
  const tokens = {} as Record<Person, string>;
  const userIds = {} as Record<Person, string>;
  const artifacts = {} as Record<Fixture, string>;
  const collections = {} as Record<CollectionFixture, string>;
  /** What SYSTEM_ADMIN and alice see right after seeding; the attacks must leave it unchanged. */
  let before: { sys: unknown; alice: unknown };

  const as = (who: Who) => ({
    headers: { authorization: `Bearer ${who === 'sys' ? ENTERPRISE_SECRET : tokens[who]}` },
  });
  const query = <TData, TVariables>(who: Who, document: TypedDocumentNode<TData, TVariables>, variables?: TVariables) =>
    graphql(server.url, document, variables, as(who));
  const queryOk = <TData, TVariables>(who: Who, document: TypedDocumentNode<TData, TVariables>, variables?: TVariables) =>
    graphqlOk(server.url, document, variables, as(who));

  const createArtifact = async (who: Person, input: CreateArtifactInput) =>
    (await queryOk(who, TenCreateArtifactDocument, { input })).createArtifact.artifact;
  const addToCollection = async (who: Person, collectionId: string, artifactId: string) =>
    queryOk(who, TenAddArtifactToCollectionDocument, { input: { collectionId, artifactId } });

  /** Everything a caller can reach: every artifact with its full fields, and every nested path. */
  const snapshot = async (who: Who) => ({
    artifacts: await queryOk(who, TenArtifactsDocument, { first: 100 }),
    collections: await queryOk(who, TenCollectionsDocument, { first: 100 }),
    everything: await queryOk(who, TenEverythingDocument),
    details: await Promise.all(
      [...Object.values(artifacts)].map(async (id) => ({
        id,
        collections: (await query(who, TenArtifactCollectionsDocument, { id })).data,
      })),
    ),
    collectionDetails: await Promise.all(
      [...Object.values(collections)].map(async (id) => (await query(who, TenCollectionDocument, { id })).data),
    ),
  });

  beforeAll(async () => {
    if (skip) return;
    oidc = await startFakeOidc();
    server = await startTestServer({
      dialect,
      env: {
        SKILLMEAT_AUTH_ENABLED: 'true',
        SKILLMEAT_AUTH_PROVIDER: 'clerk',
        CLERK_JWKS_URL: oidc.jwksUrl,
        CLERK_ISSUER: oidc.issuer,
        SKILLMEAT_ENTERPRISE_PAT_SECRET: ENTERPRISE_SECRET,
      },
    });
    for (const [person, { role, team }] of Object.entries(PEOPLE) as [Person, (typeof PEOPLE)[Person]][]) {
      tokens[person] = await oidc.mint(claimsFor(role, team, person), { expiresIn: 3600 });
      const { me } = await queryOk(person, TenMeDocument);
      expect(me).toMatchObject({ role, teamId: team, authMethod: 'JWT' });
      userIds[person] = me.user!.id;
    }

    const common = { tags: ['shared'], description: 'A tenancy fixture.' };
    artifacts['A-private'] = (await createArtifact('alice', { ...common, name: 'A-private', type: 'MCP', tags: ['shared', 'team-a'], visibility: 'TEAM' })).id;
    artifacts['A-public'] = (await createArtifact('alice', { ...common, name: 'A-public', type: 'SKILL', tags: ['shared', 'team-a'], visibility: 'PUBLIC' })).id;
    for (const [name, visibility] of [['CA-private', 'TEAM'], ['CA-public', 'PUBLIC']] as const) {
      const { createCollection } = await queryOk('alice', TenCreateCollectionDocument, { input: { name, visibility } });
      collections[name] = createCollection.collection.id;
      await addToCollection('alice', collections[name], artifacts['A-private']);
      await addToCollection('alice', collections[name], artifacts['A-public']);
    }
    artifacts['B-private'] = (await createArtifact('bob', { ...common, name: 'B-private', type: 'AGENT', tags: ['shared', 'team-b'], visibility: 'TEAM' })).id;
    artifacts['B-public'] = (await createArtifact('bob', { ...common, name: 'B-public', type: 'SKILL', tags: ['shared', 'team-b'], visibility: 'PUBLIC' })).id;
    const { createCollection } = await queryOk('bob', TenCreateCollectionDocument, { input: { name: 'CB-public', visibility: 'PUBLIC' } });
    collections['CB-public'] = createCollection.collection.id;
    await addToCollection('bob', collections['CB-public'], artifacts['B-private']);
    await addToCollection('bob', collections['CB-public'], artifacts['A-public']);

    before = { sys: await snapshot('sys'), alice: await snapshot('alice') };
  });

  afterAll(async () => {
    await server?.stop();
    await oidc?.close();
  });

  describe('the fixtures, as their owners and SYSTEM_ADMIN see them', () => {
    it.skipIf(skip)('belong to the team of whoever created them', async () => {
      for (const [fixture, team] of [['A-private', 'team-a'], ['A-public', 'team-a'], ['B-private', 'team-b'], ['B-public', 'team-b']] as const) {
        const { artifact } = await queryOk('sys', TenArtifactDocument, { id: artifacts[fixture] });
        expect(artifact).toMatchObject({ name: fixture, teamId: team });
      }
    });

    it.skipIf(skip)('SYSTEM_ADMIN sees every team: every artifact, collection, membership and user', async () => {
      const list = await queryOk('sys', TenArtifactsDocument, { first: 100 });
      expect(names(list.artifacts)).toEqual(['A-private', 'A-public', 'B-private', 'B-public']);
      expect(list.artifacts.totalCount).toBe(4);
      const cols = await queryOk('sys', TenCollectionsDocument, { first: 100 });
      expect(names(cols.collections)).toEqual(['CA-private', 'CA-public', 'CB-public']);
      expect(cols.collections.totalCount).toBe(3);

      const caPrivate = await queryOk('sys', TenCollectionDocument, { id: collections['CA-private'] });
      expect(names(caPrivate.collection?.artifacts)).toEqual(['A-private', 'A-public']);
      expect(caPrivate.collection?.artifacts.totalCount).toBe(2);
      const cbPublic = await queryOk('sys', TenCollectionDocument, { id: collections['CB-public'] });
      expect(names(cbPublic.collection?.artifacts)).toEqual(['A-public', 'B-private']);
      expect(cbPublic.collection?.artifacts.totalCount).toBe(2);

      const aPublic = await queryOk('sys', TenArtifactCollectionsDocument, { id: artifacts['A-public'] });
      expect(names(aPublic.artifact?.collections)).toEqual(['CA-private', 'CA-public', 'CB-public']);
      expect(aPublic.artifact?.collections.totalCount).toBe(3);

      for (const id of [...Object.values(artifacts), ...Object.values(collections)]) {
        const { node } = await queryOk('sys', TenNodeDocument, { id });
        expect(node?.id).toBe(id);
      }
      const { users } = await queryOk('sys', TenUsersDocument);
      expect(users.edges.map((e) => e.node.name).sort()).toEqual(['Test adam', 'Test alice', 'Test bea', 'Test bob', 'Test vic']);
      expect(users.totalCount).toBe(5);
      expect(users.edges.every((e) => e.node.email !== null)).toBe(true);
    });

    it.skipIf(skip)('alice sees her team and everything PUBLIC, and nothing of team-b that is TEAM', async () => {
      const list = await queryOk('alice', TenArtifactsDocument, { first: 100 });
      expect(names(list.artifacts)).toEqual(['A-private', 'A-public', 'B-public']);
      expect(list.artifacts.totalCount).toBe(3);
      const cols = await queryOk('alice', TenCollectionsDocument, { first: 100 });
      expect(names(cols.collections)).toEqual(['CA-private', 'CA-public', 'CB-public']);
      expect(cols.collections.totalCount).toBe(3);
      // bob's PUBLIC collection holds his TEAM artifact: alice sees the collection, not that artifact.
      const cbPublic = await queryOk('alice', TenCollectionDocument, { id: collections['CB-public'] });
      expect(names(cbPublic.collection?.artifacts)).toEqual(['A-public']);
      expect(cbPublic.collection?.artifacts.totalCount).toBe(1);
      expect((await queryOk('alice', TenArtifactDocument, { id: artifacts['B-private'] })).artifact).toBeNull();
    });
  });

  describe('bob (TEAM_MEMBER of team-b) reading team-a', () => {
    it.skipIf(skip)('artifact(id): another team\'s TEAM artifact is null without an error; PUBLIC ones are visible', async () => {
      const hidden = await query('bob', TenArtifactDocument, { id: artifacts['A-private'] });
      expect(hidden.errors).toBeUndefined();
      expect(hidden.status).toBe(200);
      expect(hidden.data).toEqual({ artifact: null });
      // Indistinguishable from an id that does not exist.
      const missing = await query('bob', TenArtifactDocument, { id: MISSING_ARTIFACT });
      expect(missing.data).toEqual({ artifact: null });
      expect(missing.errors).toBeUndefined();

      const visible = await queryOk('bob', TenArtifactDocument, { id: artifacts['A-public'] });
      expect(visible.artifact).toMatchObject({ id: artifacts['A-public'], name: 'A-public', visibility: 'PUBLIC', teamId: 'team-a' });
      for (const own of ['B-private', 'B-public'] as const) {
        expect((await queryOk('bob', TenArtifactDocument, { id: artifacts[own] })).artifact?.name).toBe(own);
      }
    });

    it.skipIf(skip)('node(id): TEAM artifacts, collections and users of team-a are null; PUBLIC ones are visible', async () => {
      for (const id of [artifacts['A-private'], collections['CA-private'], userIds.alice, userIds.adam, userIds.vic]) {
        const result = await query('bob', TenNodeDocument, { id });
        expect(result.errors).toBeUndefined();
        expect(result.data).toEqual({ node: null });
      }
      const artifact = await queryOk('bob', TenNodeDocument, { id: artifacts['A-public'] });
      expect(artifact.node).toMatchObject({ __typename: 'Artifact', id: artifacts['A-public'], name: 'A-public' });
      const collection = await queryOk('bob', TenNodeDocument, { id: collections['CA-public'] });
      expect(collection.node).toMatchObject({ __typename: 'Collection', collectionName: 'CA-public' });
      // The nested connection through node() applies tenancy too.
      if (collection.node?.__typename !== 'Collection') throw new Error('not a collection');
      expect(names(collection.node.artifacts)).toEqual(['A-public']);
      expect(collection.node.artifacts.totalCount).toBe(1);
      const self = await queryOk('bob', TenNodeDocument, { id: userIds.bob });
      expect(self.node).toMatchObject({ __typename: 'User', userName: 'Test bob' });
    });

    it.skipIf(skip)('artifacts: the list and totalCount leave out team-a\'s TEAM artifact, page by page too', async () => {
      const { artifacts: list } = await queryOk('bob', TenArtifactsDocument, { first: 100 });
      expect(names(list)).toEqual(['A-public', 'B-private', 'B-public']);
      expect(list.totalCount).toBe(3);

      const paged: string[] = [];
      let after: string | null | undefined = null;
      for (let page = 0; page < 10; page++) {
        const { artifacts: one }: { artifacts: typeof list } = await queryOk('bob', TenArtifactsDocument, { first: 1, after });
        expect(one.totalCount).toBe(3);
        paged.push(...one.edges.map((e) => e.node.name));
        if (!one.pageInfo.hasNextPage) break;
        after = one.pageInfo.endCursor;
      }
      expect(paged.sort()).toEqual(['A-public', 'B-private', 'B-public']);
    });

    const filterCases: { filter: ArtifactFilter; bob: Fixture[]; alice: Fixture[] }[] = [
      { filter: { type: 'MCP' }, bob: [], alice: ['A-private'] },
      { filter: { type: 'SKILL' }, bob: ['A-public', 'B-public'], alice: ['A-public', 'B-public'] },
      { filter: { type: 'AGENT' }, bob: ['B-private'], alice: [] },
      { filter: { tag: 'team-a' }, bob: ['A-public'], alice: ['A-private', 'A-public'] },
      { filter: { tag: 'shared' }, bob: ['A-public', 'B-private', 'B-public'], alice: ['A-private', 'A-public', 'B-public'] },
      { filter: { search: 'private' }, bob: ['B-private'], alice: ['A-private'] },
      { filter: { search: 'A-PRIV' }, bob: [], alice: ['A-private'] },
      { filter: { search: 'fixture' }, bob: ['A-public', 'B-private', 'B-public'], alice: ['A-private', 'A-public', 'B-public'] },
      { filter: { type: 'MCP', tag: 'team-a', search: 'private' }, bob: [], alice: ['A-private'] },
    ];
    it.skipIf(skip).each(filterCases)('artifacts(filter: $filter): edges and totalCount apply tenancy', async ({ filter, bob, alice }) => {
      for (const [who, expected] of [['bob', bob], ['alice', alice]] as const) {
        const { artifacts: list } = await queryOk(who, TenArtifactsDocument, { first: 100, filter });
        expect(names(list), `${who} ${JSON.stringify(filter)}`).toEqual(expected);
        expect(list.totalCount, `${who} ${JSON.stringify(filter)}`).toBe(expected.length);
      }
    });

    it.skipIf(skip)('collections: the list and totalCount leave out team-a\'s TEAM collection', async () => {
      const { collections: list } = await queryOk('bob', TenCollectionsDocument, { first: 100 });
      expect(names(list)).toEqual(['CA-public', 'CB-public']);
      expect(list.totalCount).toBe(2);
      const first = await queryOk('bob', TenCollectionsDocument, { first: 1 });
      expect(first.collections.totalCount).toBe(2);
      const second = await queryOk('bob', TenCollectionsDocument, { first: 100, after: first.collections.pageInfo.endCursor });
      expect([...names(first.collections), ...names(second.collections)].sort()).toEqual(['CA-public', 'CB-public']);
      expect(second.collections.totalCount).toBe(2);
    });

    it.skipIf(skip)('collection(id): CA-private is null; CA-public.artifacts shows only A-public, with totalCount 1', async () => {
      const hidden = await query('bob', TenCollectionDocument, { id: collections['CA-private'] });
      expect(hidden.errors).toBeUndefined();
      expect(hidden.data).toEqual({ collection: null });

      const { collection } = await queryOk('bob', TenCollectionDocument, { id: collections['CA-public'] });
      expect(collection).toMatchObject({ name: 'CA-public', visibility: 'PUBLIC', teamId: 'team-a' });
      expect(names(collection?.artifacts)).toEqual(['A-public']);
      expect(collection?.artifacts.totalCount).toBe(1);

      const own = await queryOk('bob', TenCollectionDocument, { id: collections['CB-public'] });
      expect(names(own.collection?.artifacts)).toEqual(['A-public', 'B-private']);
      expect(own.collection?.artifacts.totalCount).toBe(2);
    });

    it.skipIf(skip)('Artifact.collections: A-public lists CA-public and CB-public, never CA-private', async () => {
      const { artifact } = await queryOk('bob', TenArtifactCollectionsDocument, { id: artifacts['A-public'] });
      expect(names(artifact?.collections)).toEqual(['CA-public', 'CB-public']);
      expect(artifact?.collections.totalCount).toBe(2);
      const own = await queryOk('bob', TenArtifactCollectionsDocument, { id: artifacts['B-private'] });
      expect(names(own.artifact?.collections)).toEqual(['CB-public']);
      expect(own.artifact?.collections.totalCount).toBe(1);
      expect((await queryOk('bob', TenArtifactCollectionsDocument, { id: artifacts['A-private'] })).artifact).toBeNull();
    });

    it.skipIf(skip)('no nested path, in either direction, reaches A-private or CA-private', async () => {
      const result = await query('bob', TenEverythingDocument);
      expect(result.errors).toBeUndefined();
      const text = JSON.stringify(result.data);
      for (const secret of [artifacts['A-private'], collections['CA-private'], 'A-private', 'CA-private']) {
        expect(text).not.toContain(secret);
      }
      expectConsistentCounts(result.data!);
      expect(names(result.data!.artifacts)).toEqual(['A-public', 'B-private', 'B-public']);
      expect(names(result.data!.collections)).toEqual(['CA-public', 'CB-public']);
    });

    it.skipIf(skip)('owner: the owner of A-public is visible, but owner.email is null with a FORBIDDEN error', async () => {
      const owner = await queryOk('bob', TenArtifactOwnerDocument, { id: artifacts['A-public'] });
      expect(owner.artifact?.owner).toEqual({ id: userIds.alice, name: 'Test alice', role: 'TEAM_MEMBER', teamId: 'team-a' });

      const withEmail = await query('bob', TenArtifactOwnerEmailDocument, { id: artifacts['A-public'] });
      expect(withEmail.status).toBe(200);
      expect(codes(withEmail)).toEqual(['FORBIDDEN']);
      expect(withEmail.errors?.[0]?.path).toEqual(['artifact', 'owner', 'email']);
      expect(withEmail.data?.artifact?.owner).toEqual({ id: userIds.alice, name: 'Test alice', email: null });
    });

    it.skipIf(skip)('owner.email is visible to alice herself and to adam (admin:users of team-a), to no one else', async () => {
      for (const who of ['alice', 'adam', 'sys'] as const) {
        const { artifact } = await queryOk(who, TenArtifactOwnerEmailDocument, { id: artifacts['A-public'] });
        expect(artifact?.owner?.email, who).toBe('alice@example.test');
      }
      for (const who of ['bea', 'vic'] as const) {
        const result = await query(who, TenArtifactOwnerEmailDocument, { id: artifacts['A-public'] });
        expect(codes(result), who).toEqual(['FORBIDDEN']);
        expect(result.data?.artifact?.owner?.email, who).toBeNull();
      }
      const own = await queryOk('bob', TenArtifactOwnerEmailDocument, { id: artifacts['B-public'] });
      expect(own.artifact?.owner?.email).toBe('bob@example.test');
    });

    it.skipIf(skip)('users: bea sees only team-b users, adam only team-a users; bob may not list users', async () => {
      const bea = await queryOk('bea', TenUsersDocument);
      expect(bea.users.edges.map((e) => e.node.id).sort()).toEqual([userIds.bea, userIds.bob].sort());
      expect(bea.users.totalCount).toBe(2);
      expect(bea.users.edges.every((e) => e.node.teamId === 'team-b')).toBe(true);

      const adam = await queryOk('adam', TenUsersDocument);
      expect(adam.users.edges.map((e) => e.node.id).sort()).toEqual([userIds.adam, userIds.alice, userIds.vic].sort());
      expect(adam.users.totalCount).toBe(3);
      expect(adam.users.edges.every((e) => e.node.teamId === 'team-a')).toBe(true);
      expect(adam.users.edges.find((e) => e.node.id === userIds.alice)?.node.email).toBe('alice@example.test');

      const bob = await query('bob', TenUsersDocument);
      expect(codes(bob)).toEqual(['FORBIDDEN']);
      expect(bob.status).toBe(403);
      expect(bob.data ?? null).toBeNull();
    });
  });

  describe('vic (VIEWER of team-a) sees PUBLIC resources only, even of his own team', () => {
    it.skipIf(skip)('is a VIEWER of team-a with the read scopes', async () => {
      const { me } = await queryOk('vic', TenMeDocument);
      expect(me).toMatchObject({ role: 'VIEWER', teamId: 'team-a', authMethod: 'JWT', scopes: ['artifacts:read', 'collections:read'] });
    });

    it.skipIf(skip)('artifact(id), node(id) and collection(id) of his team\'s TEAM resources are null', async () => {
      expect((await query('vic', TenArtifactDocument, { id: artifacts['A-private'] })).data).toEqual({ artifact: null });
      expect((await query('vic', TenNodeDocument, { id: artifacts['A-private'] })).data).toEqual({ node: null });
      expect((await query('vic', TenNodeDocument, { id: collections['CA-private'] })).data).toEqual({ node: null });
      expect((await query('vic', TenCollectionDocument, { id: collections['CA-private'] })).data).toEqual({ collection: null });
      expect((await query('vic', TenArtifactDocument, { id: artifacts['B-private'] })).data).toEqual({ artifact: null });
      expect((await queryOk('vic', TenArtifactDocument, { id: artifacts['A-public'] })).artifact?.name).toBe('A-public');
    });

    it.skipIf(skip)('lists, filters and totalCount hold PUBLIC resources only', async () => {
      const list = await queryOk('vic', TenArtifactsDocument, { first: 100 });
      expect(names(list.artifacts)).toEqual(['A-public', 'B-public']);
      expect(list.artifacts.totalCount).toBe(2);
      const tagged = await queryOk('vic', TenArtifactsDocument, { first: 100, filter: { tag: 'team-a' } });
      expect(names(tagged.artifacts)).toEqual(['A-public']);
      expect(tagged.artifacts.totalCount).toBe(1);
      const mcp = await queryOk('vic', TenArtifactsDocument, { first: 100, filter: { type: 'MCP' } });
      expect(mcp.artifacts.totalCount).toBe(0);
      const cols = await queryOk('vic', TenCollectionsDocument, { first: 100 });
      expect(names(cols.collections)).toEqual(['CA-public', 'CB-public']);
      expect(cols.collections.totalCount).toBe(2);
    });

    it.skipIf(skip)('nested connections hold PUBLIC resources only, in both directions', async () => {
      for (const id of [collections['CA-public'], collections['CB-public']]) {
        const { collection } = await queryOk('vic', TenCollectionDocument, { id });
        expect(names(collection?.artifacts)).toEqual(['A-public']);
        expect(collection?.artifacts.totalCount).toBe(1);
      }
      const { artifact } = await queryOk('vic', TenArtifactCollectionsDocument, { id: artifacts['A-public'] });
      expect(names(artifact?.collections)).toEqual(['CA-public', 'CB-public']);
      expect(artifact?.collections.totalCount).toBe(2);

      const everything = await query('vic', TenEverythingDocument);
      expect(everything.errors).toBeUndefined();
      const text = JSON.stringify(everything.data);
      for (const hidden of ['A-private', 'B-private', 'CA-private', artifacts['A-private'], artifacts['B-private'], collections['CA-private']]) {
        expect(text).not.toContain(hidden);
      }
      expectConsistentCounts(everything.data!);
    });

    it.skipIf(skip)('cannot write at all, not even to his own team', async () => {
      const update = await query('vic', TenUpdateArtifactDocument, { input: { id: artifacts['A-public'], name: 'vic was here' } });
      expect(codes(update)).toEqual(['FORBIDDEN']);
      expect(update.status).toBe(403);
      const create = await query('vic', TenCreateArtifactDocument, { input: { name: 'vic was here', type: 'SKILL' } });
      expect(codes(create)).toEqual(['FORBIDDEN']);
      const add = await query('vic', TenAddArtifactToCollectionDocument, {
        input: { collectionId: collections['CA-public'], artifactId: artifacts['B-public'] },
      });
      expect(codes(add)).toEqual(['FORBIDDEN']);
    });
  });

  describe('mutations by team-b on team-a', () => {
    /** A denied mutation: the code, no data, 403 for FORBIDDEN. */
    const expectRefused = (result: GraphQLResponse<unknown>, field: string, code: 'NOT_FOUND' | 'FORBIDDEN', label: string) => {
      expect(codes(result), label).toEqual([code]);
      expect(rootOf(result, field), label).toBeNull();
      if (code === 'FORBIDDEN') expect(result.status, label).toBe(403);
    };
    /** NOT_FOUND for a hidden id must look exactly like NOT_FOUND for an id that does not exist. */
    const expectLikeMissing = (hidden: GraphQLResponse<unknown>, missing: GraphQLResponse<unknown>, hiddenId: string, missingId: string) => {
      expect(codes(missing)).toEqual(['NOT_FOUND']);
      expect(hidden.status).toBe(missing.status);
      expect(hidden.errors?.[0]?.message.replace(hiddenId, '<id>')).toBe(missing.errors?.[0]?.message.replace(missingId, '<id>'));
    };

    it.skipIf(skip).each(['bob', 'bea'] as const)('%s: updateArtifact on A-private → NOT_FOUND, on A-public → FORBIDDEN', async (who) => {
      const hidden = await query(who, TenUpdateArtifactDocument, { input: { id: artifacts['A-private'], name: 'pwned' } });
      expectRefused(hidden, 'updateArtifact', 'NOT_FOUND', `${who} A-private`);
      const missing = await query(who, TenUpdateArtifactDocument, { input: { id: MISSING_ARTIFACT, name: 'pwned' } });
      expectLikeMissing(hidden, missing, artifacts['A-private'], MISSING_ARTIFACT);
      const visible = await query(who, TenUpdateArtifactDocument, { input: { id: artifacts['A-public'], name: 'pwned', visibility: 'TEAM' } });
      expectRefused(visible, 'updateArtifact', 'FORBIDDEN', `${who} A-public`);
    });

    it.skipIf(skip)('bea: deleteArtifact on A-private → NOT_FOUND, on A-public → FORBIDDEN', async () => {
      const hidden = await query('bea', TenDeleteArtifactDocument, { input: { id: artifacts['A-private'] } });
      expectRefused(hidden, 'deleteArtifact', 'NOT_FOUND', 'A-private');
      const missing = await query('bea', TenDeleteArtifactDocument, { input: { id: MISSING_ARTIFACT } });
      expectLikeMissing(hidden, missing, artifacts['A-private'], MISSING_ARTIFACT);
      expectRefused(await query('bea', TenDeleteArtifactDocument, { input: { id: artifacts['A-public'] } }), 'deleteArtifact', 'FORBIDDEN', 'A-public');
    });

    it.skipIf(skip)('bob (no artifacts:delete): deleteArtifact is FORBIDDEN whatever the id, so nothing leaks', async () => {
      for (const id of [artifacts['A-private'], artifacts['A-public'], MISSING_ARTIFACT]) {
        expectRefused(await query('bob', TenDeleteArtifactDocument, { input: { id } }), 'deleteArtifact', 'FORBIDDEN', id);
      }
    });

    it.skipIf(skip).each(['bob', 'bea'] as const)('%s: updateCollection on CA-private → NOT_FOUND, on CA-public → FORBIDDEN', async (who) => {
      const hidden = await query(who, TenUpdateCollectionDocument, { input: { id: collections['CA-private'], name: 'pwned' } });
      expectRefused(hidden, 'updateCollection', 'NOT_FOUND', `${who} CA-private`);
      const missing = await query(who, TenUpdateCollectionDocument, { input: { id: MISSING_COLLECTION, name: 'pwned' } });
      expectLikeMissing(hidden, missing, collections['CA-private'], MISSING_COLLECTION);
      const visible = await query(who, TenUpdateCollectionDocument, { input: { id: collections['CA-public'], visibility: 'TEAM' } });
      expectRefused(visible, 'updateCollection', 'FORBIDDEN', `${who} CA-public`);
    });

    it.skipIf(skip).each(['bob', 'bea'] as const)('%s: addArtifactToCollection cannot reach into or out of team-a', async (who) => {
      const add = (collectionId: string, artifactId: string) => query(who, TenAddArtifactToCollectionDocument, { input: { collectionId, artifactId } });
      // Their own collection, team-a's hidden artifact.
      expectRefused(await add(collections['CB-public'], artifacts['A-private']), 'addArtifactToCollection', 'NOT_FOUND', 'CB-public ← A-private');
      // team-a's PUBLIC collection, their own artifact.
      expectRefused(await add(collections['CA-public'], artifacts['B-public']), 'addArtifactToCollection', 'FORBIDDEN', 'CA-public ← B-public');
      expectRefused(await add(collections['CA-public'], artifacts['A-public']), 'addArtifactToCollection', 'FORBIDDEN', 'CA-public ← A-public');
      // team-a's hidden collection.
      expectRefused(await add(collections['CA-private'], artifacts['B-public']), 'addArtifactToCollection', 'NOT_FOUND', 'CA-private ← B-public');
    });

    it.skipIf(skip).each(['bob', 'bea'] as const)('%s: removeArtifactFromCollection cannot touch team-a collections', async (who) => {
      const remove = (collectionId: string, artifactId: string) =>
        query(who, TenRemoveArtifactFromCollectionDocument, { input: { collectionId, artifactId } });
      expectRefused(await remove(collections['CA-private'], artifacts['A-private']), 'removeArtifactFromCollection', 'NOT_FOUND', 'CA-private − A-private');
      expectRefused(await remove(collections['CA-private'], artifacts['A-public']), 'removeArtifactFromCollection', 'NOT_FOUND', 'CA-private − A-public');
      expectRefused(await remove(collections['CA-public'], artifacts['A-public']), 'removeArtifactFromCollection', 'FORBIDDEN', 'CA-public − A-public');
      expectRefused(await remove(collections['CA-public'], artifacts['A-private']), 'removeArtifactFromCollection', 'FORBIDDEN', 'CA-public − A-private');
    });

    it.skipIf(skip).each(['bob', 'bea'] as const)('%s: createArtifact into a team-a collection is refused and creates nothing', async (who) => {
      const name = `smuggled by ${who}`;
      const hidden = await query(who, TenCreateArtifactDocument, { input: { name, type: 'SKILL', collectionId: collections['CA-private'] } });
      expectRefused(hidden, 'createArtifact', 'NOT_FOUND', 'into CA-private');
      const visible = await query(who, TenCreateArtifactDocument, {
        input: { name, type: 'SKILL', visibility: 'PUBLIC', collectionId: collections['CA-public'] },
      });
      expectRefused(visible, 'createArtifact', 'FORBIDDEN', 'into CA-public');
      const { artifacts: found } = await queryOk('sys', TenArtifactsDocument, { first: 100, filter: { search: 'smuggled' } });
      expect(found.totalCount).toBe(0);
      expect(found.edges).toEqual([]);
    });

    it.skipIf(skip)('afterwards alice (and SYSTEM_ADMIN) find everything exactly as it was', async () => {
      expect(await snapshot('alice')).toEqual(before.alice);
      expect(await snapshot('sys')).toEqual(before.sys);
      const { artifacts: all } = await queryOk('sys', TenArtifactsDocument, { first: 100 });
      expect(all.totalCount).toBe(4);
      for (const fixture of ['A-private', 'A-public'] as const) {
        const { artifact } = await queryOk('alice', TenArtifactDocument, { id: artifacts[fixture] });
        expect(artifact?.name).toBe(fixture);
      }
      const { collection } = await queryOk('alice', TenCollectionDocument, { id: collections['CA-public'] });
      expect(collection).toMatchObject({ name: 'CA-public', visibility: 'PUBLIC' });
      expect(names(collection?.artifacts)).toEqual(['A-private', 'A-public']);
    });
  });
});

/** Every connection in the tree reports a totalCount equal to its edges (all fit on one page). */
function expectConsistentCounts(data: TenEverythingQuery): void {
  expect(data.artifacts.totalCount).toBe(data.artifacts.edges.length);
  for (const { node } of data.artifacts.edges) {
    expect(node.collections.totalCount).toBe(node.collections.edges.length);
    for (const inner of node.collections.edges) expect(inner.node.artifacts.totalCount).toBe(inner.node.artifacts.edges.length);
  }
  expect(data.collections.totalCount).toBe(data.collections.edges.length);
  for (const { node } of data.collections.edges) {
    expect(node.artifacts.totalCount).toBe(node.artifacts.edges.length);
    for (const inner of node.artifacts.edges) expect(inner.node.collections.totalCount).toBe(inner.node.collections.edges.length);
  }
}
