/**
 * The SQL path (src/plugins/sql-execution.ts) answers exactly as the resolvers do. Two servers
 * share one SQLite file and one auth setup: one answers what it can in one SQL statement, the
 * other runs every query through the resolvers. Every query of a list (each field the SQL path
 * reads, aliases, __typename, pages and cursors, nested pages, and shapes it must leave to the
 * resolvers) is sent as every identity (anonymous, a VIEWER, members and admins of two teams,
 * SYSTEM_ADMIN, API keys missing one read scope, zero-auth on a server of its own), and status
 * and body must match byte for byte. The SQL path's counter says which queries it answered:
 * each case names the identities it must answer for, and it must answer for no other.
 * A query of one page is answered from rows (src/db/page-rows.ts), one with pages inside pages
 * by the JSON statement (src/db/json-response.ts): each case also says which.
 * Then stored values the resolvers would not pass through unchanged (a DateTime in another
 * form, an unknown enum value, a tag that is not a string, a blob where text belongs) must send
 * the query to the resolvers, on either path, with the same answer again.
 *
 * The data: 30 artifacts over two teams (TEAM and PUBLIC, null and non-null descriptions,
 * names with quotes, backslashes, a newline, U+2028 and an emoji), an artifact with no owner
 * and one owned by a user with no name whose team came from an admin (team_override), and
 * collections of both teams and visibilities holding members of both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../src/db/pagination.js';
import { resultOf } from '../src/plugins/sql-execution.js';
import {
  AddArtifactToCollectionDocument,
  CreateArtifactDocument,
  CreateCollectionDocument,
  JwtCreateApiKeyDocument,
  type CreateArtifactInput,
} from './operations/generated/graphql.js';
import { DIALECTS } from './support/databases.js';
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
  // Left to the resolvers: what the SQL path does not read, and arguments it must not judge.
  'a filter': { query: '{ artifacts(first: 5, filter: { type: SKILL }) { edges { node { name } } } }', sqlFor: [] },
  totalCount: { query: '{ artifacts(first: 5) { totalCount edges { node { name } } } }', sqlFor: [] },
  'User.email (a rule on the row)': { query: '{ artifacts(first: 5) { edges { node { owner { name email } } } } }', sqlFor: [] },
  'User.role (a computed field)': { query: '{ artifacts(first: 5) { edges { node { owner { role } } } } }', sqlFor: [] },
  'a fragment': { query: '{ artifacts(first: 2) { edges { node { ...F } } } } fragment F on Artifact { name }', sqlFor: [] },
  'an inline fragment': { query: '{ artifacts(first: 2) { edges { node { ... on Artifact { name } } } } }', sqlFor: [] },
  '@include': { query: 'query($yes: Boolean!) { artifacts(first: 2) { edges { node { name @include(if: $yes) } } } }', variables: { yes: true }, sqlFor: [] },
  'a field twice under one key': { query: '{ artifacts(first: 2) { edges { node { name name } } } }', sqlFor: [] },
  'another root field beside': { query: '{ me { role } artifacts(first: 2) { edges { node { name } } } }', sqlFor: [] },
  'first out of range': { query: '{ artifacts(first: 101) { edges { node { name } } } }', sqlFor: [] },
  'a negative first': { query: PAGE, variables: { n: -1 }, sqlFor: [] },
  'a malformed cursor': { query: PAGE, variables: { n: 2, after: 'not-a-cursor' }, sqlFor: [] },
  'a variable of the wrong type': { query: PAGE, variables: { n: 'two' }, sqlFor: [] },
  'an unknown field': { query: '{ artifacts(first: 2) { edges { node { nope } } } }', sqlFor: [] },
  'a mutation': { query: 'mutation { updateSettings(input: {}) { settings { allowPublicSignup } } }', sqlFor: [] },
};

/**
 * The cases with one page and no page inside it, which the SQL path answers from rows
 * (src/db/page-rows.ts); it answers the others it may with the JSON statement (json-response.ts).
 */
const FROM_ROWS = new Set([
  'W2 of the bench',
  'W3 of the bench',
  'every column field of every type, __typename everywhere, artifacts in collections',
  'every column field of every type, __typename everywhere, collections of artifacts',
  'pages in pages, each one short',
  'pages of nothing in pages',
  'pageInfo alone in pages',
  'a page of __typename alone in pages',
  'nested pages after a cursor',
  'every column field of every type, __typename everywhere, one page',
  'every collection field, __typename after the page',
  'an owner under two aliases, edges under two aliases',
  'the default page size',
  'the largest page',
  'an empty page',
  'a connection of __typename alone',
  'pageInfo alone',
  'page 1 by variables',
  'page 2 by variables',
  'the last page',
  'a page past the end',
  'a page of exactly every row (30)',
  'a page of exactly every row (12)',
  'variables left out',
  'collections by pages',
  'filter: null',
]);

interface Answer {
  status: number;
  body: string;
}

async function send(url: string, credential: Record<string, string>, body: string): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...credential };
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers, body, signal: AbortSignal.timeout(15_000) });
  return { status: response.status, body: await response.text() };
}

