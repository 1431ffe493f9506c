/**
 * The fast read path (src/plugins/sql-execution.ts, src/db/page-rows.ts) answers exactly as the
 * resolvers do, on SQLite and on PostgreSQL. Two servers share one database and one auth setup:
 * one answers what it can from rows, the other runs every query through the resolvers. Every
 * query of a corpus is sent as every identity (anonymous, a VIEWER, members and admins of two
 * teams, SYSTEM_ADMIN, API keys missing one read scope, zero-auth on a server of its own), and
 * status and body must match byte for byte. The corpus: the cases below (each field the path
 * reads, aliases, __typename, fragments, directives, filters, totalCount, lookups, pages and
 * cursors, nested pages, and shapes it must leave to the resolvers), every read workload of the
 * bench, and every query operation of the tests' and the CLI's own documents. The path's counter
 * says which queries it answered: each case names the identities it must answer for, and it
 * must answer for no other.
 * Then stored values the resolvers would not pass through unchanged (a DateTime in another
 * form, an unknown enum value, a tag that is not a string, a blob where text belongs) must send
 * the query to the resolvers, at every depth, with the same answer again.
 *
 * The data: 30 artifacts over two teams (TEAM and PUBLIC, null and non-null descriptions,
 * names with quotes, backslashes, a newline, U+2028 and an emoji), an artifact with no owner
 * and one owned by a user with no name whose team came from an admin (team_override), and
 * collections of both teams and visibilities holding members of both.
 */
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../src/ids.js';
import { resultOf } from '../src/plugins/sql-execution.js';
import {
  AddArtifactToCollectionDocument,
  CreateArtifactDocument,
  CreateCollectionDocument,
  JwtCreateApiKeyDocument,
  type CreateArtifactInput,
} from './operations/generated/graphql.js';
import { WORKLOADS } from '../bench/workloads.js';
import { DIALECTS } from './support/databases.js';
import { corpusOperations, variablesFor } from './support/operation-corpus.js';
import { claimsFor, startFakeOidc, type FakeOidc } from './support/fake-oidc.js';
import { graphqlOk } from './support/graphql.js';
import { decodeGlobalId } from './support/seed.js';
import { startTestServer, type TestServer } from './support/server.js';

const ENTERPRISE_SECRET = 'sql-execution-enterprise-secret-0123456789';

type Person = 'alice' | 'adam' | 'vic' | 'bob';
type Who = Person | 'anonymous' | 'sys' | 'artifactsOnlyKey' | 'collectionsOnlyKey' | 'zeroAuth';
const PEOPLE: Record<Person, { role: 'VIEWER' | 'TEAM_MEMBER' | 'TEAM_ADMIN'; team: string }> = {
  alice: { role: 'TEAM_MEMBER', team: 'team-a' },
  adam: { role: 'TEAM_ADMIN', team: 'team-a' },
  vic: { role: 'VIEWER', team: 'team-a' },
  bob: { role: 'TEAM_MEMBER', team: 'team-b' },
};
const EVERYONE: readonly Who[] = ['anonymous', 'alice', 'adam', 'vic', 'bob', 'sys', 'artifactsOnlyKey', 'collectionsOnlyKey', 'zeroAuth'];
/** Identities that hold both read scopes. */
const READERS: readonly Who[] = ['alice', 'adam', 'vic', 'bob', 'sys', 'zeroAuth'];
const withArtifactsRead = (...more: Who[]): Who[] => [...READERS, 'artifactsOnlyKey', ...more];
const withCollectionsRead = (...more: Who[]): Who[] => [...READERS, 'collectionsOnlyKey', ...more];

interface Case {
  query: string;
  variables?: Record<string, unknown>;
  /** Whom the SQL path must answer; every other identity goes to the resolvers. */
  sqlFor: readonly Who[];
}

const W2 = '{ artifacts(first: 50) { edges { node { id name type description tags visibility createdAt updatedAt owner { name } } } } }';
const W3 = '{ collections(first: 10) { edges { node { name artifacts(first: 10) { edges { node { name owner { name } } } } } } } }';
const PAGE_INFO = 'pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }';
const ARTIFACT_FIELDS = '__typename id name type description tags visibility teamId createdAt updatedAt owner { __typename id name teamId createdAt }';
const COLLECTION_FIELDS = '__typename id name description visibility teamId createdAt';
const PAGE = 'query Page($n: Int, $after: String) { artifacts(first: $n, after: $after) { edges { cursor node { name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }';
const COLLECTION_PAGE = 'query Page($n: Int, $after: String) { collections(first: $n, after: $after) { edges { cursor node { name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }';

/** The bench's read workloads, as its load generator sends them. */
const BENCH_READS = Object.values(WORKLOADS).filter((w) => !w.mutation);

function artifactGlobalId(n: number): string {
  return Buffer.from(`Artifact:${n}`).toString('base64');
}

function collectionGlobalId(n: number): string {
  return Buffer.from(`Collection:${n}`).toString('base64');
}

