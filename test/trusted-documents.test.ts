/**
 * Trusted documents (src/plugins/trusted-documents.ts) over real HTTP. The manifests are the
 * ones `npm run codegen` writes: the CLI's (built in) and the tests' own. Every request that can
 * take the direct path (src/http/graphql-post.ts) is sent to a server with it and to one without
 * it on the same database, and the two answers must be the same. Also: SKILLMEAT_TRUSTED_DOCUMENTS
 * in the config and at start, the auth chain running once per request, and the CLI against a
 * server that runs its manifest only.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { print, type DocumentNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AuthChain } from '../src/auth/chain.js';
import { requestViewer } from '../src/auth/request-viewer.js';
import { makeViewer } from '../src/vocabulary/viewer.js';
import { CliLogOutDocument, CliPersonalAccessTokensDocument, CliViewerDocument } from '../src/cli/operations/generated/graphql.js';
import { ConfigError, loadConfig } from '../src/config.js';
import * as ops from './operations/generated/graphql.js';
import { killCliProcesses, runCli, tempHome, type TempHome } from './support/cli.js';
import type { GraphQLErrorBody } from './support/graphql.js';
import { startLoggedServer, type LoggedServer } from './support/log-capture.js';
import { killServerProcesses, spawnServer } from './support/process.js';
import { startTestServer, type TestServer } from './support/server.js';

vi.setConfig({ testTimeout: 90_000 });

const TEST_MANIFEST = fileURLToPath(new URL('./operations/generated/persisted-documents.json', import.meta.url));
const CLI_MANIFEST = fileURLToPath(new URL('../src/cli/operations/generated/persisted-documents.json', import.meta.url));
const testManifest = JSON.parse(readFileSync(TEST_MANIFEST, 'utf8')) as Record<string, string>;
const cliManifest = JSON.parse(readFileSync(CLI_MANIFEST, 'utf8')) as Record<string, string>;

const PAT_SECRET = 'trusted-documents-enterprise-secret-0123456789';
const ARBITRARY = '{ me { role } }';

/** The id codegen embedded in a generated document. */
function idOf(document: DocumentNode): string {
  const hash = (document as { __meta__?: { hash?: string } }).__meta__?.hash;
  if (!hash) throw new Error('the document carries no __meta__.hash: is persistedDocuments on in codegen.ts?');
  return hash;
}
const hexOf = (document: DocumentNode) => idOf(document).slice('sha256:'.length);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface Answer {
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: GraphQLErrorBody[] };
  challenge: string | null;
}

async function answerOf(response: Response): Promise<Answer> {
  return { status: response.status, body: (await response.json()) as Answer['body'], challenge: response.headers.get('www-authenticate') };
}

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  }).then(answerOf);
}

function get(url: string, search: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
  // A header only a script can set: a GraphQL GET without one is refused as a possible CSRF.
  return fetch(`${url}/graphql?${new URLSearchParams(search).toString()}`, {
    headers: { accept: 'application/json', 'graphql-require-preflight': '1', ...headers },
    signal: AbortSignal.timeout(15_000),
  }).then(answerOf);
}

const codesOf = (answer: Answer) => (answer.body.errors ?? []).map((e) => e.extensions?.code);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A server with the direct path and one without it, on one database. */
interface Pair {
  direct: TestServer;
  viaYoga: TestServer;
  /** POSTs `body` to both; fails unless both answer alike; `taken` is whether the direct path answered it. */
  both(body: unknown, headers?: Record<string, string>): Promise<Answer & { taken: boolean }>;
  stop(): Promise<void>;
}

async function startPair(env: Record<string, string>): Promise<Pair> {
  const direct = await startTestServer({ env, directGraphQLPost: true });
  const viaYoga = await startTestServer({ env, database: direct.database, directGraphQLPost: false });
  return {
    direct,
    viaYoga,
    async both(body, headers = {}) {
      const before = direct.app.server.directAnswers();
      const ours = await post(direct.url, body, headers);
      const taken = direct.app.server.directAnswers() > before;
      const yoga = await post(viaYoga.url, body, headers);
      expect(ours, `${JSON.stringify(body)}: the direct path answers as Yoga does`).toEqual(yoga);
      expect(viaYoga.app.server.directAnswers()).toBe(0);
      return { ...ours, taken };
    },
    async stop() {
      await viaYoga.stop({ drop: false });
      await direct.stop();
    },
  };
}