describe('the SQL path answers as the resolvers do', () => {
  let oidc: FakeOidc;
  let sqlServer: TestServer;
  let resolverServer: TestServer;
  let zeroSql: TestServer;
  let zeroResolvers: TestServer;
  /** The header each identity sends its credential in (none for anonymous and zero-auth). */
  const credentials = {} as Record<Who, Record<string, string>>;

  /** The pair of servers `who` talks to. */
  const serversOf = (who: Who) => (who === 'zeroAuth' ? [zeroSql, zeroResolvers] : [sqlServer, resolverServer]) as [TestServer, TestServer];

  async function compare(who: Who, name: string, testCase: Pick<Case, 'query' | 'variables'>): Promise<{ sql: boolean; fromRows: boolean; answer: Answer }> {
    const [withSql, withResolvers] = serversOf(who);
    const body = JSON.stringify({ query: testCase.query, variables: testCase.variables });
    const before = withSql.app.server.sqlAnswers();
    const rowsBefore = withSql.app.server.sqlAnswersFromRows();
    const viaSql = await send(withSql.url, credentials[who], body);
    const sql = withSql.app.server.sqlAnswers() > before;
    const fromRows = withSql.app.server.sqlAnswersFromRows() > rowsBefore;
    const viaResolvers = await send(withResolvers.url, credentials[who], body);
    expect(withResolvers.app.server.sqlAnswers(), 'the resolver server never takes the SQL path').toBe(0);
    expect(viaSql, `${name} as ${who}`).toEqual(viaResolvers);
    return { sql, fromRows, answer: viaSql };
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
    sqlServer = await startTestServer({ env });
    resolverServer = await startTestServer({ env, database: sqlServer.database, sqlExecution: false });
    zeroSql = await startTestServer();
    zeroResolvers = await startTestServer({ database: zeroSql.database, sqlExecution: false });

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
    const artifactId = (n: number) => Buffer.from(`Artifact:${n}`).toString('base64');
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
    it(`${name}: the same answer for every identity, from SQL exactly where it may`, async () => {
      const answeredFor: Who[] = [];
      const fromRowsFor: Who[] = [];
      for (const who of EVERYONE) {
        const { sql, fromRows } = await compare(who, name, testCase);
        if (sql) answeredFor.push(who);
        if (fromRows) fromRowsFor.push(who);
      }
      expect(answeredFor).toEqual(EVERYONE.filter((who) => testCase.sqlFor.includes(who)));
      expect(fromRowsFor, 'answered from rows').toEqual(FROM_ROWS.has(name) ? answeredFor : []);
    });
  }

  it('a stored value the resolvers would change or reject sends the query to them, with the same answer', async () => {
    const db = sqlServer.app.database.db;
    // Each stored value is tried on one page and on the same artifacts inside collections (both
    // answered from rows, page-rows.ts), and on them with a third page inside (the JSON
    // statement, json-response.ts); artifact 2 is in all three.
    const shapes = {
      rows: (fields: string) => `{ artifacts(first: 5) { edges { node { ${fields} } } } }`,
      nested: (fields: string) => `{ collections(first: 5) { edges { node { artifacts(first: 10) { edges { node { ${fields} } } } } } } }`,
      json: (fields: string) => `{ collections(first: 5) { edges { node { artifacts(first: 10) { edges { node { ${fields} collections(first: 1) { edges { cursor } } } } } } } } }`,
    };
    const PATHS = ['rows', 'nested', 'json'] as const;
    const original = await db.selectFrom('artifacts').selectAll().where('id', '=', 2).executeTakeFirstOrThrow();
    // Whether each path may still answer: `asked` reads every field, `others` only id and name.
    // Tags that are not JSON fail every list the row is in (toArtifact parses them), so neither.
    // A control character in a tag is written by JSON.stringify as \u0001: the writer of rows
    // checks a list by JSON.stringify itself and passes it through; the JSON statement leaves
    // every \u escape to the resolvers.
    // The writer of rows answers the page inside pages as it does one page (`nested` below is `rows`).
    type Expect = { asked: boolean; others: boolean };
    const corruptions: [string, Partial<typeof original>, { rows: Expect; json: Expect }][] = [
      ['a DateTime not in the wire form (the resolvers rewrite it)', { created_at: '2025-01-01T00:00:00Z' }, { rows: { asked: false, others: true }, json: { asked: false, others: true } }],
      ['an enum value the schema does not have (the resolvers answer an error)', { type: 'WIDGET' }, { rows: { asked: false, others: true }, json: { asked: false, others: true } }],
      ['a tag that is a number (String coerces it)', { tags: '["ok", 1]' }, { rows: { asked: false, others: true }, json: { asked: false, others: true } }],
      ['tags that are not JSON (the resolvers answer an error)', { tags: 'ok' }, { rows: { asked: false, others: false }, json: { asked: false, others: false } }],
      ['tags not minified', { tags: '[ "ok" ]' }, { rows: { asked: false, others: true }, json: { asked: false, others: true } }],
      ['tags with an escape JSON.stringify would not write', { tags: '["\\u00e9", "a\\/b"]' }, { rows: { asked: false, others: true }, json: { asked: false, others: true } }],
      ['a tag with a control character (written as \\u0001)', { tags: JSON.stringify(['\u0001']) }, { rows: { asked: true, others: true }, json: { asked: false, others: true } }],
      // A number in a text column is stored as text (SQLite's column affinity); a blob stays a blob.
      ['a name that is a blob', { name: Buffer.from('x') as unknown as string }, { rows: { asked: false, others: false }, json: { asked: false, others: false } }],
      ['a description that is a blob', { description: Buffer.from('x') as unknown as string }, { rows: { asked: false, others: true }, json: { asked: false, others: true } }],
    ];
    for (const [what, change, expected] of corruptions) {
      await db.updateTable('artifacts').set(change).where('id', '=', 2).execute();
      try {
        for (const path of PATHS) {
          const expect_ = expected[path === 'nested' ? 'rows' : path];
          const asked = await compare('sys', `${what}, ${path}`, { query: shapes[path](ARTIFACT_FIELDS) });
          expect(asked.sql, `${what}, ${path}`).toBe(expect_.asked);
          expect(asked.fromRows, `${what}, ${path}`).toBe(expect_.asked && path !== 'json');
          expect(asked.answer.status, what).toBe(200);
          const others = await compare('sys', what, { query: shapes[path]('id name') });
          expect(others.sql, `${what}, ${path}, id and name`).toBe(expect_.others);
          expect(others.fromRows, `${what}, ${path}, id and name`).toBe(expect_.others && path !== 'json');
        }
      } finally {
        await db.updateTable('artifacts').set(original).where('id', '=', 2).execute();
      }
    }
    const owner = await db.selectFrom('users').select(['id', 'created_at', 'name']).where('subject', '=', 'no-name').executeTakeFirstOrThrow();
    for (const change of [{ created_at: '2025-01-01T00:00:00+00:00' }, { name: Buffer.from('n') as unknown as string }, { team_override: Buffer.from('t') as unknown as string }]) {
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
      expect([restored.sql, restored.fromRows], `restored, ${path}`).toEqual([true, path !== 'json']);
    }
    // The answers above were written as the statement's JSON text, not parsed and stringified again.
    expect(sqlServer.app.server.sqlAnswers()).toBeGreaterThan(0);
    expect(sqlServer.app.server.sqlBodiesAsIs()).toBe(sqlServer.app.server.sqlAnswers());
  });

  /** Whether `query` is answered by the SQL path in one statement, and from rows or not. */
  async function expectOneStatement(label: string, query: string, fromRows: boolean): Promise<void> {
    await compare('sys', 'warm-up', { query });
    sqlServer.statements.length = 0;
    const answered = await compare('sys', label, { query });
    expect([answered.sql, answered.fromRows], label).toEqual([true, fromRows]);
    // The resolver server shares the counter's database but not its onQuery: these are the SQL path's alone.
    expect(sqlServer.statements, label).toHaveLength(1);
  }

  it('answers one page in one statement, read as rows', async () => {
    for (const first of [1, 50, 100]) {
      await expectOneStatement(`first: ${first}`, `{ artifacts(first: ${first}) { edges { cursor node { id name tags owner { name createdAt } } } pageInfo { hasNextPage endCursor } } }`, true);
    }
  });

  it('answers pages in pages in one statement, read as rows, whatever the page sizes', async () => {
    for (const [collections, artifacts] of [[2, 2], [5, 10], [50, 20], [100, 100]]) {
      const query = `{ collections(first: ${collections}) { edges { node { name artifacts(first: ${artifacts}) { edges { node { name tags owner { name } } } pageInfo { hasNextPage } } } } pageInfo { endCursor } } }`;
      await expectOneStatement(`${collections} x ${artifacts}`, query, true);
    }
  });

  it('runs one statement per query, whatever the page sizes, three pages deep too', async () => {
    for (const [collections, artifacts] of [[2, 2], [5, 10], [50, 20]]) {
      const query = `{ collections(first: ${collections}) { edges { node { name artifacts(first: ${artifacts}) { edges { node { name owner { name } collections(first: 3) { edges { node { name } } } } } } } } } }`;
      await expectOneStatement(`${collections} x ${artifacts}`, query, false);
    }
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

describe('the SQL path on PostgreSQL', () => {
  const postgres = DIALECTS.find((d) => d.dialect === 'postgres')!;
  let server: TestServer;
  beforeAll(async () => {
    if (!postgres.skip) server = await startTestServer({ dialect: 'postgres' });
  });
  afterAll(async () => server?.stop());

  it.skipIf(postgres.skip)('is off: the statement is SQLite\'s, so the resolvers answer', async () => {
    const answer = await send(server.url, {}, JSON.stringify({ query: W3 }));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ data: { collections: { edges: [] } } });
    expect(server.app.server.sqlAnswers()).toBe(0);
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