const CASES: Record<string, Case> = {
  'W2 of the bench': { query: W2, sqlFor: withArtifactsRead() },
  'W3 of the bench': { query: W3, sqlFor: READERS },
  'every column field of every type, __typename everywhere, both nestings': {
    query: `{ __typename all: artifacts(first: 100) { __typename edges { __typename cursor node { ${ARTIFACT_FIELDS} collections(first: 3) { __typename edges { __typename cursor node { ${COLLECTION_FIELDS} } } ${PAGE_INFO} } } } ${PAGE_INFO} }
              cols: collections(first: 100) { edges { cursor node { ${COLLECTION_FIELDS} artifacts(first: 4) { edges { cursor node { ${ARTIFACT_FIELDS} } } ${PAGE_INFO} } } } ${PAGE_INFO} } }`,
    sqlFor: READERS,
  },
  'every column field of every type, __typename everywhere, artifacts in collections': {
    query: `{ __typename cols: collections(first: 100) { __typename edges { __typename cursor node { ${COLLECTION_FIELDS} artifacts(first: 4) { __typename edges { __typename cursor node { ${ARTIFACT_FIELDS} } } ${PAGE_INFO} } } } ${PAGE_INFO} } }`,
    sqlFor: READERS,
  },
  'every column field of every type, __typename everywhere, collections of artifacts': {
    query: `{ all: artifacts(first: 100) { edges { cursor node { ${ARTIFACT_FIELDS} collections(first: 3) { __typename edges { __typename cursor node { ${COLLECTION_FIELDS} } } ${PAGE_INFO} } } } ${PAGE_INFO} } __typename }`,
    sqlFor: READERS,
  },
  // The rows of a page past the first one's end (fetched to learn of a next page) have no page of their own.
  'pages in pages, each one short': {
    query: `{ collections(first: 2) { edges { cursor node { name artifacts(first: 1) { edges { cursor node { name owner { name } } } ${PAGE_INFO} } } } ${PAGE_INFO} } }`,
    sqlFor: READERS,
  },
  'pages of nothing in pages': { query: '{ collections(first: 5) { edges { node { name artifacts(first: 0) { edges { node { name } } pageInfo { hasNextPage endCursor } } } } } }', sqlFor: READERS },
  'pageInfo alone in pages': { query: '{ collections(first: 5) { edges { node { artifacts(first: 2) { pageInfo { hasNextPage startCursor endCursor } } } } } }', sqlFor: READERS },
  'a page of __typename alone in pages': { query: '{ artifacts(first: 5) { edges { node { collections(first: 2) { __typename } } } } }', sqlFor: READERS },
  'every column field of every type, __typename everywhere, one page': {
    query: `{ __typename all: artifacts(first: 100) { __typename edges { __typename cursor node { ${ARTIFACT_FIELDS} } } ${PAGE_INFO} } }`,
    sqlFor: withArtifactsRead(),
  },
  'every collection field, __typename after the page': {
    query: `{ cols: collections(first: 100) { edges { cursor node { ${COLLECTION_FIELDS} } } ${PAGE_INFO} __typename } __typename }`,
    sqlFor: withCollectionsRead(),
  },
  'an owner under two aliases, edges under two aliases': {
    query: '{ artifacts(first: 6) { e1: edges { cursor } e2: edges { node { a: owner { name } b: owner { id teamId createdAt } c: id } } } }',
    sqlFor: withArtifactsRead(),
  },
  'aliases on every level': {
    query: '{ a: artifacts(first: 2) { e: edges { n: node { x: name y: name o: owner { z: name } } } p: pageInfo { more: hasNextPage } } b: artifacts(first: 1, after: "YzE6Mw") { edges { node { name } } } }',
    sqlFor: withArtifactsRead(),
  },
  'the default page size': { query: '{ artifacts { edges { node { name } } } }', sqlFor: withArtifactsRead() },
  'the largest page': { query: '{ artifacts(first: 100) { edges { node { name } } pageInfo { hasNextPage endCursor } } }', sqlFor: withArtifactsRead() },
  'an empty page': { query: '{ artifacts(first: 0) { edges { node { name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }', sqlFor: withArtifactsRead() },
  'a connection of __typename alone': { query: '{ collections(first: 3) { __typename } }', sqlFor: withCollectionsRead() },
  'pageInfo alone': { query: '{ collections(first: 2) { pageInfo { hasNextPage startCursor endCursor } } }', sqlFor: withCollectionsRead() },
  'page 1 by variables': { query: PAGE, variables: { n: 5 }, sqlFor: withArtifactsRead() },
  'page 2 by variables': { query: PAGE, variables: { n: 5, after: encodeCursor(5) }, sqlFor: withArtifactsRead() },
  'the last page': { query: PAGE, variables: { n: 7, after: encodeCursor(26) }, sqlFor: withArtifactsRead() },
  'a page past the end': { query: PAGE, variables: { n: 5, after: encodeCursor(9_999) }, sqlFor: withArtifactsRead() },
  // SYSTEM_ADMIN sees all 30 artifacts, zero-auth its 12: pages that end exactly on the last row.
  'a page of exactly every row (30)': { query: PAGE, variables: { n: 30 }, sqlFor: withArtifactsRead() },
  'a page of exactly every row (12)': { query: PAGE, variables: { n: 12 }, sqlFor: withArtifactsRead() },
  'variables left out': { query: PAGE, variables: {}, sqlFor: withArtifactsRead() },
  'collections by pages': { query: COLLECTION_PAGE, variables: { n: 1, after: encodeCursor(1) }, sqlFor: withCollectionsRead() },
  'nested pages after a cursor': {
    query: `{ collections(first: 5) { edges { node { name artifacts(first: 2, after: "${encodeCursor(3)}") { edges { cursor node { name } } ${PAGE_INFO} } } } } }`,
    sqlFor: READERS,
  },
  'filter: null': { query: '{ artifacts(first: 5, filter: null) { edges { node { name } } } }', sqlFor: withArtifactsRead() },
  'a filter by type': { query: '{ artifacts(first: 5, filter: { type: SKILL }) { edges { node { name type } } } }', sqlFor: withArtifactsRead() },
  'a filter by tag, search and type, by variables': {
    query: 'query F($f: ArtifactFilter) { artifacts(first: 50, filter: $f) { totalCount edges { node { name tags type } } pageInfo { hasNextPage endCursor } } }',
    variables: { f: { tag: 'tag-1', search: 'ARTIFACT', type: 'COMMAND' } },
    sqlFor: withArtifactsRead(),
  },
  'a search with LIKE characters and non-ASCII case': { query: '{ artifacts(first: 50, filter: { search: "ÜNÏ%_" }) { totalCount edges { node { name } } } }', sqlFor: withArtifactsRead() },
  'a tag no artifact has': { query: '{ artifacts(first: 5, filter: { tag: "nope" }) { totalCount edges { node { name } } pageInfo { hasNextPage startCursor } } }', sqlFor: withArtifactsRead() },
  totalCount: { query: '{ artifacts(first: 5) { totalCount edges { node { name } } } }', sqlFor: withArtifactsRead() },
  'totalCount at every level': {
    query: '{ collections(first: 10) { totalCount edges { node { name artifacts(first: 2) { totalCount edges { node { name collections(first: 1) { totalCount } } } } } } } }',
    sqlFor: READERS,
  },
  'totalCount alone': { query: '{ collections { totalCount } }', sqlFor: withCollectionsRead() },
  'a fragment': { query: '{ artifacts(first: 2) { edges { node { ...F } } } } fragment F on Artifact { name }', sqlFor: withArtifactsRead() },
  'an inline fragment': { query: '{ artifacts(first: 2) { edges { node { ... on Artifact { name } } } } }', sqlFor: withArtifactsRead() },
  'an inline fragment on an interface, and one that does not apply': {
    query: '{ artifacts(first: 3) { edges { node { ... on Node { id ... on Artifact { name } } ... { type } } } } }',
    sqlFor: withArtifactsRead(),
  },
  'fragments at several levels, merged with plain fields under the same keys': {
    query: `query Cards($first: Int!) { artifacts(first: $first) { ...Page edges { node { owner { id } } } } }
            fragment Page on ArtifactConnection { __typename totalCount edges { __typename cursor node { ...Card } } pageInfo { ...Info } }
            fragment Card on Artifact { __typename id name owner { ...Chip } tags ...Card2 }
            fragment Card2 on Artifact { name createdAt }
            fragment Chip on User { __typename name }
            fragment Info on PageInfo { __typename hasNextPage endCursor }`,
    variables: { first: 7 },
    sqlFor: withArtifactsRead(),
  },
  'a fragment spread twice, and a fragment spreading itself through another': {
    query: '{ collections(first: 3) { edges { node { ...C ...C artifacts(first: 2) { edges { node { ...A } } } } } } } fragment C on Collection { name ...D } fragment D on Collection { id } fragment A on Artifact { name }',
    sqlFor: READERS,
  },
  '@include and @skip': {
    query: 'query($yes: Boolean!, $no: Boolean!) { artifacts(first: 2) { edges { node { name @include(if: $yes) type @skip(if: $yes) id @include(if: $no) ... @skip(if: $no) { tags } ...F @include(if: $no) } } } } fragment F on Artifact { description }',
    variables: { yes: true, no: false },
    sqlFor: withArtifactsRead(),
  },
  '@skip on a whole connection': { query: 'query($s: Boolean!) { artifacts(first: 2) @skip(if: $s) { totalCount } collections(first: 1) { totalCount } }', variables: { s: true }, sqlFor: withCollectionsRead() },
  'a field twice under one key': { query: '{ artifacts(first: 2) { edges { node { name name } } } }', sqlFor: withArtifactsRead() },
  'a connection twice under one key with different subfields': {
    query: '{ collections(first: 3) { edges { node { artifacts(first: 2) { edges { node { name } } } } } } collections(first: 3) { edges { node { name artifacts(first: 2) { totalCount edges { cursor node { id } } } } } } }',
    sqlFor: READERS,
  },
  'three pages deep, pages side by side': {
    query: '{ a: collections(first: 3) { edges { node { name artifacts(first: 3) { edges { node { name owner { name } collections(first: 2) { edges { node { name } } pageInfo { hasNextPage } } } } } } } } b: artifacts(first: 4) { edges { node { collections(first: 2) { totalCount edges { node { name } } } } } } }',
    sqlFor: READERS,
  },
  'an artifact by id': { query: `{ artifact(id: "${artifactGlobalId(2)}") { __typename id name type tags owner { __typename name } collections(first: 5) { totalCount edges { node { name } } } } }`, sqlFor: READERS },
  'an artifact of the other team by id (null where it is not visible)': { query: `{ artifact(id: "${artifactGlobalId(17)}") { id name } }`, sqlFor: withArtifactsRead() },
  'an artifact that does not exist': { query: `{ artifact(id: "${artifactGlobalId(999)}") { id name } }`, sqlFor: withArtifactsRead() },
  'a collection by id, with its artifacts': {
    query: 'query C($id: ID!) { collection(id: $id) { __typename id name description artifacts(first: 3) { totalCount edges { cursor node { name } } pageInfo { hasNextPage endCursor } } } }',
    variables: { id: collectionGlobalId(2) },
    sqlFor: READERS,
  },
  'node(id) of an artifact and of a collection, with fragments and __typename': {
    query: `query N($a: ID!, $c: ID!) { a: node(id: $a) { __typename id ... on Artifact { ...Card } ... on Collection { name } } c: node(id: $c) { __typename ...Col } }
            fragment Card on Artifact { name owner { name } } fragment Col on Collection { id name artifacts(first: 2) { edges { node { name } } } }`,
    variables: { a: artifactGlobalId(4), c: collectionGlobalId(1) },
    // An API key without collections:read reads the collection as null, on either path.
    sqlFor: withArtifactsRead(),
  },
  // Left to the resolvers: what the path does not read, and arguments it must not judge.
  'node(id) of a user': { query: '{ node(id: "VXNlcjox") { id } }', sqlFor: [] },
  'artifact(id) of a collection id': { query: `{ artifact(id: "${collectionGlobalId(1)}") { id } }`, sqlFor: [] },
  'a malformed id': { query: '{ artifact(id: "nope") { id } }', sqlFor: [] },
  'a search over the limit': { query: `{ artifacts(first: 5, filter: { search: "${'x'.repeat(300)}" }) { totalCount } }`, sqlFor: [] },
  'User.email (a rule on the row)': { query: '{ artifacts(first: 5) { edges { node { owner { name email } } } } }', sqlFor: [] },
  'User.role (a computed field)': { query: '{ artifacts(first: 5) { edges { node { owner { role } } } } }', sqlFor: [] },
  'a directive the path does not know': { query: '{ artifacts(first: 2) { edges { node { name @deprecated } } } }', sqlFor: [] },
  'another root field beside': { query: '{ me { role } artifacts(first: 2) { edges { node { name } } } }', sqlFor: [] },
  'first out of range': { query: '{ artifacts(first: 101) { edges { node { name } } } }', sqlFor: [] },
  'a negative first': { query: PAGE, variables: { n: -1 }, sqlFor: [] },
  'a malformed cursor': { query: PAGE, variables: { n: 2, after: 'not-a-cursor' }, sqlFor: [] },
  'a variable of the wrong type': { query: PAGE, variables: { n: 'two' }, sqlFor: [] },
  'an unknown field': { query: '{ artifacts(first: 2) { edges { node { nope } } } }', sqlFor: [] },
  'a mutation': { query: 'mutation { updateSettings(input: {}) { settings { allowPublicSignup } } }', sqlFor: [] },
};