afterAll(async () => {
  await killCliProcesses();
  await killServerProcesses();
});

describe('the generated documents', () => {
  it('each carry the id of their text in their output\'s persisted-documents.json, and still print as full text', () => {
    for (const [document, manifest] of [
      [ops.MeDocument, testManifest],
      [ops.ListArtifactsDocument, testManifest],
      [CliViewerDocument, cliManifest],
      [CliLogOutDocument, cliManifest],
    ] as const) {
      const text = manifest[idOf(document)];
      expect(text, idOf(document)).toBeDefined();
      expect(sha256(text!)).toBe(hexOf(document));
      // The body is kept (mode embedHashInDocument): the tests and the CLI can still send it as text.
      const printed = print(document);
      const name = /(?:query|mutation) (\w+)/.exec(text!)![1]!;
      expect(printed).toContain(name);
      expect(printed.length).toBeGreaterThan(name.length + 10);
    }
    // A document with a fragment is listed with the fragment's definition.
    expect(testManifest[idOf(ops.ListArtifactsDocument)]).toMatch(/fragment PageInfoParts on PageInfo/);
    expect(Object.keys(cliManifest).sort()).toEqual([idOf(CliViewerDocument), idOf(CliPersonalAccessTokensDocument), idOf(CliLogOutDocument)].sort());
  });
});

describe('without SKILLMEAT_TRUSTED_DOCUMENTS (zero-auth)', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair({});
  });
  afterAll(async () => {
    await pair?.stop();
  });

  it('runs a document of the built-in (CLI) manifest by documentId, with the answer of its full text, on both paths', async () => {
    const byId = await pair.both({ documentId: idOf(CliViewerDocument) });
    const byText = await pair.both({ query: print(CliViewerDocument) });
    expect(byId.status).toBe(200);
    expect(byId.body).toEqual(byText.body);
    expect(byId.body.data).toMatchObject({ me: { role: 'LOCAL_ADMIN', authMethod: 'ZERO_AUTH' } });
    expect(byId.taken, 'a documentId body takes the direct path').toBe(true);
    const withVariables = await pair.both({ documentId: idOf(CliPersonalAccessTokensDocument), variables: { after: null } });
    expect(withVariables.body).toEqual((await pair.both({ query: print(CliPersonalAccessTokensDocument), variables: { after: null } })).body);
  });

  it('takes the id as bare hex or in capitals, and on a GET for a query (not a mutation)', async () => {
    const expected = (await pair.both({ query: print(CliViewerDocument) })).body;
    expect((await pair.both({ documentId: hexOf(CliViewerDocument) })).body).toEqual(expected);
    expect((await pair.both({ documentId: `sha256:${hexOf(CliViewerDocument).toUpperCase()}` })).body).toEqual(expected);
    const viaGet = await get(pair.direct.url, { documentId: idOf(CliViewerDocument) });
    expect(viaGet.status).toBe(200);
    expect(viaGet.body).toEqual(expected);
    const mutation = await get(pair.direct.url, { documentId: idOf(CliLogOutDocument), variables: JSON.stringify({ refreshToken: 'x' }) });
    expect(mutation.status).toBe(405);
  });

  it('answers an id of no document of the manifest 400 PERSISTED_QUERY_NOT_FOUND, on both paths and on a GET', async () => {
    const ids = [
      `sha256:${sha256('{ __typename }')}`,
      // A test document: not in the built-in manifest, which is the only one here.
      idOf(ops.MeDocument),
      'md5:0123456789abcdef',
      `sha256:${hexOf(CliViewerDocument).slice(1)}`,
      '',
    ];
    for (const documentId of ids) {
      const answer = await pair.both({ documentId });
      expect(answer.status, documentId).toBe(400);
      expect(codesOf(answer), documentId).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
      expect(answer.body.data, documentId).toBeUndefined();
    }
    const viaGet = await get(pair.direct.url, { documentId: idOf(ops.MeDocument) });
    expect([viaGet.status, codesOf(viaGet)]).toEqual([400, ['PERSISTED_QUERY_NOT_FOUND']]);
  });

  it('refuses a documentId sent with a query, or one that is not a string, with 400 BAD_USER_INPUT', async () => {
    for (const body of [
      { documentId: idOf(CliViewerDocument), query: print(CliViewerDocument) },
      { documentId: 42 },
      { documentId: { id: idOf(CliViewerDocument) } },
    ]) {
      const answer = await pair.both(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(codesOf(answer), JSON.stringify(body)).toEqual(['BAD_USER_INPUT']);
      expect(answer.taken).toBe(false);
    }
  });

  it('still runs any document sent as text, and a body with neither query nor documentId is Yoga\'s error as before', async () => {
    const answer = await pair.both({ query: '{ artifacts(first: 1) { totalCount } }' });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ data: { artifacts: { totalCount: 0 } } });
    const neither = await pair.both({ variables: {} });
    expect(neither.body.errors?.map((e) => e.message)).toEqual(['Must provide query string.']);
    expect(neither.taken).toBe(false);
  });
});