interface Answer {
  status: number;
  body: string;
}

async function send(url: string, credential: Record<string, string>, body: string): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...credential };
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers, body, signal: AbortSignal.timeout(15_000) });
  return { status: response.status, body: await response.text() };
}

for (const { dialect, skip } of DIALECTS) describe.skipIf(skip)(`the fast path answers as the resolvers do (${dialect})`, () => {
  let oidc: FakeOidc;
  let sqlServer: TestServer;
  let resolverServer: TestServer;
  let zeroSql: TestServer;
  let zeroResolvers: TestServer;
  /** The header each identity sends its credential in (none for anonymous and zero-auth). */
  const credentials = {} as Record<Who, Record<string, string>>;

  /** The pair of servers `who` talks to. */
  const serversOf = (who: Who) => (who === 'zeroAuth' ? [zeroSql, zeroResolvers] : [sqlServer, resolverServer]) as [TestServer, TestServer];

  async function compare(who: Who, name: string, testCase: Pick<Case, 'query' | 'variables'> & { operationName?: string }): Promise<{ sql: boolean; answer: Answer }> {
    const [withSql, withResolvers] = serversOf(who);
    const body = JSON.stringify({ query: testCase.query, variables: testCase.variables, operationName: testCase.operationName });
    const before = withSql.app.server.sqlAnswers();
    const viaSql = await send(withSql.url, credentials[who], body);
    const sql = withSql.app.server.sqlAnswers() > before;
    const viaResolvers = await send(withResolvers.url, credentials[who], body);
    expect(withResolvers.app.server.sqlAnswers(), 'the resolver server never takes the fast path').toBe(0);
    expect(viaSql, `${name} as ${who}`).toEqual(viaResolvers);
    expect(withSql.app.server.sqlFailures(), `${name} as ${who}: no unexpected error on the fast path`).toBe(0);
    return { sql, answer: viaSql };
  }

  const artifactInput = (i: number, team: string): CreateArtifactInput => {
    const names = ['quote " and back\\slash', 'line\nbreak', 'separator \u2028 and emoji 🧪', '<b>html</b> & ampersand', 'controls \t\u0001\u001f\u007f\b\f\r/'];
    return {
      name: `${team} artifact ${i}${i <= names.length ? ` ${names[i - 1]!}` : ''}`,
      type: (['SKILL', 'COMMAND', 'AGENT', 'MCP', 'HOOK'] as const)[i % 5]!,
      ...(i % 3 === 0 ? {} : { description: `Description ${i} — “typographic” ${'ü'.repeat(i % 4)}` }),
      tags: i % 4 === 0 ? [] : [`tag-${i % 3}`, 'ünïcode', 'with "quotes"'],
      visibility: i % 2 === 0 ? 'PUBLIC' : 'TEAM',
    };
  };

  beforeAll(async () => {
    oidc = await startFakeOidc();
    const env = {
      SKILLMEAT_AUTH_ENABLED: 'true',
      SKILLMEAT_AUTH_PROVIDER: 'clerk',
      CLERK_JWKS_URL: oidc.jwksUrl,
      CLERK_ISSUER: oidc.issuer,
      SKILLMEAT_ENTERPRISE_PAT_SECRET: ENTERPRISE_SECRET,
    };
    sqlServer = await startTestServer({ dialect, env });
    resolverServer = await startTestServer({ dialect, env, database: sqlServer.database, sqlExecution: false });
    zeroSql = await startTestServer({ dialect });
    zeroResolvers = await startTestServer({ dialect, database: zeroSql.database, sqlExecution: false });

    credentials.anonymous = {};
    credentials.sys = { authorization: `Bearer ${ENTERPRISE_SECRET}` };
    credentials.zeroAuth = {};
    for (const [person, { role, team }] of Object.entries(PEOPLE) as [Person, (typeof PEOPLE)[Person]][]) {
      credentials[person] = { authorization: `Bearer ${await oidc.mint(claimsFor(role, team, person), { expiresIn: 3600 })}` };
    }
    const as = (who: Who) => ({ headers: credentials[who] });
    for (const [who, scopes] of [['artifactsOnlyKey', ['artifacts:read']], ['collectionsOnlyKey', ['collections:read']]] as const) {
      const { createApiKey } = await graphqlOk(sqlServer.url, JwtCreateApiKeyDocument, { scopes: [...scopes] }, as('alice'));
      credentials[who] = { 'x-api-key': createApiKey.secret };
    }

    // Artifacts 1–15 by alice (team-a), 16–30 by bob (team-b); ids follow this order.
    for (const [who, team] of [['alice', 'team-a'], ['bob', 'team-b']] as const) {
      for (let i = 1; i <= 15; i++) await graphqlOk(sqlServer.url, CreateArtifactDocument, { input: artifactInput(i, team) }, as(who));
    }
    for (let i = 1; i <= 12; i++) {
      await graphqlOk(zeroSql.url, CreateArtifactDocument, { input: artifactInput(i, 'local') });
    }
    const collections: [Who, string, 'TEAM' | 'PUBLIC', number[]][] = [
      ['alice', 'CA-private', 'TEAM', [1, 2, 3, 4, 5, 6, 8, 10]],
      ['alice', 'CA-public', 'PUBLIC', [2, 4, 6, 17, 19]],
      ['alice', 'CA-empty', 'PUBLIC', []],
      ['bob', 'CB-private', 'TEAM', [16, 17, 18, 19, 20, 21]],
      ['bob', 'CB-public', 'PUBLIC', [2, 17, 18, 20, 22, 24, 26, 28, 30]],
    ];
    const artifactId = artifactGlobalId;
    for (const [who, name, visibility, members] of collections) {
      const { createCollection } = await graphqlOk(sqlServer.url, CreateCollectionDocument, { input: { name, visibility, description: `${name} "described"` } }, as(who));
      for (const n of members) {
        await graphqlOk(sqlServer.url, AddArtifactToCollectionDocument, { input: { collectionId: createCollection.collection.id, artifactId: artifactId(n) } }, as(who));
      }
      const { createCollection: local } = await graphqlOk(zeroSql.url, CreateCollectionDocument, { input: { name, visibility } });
      for (const n of members.filter((m) => m <= 12)) {
        await graphqlOk(zeroSql.url, AddArtifactToCollectionDocument, { input: { collectionId: local.collection.id, artifactId: artifactId(n) } });
      }
    }
    expect(decodeGlobalId(artifactId(30))).toBe('Artifact:30');

    // An artifact with no owner, and one owned by a user with no name whose team an admin gave.
    for (const server of [sqlServer, zeroSql]) {
      const db = server.app.database.db;
      const at = new Date().toISOString();
      const owner = await db
        .insertInto('users')
        .values({ subject: 'no-name', name: null, email: null, role: 'VIEWER', team_id: null, team_override: 'team-a', created_at: at, updated_at: at })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db.updateTable('artifacts').set({ owner_id: null }).where('id', '=', 3).execute();
      await db.updateTable('artifacts').set({ owner_id: owner.id }).where('id', '=', 4).execute();
    }
  });

  afterAll(async () => {
    await resolverServer?.stop({ drop: false });
    await sqlServer?.stop();
    await zeroResolvers?.stop({ drop: false });
    await zeroSql?.stop();
    await oidc?.close();
  });

  for (const [name, testCase] of Object.entries(CASES)) {
    it(`${name}: the same answer for every identity, from rows exactly where it may`, async () => {
      const answeredFor: Who[] = [];
      for (const who of EVERYONE) {
        const { sql } = await compare(who, name, testCase);
        if (sql) answeredFor.push(who);
      }
      expect(answeredFor).toEqual(EVERYONE.filter((who) => testCase.sqlFor.includes(who)));
    });
  }

  it('every read workload of the bench: the same answer for every identity, from rows for every reader', async () => {
    for (const workload of BENCH_READS) {
      const answeredFor: Who[] = [];
      for (const who of EVERYONE) {
        const { sql } = await compare(who, workload.id, { query: workload.query, variables: workload.variables, ...(workload.operationName ? { operationName: workload.operationName } : {}) });
        if (sql) answeredFor.push(who);
      }
      // W1 (`me`) is the resolvers'; every other read is a page or a lookup this path reads, for
      // every identity with the read scopes it needs.
      // Pages of artifacts and lookups of artifacts need artifacts:read alone; pages of collections both scopes.
      const readers = workload.id === 'W1' ? [] : workload.id === 'W3' || workload.id === 'C3' ? READERS : withArtifactsRead();
      expect(answeredFor, workload.id).toEqual(EVERYONE.filter((who) => readers.includes(who)));
    }
  });

  it("every query operation of the tests' and the CLI's documents: the same answer for every identity", async () => {
    const operations = corpusOperations();
    // The corpus is what it says: dozens of operations, a good part of them answered from rows.
    expect(operations.length).toBeGreaterThan(40);
    let answered = 0;
    for (const operation of operations) {
      for (const variables of variablesFor(operation.variables, { artifact: artifactGlobalId, collection: collectionGlobalId })) {
        for (const who of EVERYONE) {
          if ((await compare(who, `${operation.file} ${operation.name} ${JSON.stringify(variables)}`, { query: operation.text, variables, operationName: operation.name })).sql) answered++;
        }
      }
    }
    expect(answered).toBeGreaterThan(100);
  });

  it('a stored value the resolvers would change or reject sends the query to them, with the same answer', async () => {
    const db = sqlServer.app.database.db;
    // Each stored value is tried on one page, on the same artifacts inside collections, on them
    // with a third page inside, and by lookup; artifact 2 is in all of them.
    const shapes = {
      rows: (fields: string) => `{ artifacts(first: 5) { edges { node { ${fields} } } } }`,
      nested: (fields: string) => `{ collections(first: 5) { edges { node { artifacts(first: 10) { edges { node { ${fields} } } } } } } }`,
      deep: (fields: string) => `{ collections(first: 5) { edges { node { artifacts(first: 10) { edges { node { ${fields} collections(first: 1) { edges { cursor } } } } } } } } }`,
      // Artifact 4 is the one whose owner has no name (the owner's values are changed below).
      lookup: (fields: string) => `{ a: node(id: "${artifactGlobalId(2)}") { ... on Artifact { ${fields} } } b: artifact(id: "${artifactGlobalId(4)}") { ${fields} } }`,
    };
    const PATHS = ['rows', 'nested', 'deep', 'lookup'] as const;
    const original = await db.selectFrom('artifacts').selectAll().where('id', '=', 2).executeTakeFirstOrThrow();
    // Whether the path may still answer: `asked` reads every field, `others` only id and name.
    // Tags that are not JSON fail every list the row is in (toArtifact parses them), so neither.
    // A control character in a tag is written by JSON.stringify as \u0001: the writer checks a
    // list by JSON.stringify itself and passes it through.
    type Expect = { asked: boolean; others: boolean };
    const corruptions: [string, Partial<typeof original>, Expect][] = [
      ['a DateTime not in the wire form (the resolvers rewrite it)', { created_at: '2025-01-01T00:00:00Z' }, { asked: false, others: true }],
      ['an enum value the schema does not have (the resolvers answer an error)', { type: 'WIDGET' }, { asked: false, others: true }],
      ['a tag that is a number (String coerces it)', { tags: '["ok", 1]' }, { asked: false, others: true }],
      ['tags that are not JSON (the resolvers answer an error)', { tags: 'ok' }, { asked: false, others: false }],
      ['tags not minified', { tags: '[ "ok" ]' }, { asked: false, others: true }],
      ['tags with an escape JSON.stringify would not write', { tags: '["\\u00e9", "a\\/b"]' }, { asked: false, others: true }],
      ['a tag with a control character (written as \\u0001)', { tags: JSON.stringify(['\u0001']) }, { asked: true, others: true }],
      // A number in a text column is stored as text (SQLite's column affinity); a blob stays a
      // blob. PostgreSQL's text columns hold text only.
      ...(dialect === 'sqlite'
        ? ([
            ['a name that is a blob', { name: Buffer.from('x') as unknown as string }, { asked: false, others: false }],
            ['a description that is a blob', { description: Buffer.from('x') as unknown as string }, { asked: false, others: true }],
          ] as [string, Partial<typeof original>, Expect][])
        : []),
    ];
    for (const [what, change, expected] of corruptions) {
      await db.updateTable('artifacts').set(change).where('id', '=', 2).execute();
      try {
        for (const path of PATHS) {
          const asked = await compare('sys', `${what}, ${path}`, { query: shapes[path](ARTIFACT_FIELDS) });
          expect(asked.sql, `${what}, ${path}`).toBe(expected.asked);
          expect(asked.answer.status, what).toBe(200);
          const others = await compare('sys', what, { query: shapes[path]('id name') });
          expect(others.sql, `${what}, ${path}, id and name`).toBe(expected.others);
        }
      } finally {
        await db.updateTable('artifacts').set(original).where('id', '=', 2).execute();
      }
    }
    const owner = await db.selectFrom('users').select(['id', 'created_at', 'name']).where('subject', '=', 'no-name').executeTakeFirstOrThrow();
    const ownerChanges = [
      { created_at: '2025-01-01T00:00:00+00:00' },
      ...(dialect === 'sqlite' ? [{ name: Buffer.from('n') as unknown as string }, { team_override: Buffer.from('t') as unknown as string }] : []),
    ];
    for (const change of ownerChanges) {
      await db.updateTable('users').set(change).where('id', '=', owner.id).execute();
      try {
        for (const path of PATHS) {
          expect((await compare('sys', `an owner's ${Object.keys(change)[0]}, ${path}`, { query: shapes[path](ARTIFACT_FIELDS) })).sql, `${Object.keys(change)[0]}, ${path}`).toBe(false);
        }
      } finally {
        await db.updateTable('users').set({ created_at: owner.created_at, name: owner.name, team_override: 'team-a' }).where('id', '=', owner.id).execute();
      }
    }
    for (const path of PATHS) {
      const restored = await compare('sys', `restored, ${path}`, { query: shapes[path](ARTIFACT_FIELDS) });
      expect(restored.sql, `restored, ${path}`).toBe(true);
    }
    // The answers above were written as the writer's JSON text, not parsed and stringified again.
    expect(sqlServer.app.server.sqlAnswers()).toBeGreaterThan(0);
    expect(sqlServer.app.server.sqlBodiesAsIs()).toBe(sqlServer.app.server.sqlAnswers());
  });

  /** Whether `query` is answered from rows in `count` statements. */
  async function expectStatements(label: string, query: string, count: number): Promise<void> {
    await compare('sys', 'warm-up', { query });
    sqlServer.statements.length = 0;
    const answered = await compare('sys', label, { query });
    expect(answered.sql, label).toBe(true);
    // The resolver server shares the counter's database but not its onQuery: these are the fast path's alone.
    expect(sqlServer.statements, label).toHaveLength(count);
  }

  it('answers one page in one statement, owners joined', async () => {
    for (const first of [1, 50, 100]) {
      await expectStatements(`first: ${first}`, `{ artifacts(first: ${first}) { edges { cursor node { id name tags owner { name createdAt } } } pageInfo { hasNextPage endCursor } } }`, 1);
    }
  });

  it('answers pages in pages in one statement per level, whatever the page sizes', async () => {
    for (const [collections, artifacts] of [[2, 2], [5, 10], [50, 20], [100, 100]]) {
      const query = `{ collections(first: ${collections}) { edges { node { name artifacts(first: ${artifacts}) { edges { node { name tags owner { name } } } pageInfo { hasNextPage } } } } pageInfo { endCursor } } }`;
      await expectStatements(`${collections} x ${artifacts}`, query, 2);
    }
    for (const [collections, artifacts] of [[2, 2], [5, 10], [50, 20]]) {
      const query = `{ collections(first: ${collections}) { edges { node { name artifacts(first: ${artifacts}) { edges { node { name owner { name } collections(first: 3) { edges { node { name } } } } } } } } } }`;
      await expectStatements(`three deep, ${collections} x ${artifacts}`, query, 3);
    }
    // totalCount adds one statement per level that asks for it.
    await expectStatements('counted', '{ collections(first: 5) { totalCount edges { node { artifacts(first: 3) { totalCount edges { node { name } } } } } } }', 4);
  });

  it('the pages hold what they should: tenancy, both directions of membership, owners', async () => {
    // A spot check that the comparisons above compare something: the member sees its team's
    // TEAM rows and everyone's PUBLIC ones, in id order, with owners.
    const { answer } = await compare('alice', 'W3', { query: W3 });
    const data = (JSON.parse(answer.body) as { data: { collections: { edges: { node: { name: string; artifacts: { edges: { node: { name: string; owner: { name: string | null } | null } }[] } } }[] } } }).data;
    const byName = new Map(data.collections.edges.map((e) => [e.node.name, e.node.artifacts.edges.map((a) => a.node)]));
    expect([...byName.keys()]).toEqual(['CA-private', 'CA-public', 'CA-empty', 'CB-public']);
    expect(byName.get('CA-empty')).toEqual([]);
    // CB-public also holds team-b's TEAM artifacts 18–30 (even ids), which alice must not see.
    expect(byName.get('CB-public')!.map((a) => a.name)).toEqual(['team-a artifact 2 line\nbreak', 'team-b artifact 2 line\nbreak']);
    const alice = { name: 'Test alice' };
    // Artifact 3 has no owner; artifact 4's owner has no name.
    expect(byName.get('CA-private')!.map((a) => a.owner)).toEqual([alice, alice, null, { name: null }, alice, alice, alice, alice]);
  });
});

describe('an unexpected error on the fast path', () => {
  it('is logged and counted, and the resolvers answer', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
    const server = await startTestServer({ logger });
    try {
      await graphqlOk(server.url, CreateArtifactDocument, { input: { name: 'drifted', type: 'SKILL' } });
      // A column the fast path names and the resolvers' select * does not: a schema that drifted
      // under a running server. The statement fails with SQLite's error, not CannotAnswer.
      await sql`alter table artifacts rename column description to summary`.execute(server.app.database.db);
      const response = await send(server.url, {}, JSON.stringify({ query: '{ artifacts(first: 5) { edges { node { name description } } } }' }));
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toEqual({ data: { artifacts: { edges: [{ node: { name: 'drifted', description: null } }] } } });
      expect(server.app.server.sqlAnswers()).toBe(0);
      expect(server.app.server.sqlFailures()).toBe(1);
      const logged = lines.map((line) => JSON.parse(line) as { msg: string; err?: { message: string } });
      expect(logged).toHaveLength(1);
      expect(logged[0]!.msg).toBe('the fast read path failed; the resolvers answer instead');
      expect(logged[0]!.err?.message).toContain('description');
      // A value the path deliberately leaves to the resolvers is no failure.
      await sql`update artifacts set created_at = 'yesterday'`.execute(server.app.database.db);
      await send(server.url, {}, JSON.stringify({ query: '{ artifacts(first: 5) { edges { node { name createdAt } } } }' }));
      expect(server.app.server.sqlFailures()).toBe(1);
    } finally {
      await server.stop();
    }
  });
});