describe('with SKILLMEAT_TRUSTED_DOCUMENTS (auth enabled)', () => {
  let pair: Pair;
  let zeroAuth: TestServer;
  /** Every identity but SYSTEM_ADMIN: none may send a document that is not in the manifest. */
  const others: Record<string, Record<string, string>> = {};
  let admin: Record<string, string>;

  /** Runs a mutation by documentId, once (on the server with the direct path); its data. */
  const byId = async <T>(document: DocumentNode, variables: Record<string, unknown>, headers: Record<string, string> = {}): Promise<T> => {
    const answer = await post(pair.direct.url, { documentId: idOf(document), variables }, headers);
    if (answer.status !== 200 || answer.body.errors) throw new Error(`${idOf(document)}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body.data as T;
  };

  beforeAll(async () => {
    const env = {
      SKILLMEAT_AUTH_ENABLED: 'true',
      SKILLMEAT_AUTH_PROVIDER: 'local',
      // One issuer for both servers, so a token either issued is valid on the other.
      SKILLMEAT_PUBLIC_URL: 'http://skillmeat.test',
      SKILLMEAT_ENTERPRISE_PAT_SECRET: PAT_SECRET,
      SKILLMEAT_TRUSTED_DOCUMENTS: TEST_MANIFEST,
    };
    [pair, zeroAuth] = await Promise.all([startPair(env), startTestServer({ env: { SKILLMEAT_TRUSTED_DOCUMENTS: TEST_MANIFEST } })]);
    // The accounts are made by documentId, without a credential: the manifest's documents run for anyone.
    const signUp = async (email: string) =>
      (await byId<ops.FlowSignUpMutation>(ops.FlowSignUpDocument, { input: { email, password: 'trusted documents 1' } })).signUp.session;
    const first = await signUp('first@example.test');
    const second = await signUp('second@example.test');
    const teamAdmin = bearer(first.accessToken);
    const { createApiKey } = await byId<ops.CliCreateApiKeyMutation>(ops.CliCreateApiKeyDocument, { name: 'key', scopes: ['artifacts:read'] }, teamAdmin);
    const { createPersonalAccessToken } = await byId<ops.CliCreatePersonalAccessTokenMutation>(
      ops.CliCreatePersonalAccessTokenDocument,
      { name: 'pat', scopes: ['artifacts:read'] },
      teamAdmin,
    );
    others['a VIEWER (JWT)'] = bearer(second.accessToken);
    others['a TEAM_ADMIN (JWT)'] = teamAdmin;
    others['an API key (of a TEAM_ADMIN)'] = { 'x-api-key': createApiKey.secret };
    others['a personal access token'] = bearer(createPersonalAccessToken.token);
    admin = bearer(PAT_SECRET);
  });
  afterAll(async () => {
    await zeroAuth?.stop();
    await pair?.stop();
  });

  it('refuses a document that is not in the manifest with 400 PERSISTED_QUERY_ONLY for every identity but the admins, on both paths', async () => {
    for (const [who, headers] of Object.entries(others)) {
      // The full text of a manifest document is refused too: only its manifest text is that document.
      for (const query of [ARBITRARY, print(ops.MeDocument)]) {
        const answer = await pair.both({ query }, headers);
        expect(answer.status, who).toBe(400);
        expect(codesOf(answer), who).toEqual(['PERSISTED_QUERY_ONLY']);
        expect(answer.body.data, who).toBeUndefined();
        expect(answer.taken, who).toBe(true);
      }
    }
  });

  it('lets SYSTEM_ADMIN (enterprise PAT) and LOCAL_ADMIN (zero-auth) send any document', async () => {
    const system = await pair.both({ query: ARBITRARY }, admin);
    expect([system.status, system.body]).toEqual([200, { data: { me: { role: 'SYSTEM_ADMIN' } } }]);
    const local = await post(zeroAuth.url, { query: ARBITRARY });
    expect([local.status, local.body]).toEqual([200, { data: { me: { role: 'LOCAL_ADMIN' } } }]);
    // …and the manifest's documents, by documentId, alike.
    const localById = await post(zeroAuth.url, { documentId: idOf(ops.FlowMeDocument) });
    expect(localById.body.data).toMatchObject({ me: { role: 'LOCAL_ADMIN' } });
  });

  it('answers a caller without a credential 401 (an admin\'s credential would let the text run), and a bad credential 401 as always', async () => {
    const anonymous = await pair.both({ query: ARBITRARY });
    expect([anonymous.status, codesOf(anonymous), anonymous.challenge]).toEqual([401, ['UNAUTHENTICATED'], 'Bearer realm="skillmeat"']);
    for (const body of [{ query: ARBITRARY }, { documentId: idOf(ops.FlowMeDocument) }, { query: testManifest[idOf(ops.FlowMeDocument)] }]) {
      const bad = await pair.both(body, bearer('not-a-token'));
      expect(bad.status, JSON.stringify(body)).toBe(401);
      expect(codesOf(bad)).toEqual(['UNAUTHENTICATED']);
      expect(bad.challenge).toMatch(/^Bearer realm="skillmeat", error="invalid_token"/);
    }
  });

  it('runs the manifest\'s documents for everyone, by documentId or as their manifest text, as the full text runs for the admin', async () => {
    const listArtifacts = { documentId: idOf(ops.ListArtifactsDocument), variables: { first: 2 } };
    for (const [who, headers] of Object.entries({ ...others, 'SYSTEM_ADMIN (enterprise PAT)': admin })) {
      const me = await pair.both({ documentId: idOf(ops.FlowMeDocument) }, headers);
      expect(me.status, who).toBe(200);
      expect(me.body.errors, who).toBeUndefined();
      expect(me.taken, who).toBe(true);
      expect((await pair.both({ query: testManifest[idOf(ops.FlowMeDocument)] }, headers)).body, who).toEqual(me.body);
      const list = await pair.both(listArtifacts, headers);
      expect([list.status, list.body.errors], who).toEqual([200, undefined]);
      expect(list.body.data, who).toMatchObject({ artifacts: { totalCount: expect.any(Number) } });
    }
    expect((await pair.both({ query: print(ops.FlowMeDocument) }, admin)).body).toEqual((await pair.both({ documentId: idOf(ops.FlowMeDocument) }, admin)).body);
    // A public document runs without a credential, on either path (each logs in once: new tokens each time).
    for (const server of [pair.direct, pair.viaYoga]) {
      const logIn = await post(server.url, { documentId: idOf(ops.FlowLogInDocument), variables: { input: { email: 'second@example.test', password: 'trusted documents 1' } } });
      expect(logIn.status).toBe(200);
      expect(logIn.body.data).toMatchObject({ logIn: { session: { user: { email: 'second@example.test', role: 'VIEWER' } } } });
    }
  });

  it('knows the CLI\'s own documents besides its manifest\'s, and no others: an unknown id is 400 PERSISTED_QUERY_NOT_FOUND, for the admin too', async () => {
    const viewer = others['a VIEWER (JWT)']!;
    const cli = await pair.both({ documentId: idOf(CliViewerDocument) }, viewer);
    expect(cli.status).toBe(200);
    expect(cli.body.data).toMatchObject({ me: { authMethod: expect.any(String) } });
    for (const headers of [admin, viewer]) {
      const answer = await pair.both({ documentId: `sha256:${'0'.repeat(64)}` }, headers);
      expect([answer.status, codesOf(answer)]).toEqual([400, ['PERSISTED_QUERY_NOT_FOUND']]);
    }
  });
});

describe('the auth chain', () => {
  let logged: LoggedServer;
  beforeAll(async () => {
    logged = await startLoggedServer({
      SKILLMEAT_LOG_LEVEL: 'debug',
      SKILLMEAT_AUTH_ENABLED: 'true',
      SKILLMEAT_AUTH_PROVIDER: 'local',
      SKILLMEAT_ENTERPRISE_PAT_SECRET: PAT_SECRET,
      SKILLMEAT_TRUSTED_DOCUMENTS: TEST_MANIFEST,
    });
  });
  afterAll(async () => {
    await logged?.stop();
  });

  const decisions = () => logged.entries().filter((entry) => entry['msg'] === 'auth decision').length;

  it('runs once for a request the trusted-documents check had to authenticate', async () => {
    for (const [headers, status] of [[bearer(PAT_SECRET), 200], [{}, 401], [bearer('not-a-token'), 401]] as const) {
      const before = decisions();
      const answer = await post(logged.url, { query: ARBITRARY }, headers);
      expect(answer.status).toBe(status);
      expect(decisions() - before, JSON.stringify(headers)).toBe(1);
    }
  });

  it('is asked once per request however many hooks ask (requestViewer)', async () => {
    let calls = 0;
    const viewer = makeViewer({ role: 'VIEWER', teamId: 't', authMethod: 'JWT', userId: 1 });
    const chain: AuthChain = {
      resolve: async () => {
        calls++;
        if (calls > 2) throw new Error('refused');
        return viewer;
      },
      flush: async () => {},
    };
    const viewerOf = requestViewer(chain);
    const one = new Request('http://x/graphql');
    const other = new Request('http://x/graphql');
    expect(await viewerOf(one, null)).toBe(viewer);
    expect(await viewerOf(one, null)).toBe(viewer);
    expect(calls).toBe(1);
    expect(await viewerOf(other, null)).toBe(viewer);
    expect(calls).toBe(2);
    const third = new Request('http://x/graphql');
    await expect(viewerOf(third, null)).rejects.toThrow('refused');
    await expect(viewerOf(third, null)).rejects.toThrow('refused');
    expect(calls).toBe(3);
  });
});

describe('the CLI against a server that runs its manifest only', () => {
  let strict: TestServer;
  let open: TestServer;
  let home: TempHome;
  let pat: string;

  beforeAll(async () => {
    const env = { SKILLMEAT_AUTH_ENABLED: 'true', SKILLMEAT_AUTH_PROVIDER: 'local' };
    strict = await startTestServer({ env: { ...env, SKILLMEAT_TRUSTED_DOCUMENTS: CLI_MANIFEST } });
    // The account and token are made on a second server on the same database, which runs any document.
    open = await startTestServer({ env, database: strict.database });
    const signUp = await post(open.url, { query: print(ops.CliSignUpDocument), variables: { email: 'cli@example.test', password: 'cli test password 1', name: 'Ada' } });
    const { accessToken } = (signUp.body.data as { signUp: { session: { accessToken: string } } }).signUp.session;
    const created = await post(
      open.url,
      { query: print(ops.CliCreatePersonalAccessTokenDocument), variables: { name: 'cli', scopes: ['artifacts:read', 'collections:read'] } },
      bearer(accessToken),
    );
    pat = (created.body.data as { createPersonalAccessToken: { token: string } }).createPersonalAccessToken.token;
    home = tempHome();
  });
  afterAll(async () => {
    home?.remove();
    await open?.stop({ drop: false });
    await strict?.stop();
  });

  const cli = (args: string[]) => runCli(args, { env: home.env({ SKILLMEAT_API_URL: strict.url }) });

  it('auth token and whoami work: the CLI sends its documents as their manifest text', async () => {
    const token = await cli(['auth', 'token', pat]);
    expect(token.code, token.stderr).toBe(0);
    const whoami = await cli(['auth', 'whoami']);
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(whoami.stdout).toMatch(/User: +Ada <cli@example\.test>/);
    expect(whoami.stdout).toMatch(/Auth method: +PERSONAL_ACCESS_TOKEN/);
    expect(whoami.stdout).toMatch(/Token expiry: +never/);
    // The server does refuse other documents from this caller.
    const query = await cli(['query', ARBITRARY]);
    expect(query.code).toBe(1);
    expect(query.stdout).toContain('PERSISTED_QUERY_ONLY');
  });

  it('takes the CLI\'s documents by documentId and as their manifest text, not as codegen prints them', async () => {
    const expected = { data: { me: { authMethod: 'PERSONAL_ACCESS_TOKEN' } } };
    const byId = await post(strict.url, { documentId: idOf(CliViewerDocument) }, bearer(pat));
    expect([byId.status, byId.body]).toMatchObject([200, expected]);
    const asManifestText = await post(strict.url, { query: cliManifest[idOf(CliViewerDocument)] }, bearer(pat));
    expect(asManifestText.body).toEqual(byId.body);
    const printed = await post(strict.url, { query: print(CliViewerDocument) }, bearer(pat));
    expect([printed.status, codesOf(printed)]).toEqual([400, ['PERSISTED_QUERY_ONLY']]);
  });
});

describe('SKILLMEAT_TRUSTED_DOCUMENTS in the config', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'skillmeat-trusted-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const manifestFile = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  /** Refused with one ConfigError line naming the variable and `mention`. */
  function expectRefused(path: string, mention: RegExp): void {
    let error: unknown;
    try {
      loadConfig({ SKILLMEAT_TRUSTED_DOCUMENTS: path });
    } catch (caught) {
      error = caught;
    }
    expect(error, path).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('SKILLMEAT_TRUSTED_DOCUMENTS');
    expect(message).toContain(path);
    expect(message).not.toMatch(/[\r\n]/);
    expect(message).toMatch(mention);
  }

  it('is off when unset or blank', () => {
    expect(loadConfig({}).trustedDocuments).toBeNull();
    expect(loadConfig({ SKILLMEAT_TRUSTED_DOCUMENTS: '  ' }).trustedDocuments).toBeNull();
  });

  it('reads a manifest keyed "sha256:<hex>" (codegen\'s) or by the bare hex', () => {
    const config = loadConfig({ SKILLMEAT_TRUSTED_DOCUMENTS: TEST_MANIFEST });
    expect(config.trustedDocuments?.path).toBe(TEST_MANIFEST);
    expect(config.trustedDocuments?.documents.size).toBe(Object.keys(testManifest).length);
    expect(config.trustedDocuments?.documents.get(hexOf(ops.MeDocument))).toBe(testManifest[idOf(ops.MeDocument)]);
    const text = '{ __typename }';
    const bare = manifestFile('bare.json', JSON.stringify({ [sha256(text)]: text, [idOf(CliViewerDocument)]: cliManifest[idOf(CliViewerDocument)] }));
    const documents = loadConfig({ SKILLMEAT_TRUSTED_DOCUMENTS: bare }).trustedDocuments!.documents;
    expect([...documents.keys()].sort()).toEqual([sha256(text), hexOf(CliViewerDocument)].sort());
  });

  it('refuses, in one line naming the variable, a manifest that is missing, unreadable or not a manifest', () => {
    const text = '{ __typename }';
    mkdirSync(join(dir, 'a-directory'));
    expectRefused(join(dir, 'missing.json'), /cannot be read \(ENOENT\)/);
    expectRefused(join(dir, 'a-directory'), /cannot be read \(EISDIR\)/);
    expectRefused(manifestFile('not-json.json', '{ "sha256:'), /is not JSON/);
    expectRefused(manifestFile('array.json', JSON.stringify([text])), /must be a JSON object/);
    expectRefused(manifestFile('empty.json', '{}'), /lists no documents/);
    expectRefused(manifestFile('bad-key.json', JSON.stringify({ 'md5:abc': text })), /"md5:abc", which is not "sha256:" and 64 hex digits/);
    expectRefused(manifestFile('no-text.json', JSON.stringify({ [`sha256:${sha256(text)}`]: 1 })), /no document text/);
    expectRefused(manifestFile('edited.json', JSON.stringify({ [`sha256:${sha256(text)}`]: '{ me { role } }' })), /whose SHA-256 is not that id/);
  });

  it('stops the server at start with one line on stderr naming the variable', async () => {
    const proc = spawnServer({ HOST: '127.0.0.1', PORT: '0', DATABASE_URL: join(dir, 'x.db'), SKILLMEAT_TRUSTED_DOCUMENTS: join(dir, 'missing.json') });
    const exit = await proc.exited(60_000);
    expect(exit.code).toBe(1);
    const stderr = proc.stderr().trim().split('\n');
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(/^skillmeat: configuration error: SKILLMEAT_TRUSTED_DOCUMENTS manifest .*missing\.json cannot be read \(ENOENT\)$/);
    expect(proc.stdout).toEqual([]);
  });
});