describe('a result of the SQL path', () => {
  const json = '{"artifacts":{"edges":[{"node":{"name":"a \\"quoted\\" name"}}]}}';
  const stringify = (result: object) => (result as { stringify(value: unknown): string }).stringify(result);

  it('is written as the statement\'s JSON text while nobody has read its data', () => {
    let asIs = 0;
    const result = resultOf(json, () => asIs++);
    expect(stringify(result)).toBe(`{"data":${json}}`);
    expect(asIs).toBe(1);
  });

  it('is stringified as usual once its data was read (and perhaps changed), or when another object is serialized', () => {
    let asIs = 0;
    const read = resultOf(json, () => asIs++);
    const data = read.data as { artifacts: { edges: { node: { name: string } }[] } };
    data.artifacts.edges[0]!.node.name = 'changed';
    expect(stringify(read)).toBe('{"data":{"artifacts":{"edges":[{"node":{"name":"changed"}}]}}}');
    const withErrors = { ...resultOf(json, () => asIs++), errors: [{ message: 'added' }] };
    const fresh = resultOf(json, () => asIs++) as { stringify(value: unknown): string };
    expect(fresh.stringify(withErrors)).toBe(JSON.stringify({ data: JSON.parse(json), errors: [{ message: 'added' }] }));
    expect(asIs).toBe(0);
  });

  it('is written the same when Yoga calls its stringify unbound, and JSON.stringify of it gives its data', () => {
    let asIs = 0;
    const result = resultOf(json, () => asIs++);
    const { stringify: unbound } = result as { stringify(value: unknown): string };
    expect(unbound(result)).toBe(`{"data":${json}}`);
    expect(asIs).toBe(1);
    expect(JSON.stringify(result)).toBe(`{"data":${json}}`);
  });

  it('makes no function per result: every result shares its data accessor and its stringify', () => {
    // A getter written in an object literal is a new function per result, and such objects kept
    // each response's text alive for the garbage collector to copy (docs/performance.md).
    const [a, b] = [resultOf(json, () => {}), resultOf('{}', () => {})];
    const accessor = (result: object) => Object.getOwnPropertyDescriptor(result, 'data');
    expect(typeof accessor(a)?.get).toBe('function');
    expect(accessor(a)?.enumerable).toBe(true);
    expect(accessor(a)?.get).toBe(accessor(b)?.get);
    expect((a as { stringify?: unknown }).stringify).toBe((b as { stringify?: unknown }).stringify);
    expect(b.data).toEqual({});
  });
});
