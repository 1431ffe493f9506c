/**
 * The guide's REST verification commands (issue 22 item 2), sent as real HTTP requests to a real
 * server, in zero-auth and with auth on (enterprise PAT, static X-API-Key, a minted sk- key, a
 * local JWT), on SQLite and PostgreSQL.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { graphql, graphqlOk } from './support/graphql.js';
import { PASSWORD, signUp } from './support/idp.js';
import { FlowSignUpDocument } from './operations/generated/graphql.js';
import { startTestServer, type TestServer } from './support/server.js';

const PAT = 'rest-test-enterprise-secret-0123456789abcdef';
const STATIC_KEY = 'rest-test-static-api-key-0123456789';

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

const createBody = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"name":"my-artifact","type":"skill"}' };

for (const { dialect, skip } of DIALECTS) {
  describe.skipIf(skip)(`REST checks (${dialect})`, () => {
    describe('zero-auth', () => {
      let server: TestServer;
      beforeAll(async () => {
        server = await startTestServer({ dialect });
      });
      afterAll(async () => server?.stop());

      it('GET /api/v1/artifacts and /health answer 200; POST creates with lower-case type; a form POST is 415', async () => {
        expect((await call(`${server.url}/health`)).status).toBe(200);
        const created = await call(`${server.url}/api/v1/artifacts`, createBody);
        expect(created.status).toBe(201);
        expect(created.body).toMatchObject({ artifact: { name: 'my-artifact', type: 'skill', teamId: 'local' } });
        const list = await call(`${server.url}/api/v1/artifacts`);
        expect(list.status).toBe(200);
        expect(list.body).toMatchObject({ totalCount: 1, pageInfo: { hasNextPage: false }, artifacts: [{ name: 'my-artifact', type: 'skill' }] });
        const form = await call(`${server.url}/api/v1/artifacts`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=x&type=skill' });
        expect(form.status).toBe(415);
        expect(form.body).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
        const bad = await call(`${server.url}/api/v1/artifacts`, { ...createBody, body: '{"name":"x","type":"widget"}' });
        expect(bad.status).toBe(400);
        expect(bad.body).toMatchObject({ error: { code: 'BAD_USER_INPUT', field: 'type' } });
        expect((await call(`${server.url}/api/v1/artifacts?type=SKILL&first=5`)).body).toMatchObject({ totalCount: 1 });
        expect((await call(`${server.url}/api/v1/artifacts?type=hook`)).body).toMatchObject({ totalCount: 0 });
      });

      it('answers 404 for an unknown /api/v1 path and 405 with Allow for another method', async () => {
        const unknown = await call(`${server.url}/api/v1/nothing`);
        expect(unknown.status).toBe(404);
        expect(unknown.body).toMatchObject({ error: { code: 'NOT_FOUND' } });
        const put = await call(`${server.url}/api/v1/artifacts`, { method: 'PUT' });
        expect(put.status).toBe(405);
        expect(put.headers.get('allow')).toBe('GET, POST');
      });

      it('serves an OpenAPI document naming these routes', async () => {
        const doc = await call(`${server.url}/api/v1/openapi.json`);
        expect(doc.status).toBe(200);
        expect(doc.body['openapi']).toBe('3.1.0');
        const paths = doc.body['paths'] as Record<string, Record<string, unknown>>;
        expect(Object.keys(paths['/api/v1/artifacts']!).sort()).toEqual(['get', 'post']);
        expect(paths['/api/v1/version']).toBeDefined();
        expect(paths['/health']).toBeDefined();
      });
    });

    describe('trusted documents only', () => {
      let server: TestServer;
      beforeAll(async () => {
        server = await startTestServer({
          dialect,
          env: {
            SKILLMEAT_AUTH_ENABLED: 'true',
            SKILLMEAT_AUTH_PROVIDER: 'local',
            SKILLMEAT_ENTERPRISE_PAT_SECRET: PAT,
            SKILLMEAT_TRUSTED_DOCUMENTS: fileURLToPath(new URL('./operations/generated/persisted-documents.json', import.meta.url)),
          },
        });
      });
      afterAll(async () => server?.stop());

      it('the REST documents are built in: a signed-up user lists and creates through the routes', async () => {
        // Signed up by documentId (the test manifest's FlowSignUp): only trusted documents run here.
        const signedUp = await call(`${server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            documentId: (FlowSignUpDocument as unknown as { __meta__: { hash: string } }).__meta__.hash,
            variables: { input: { email: 'trusted@example.com', password: PASSWORD } },
          }),
        });
        const session = (signedUp.body as { data: { signUp: { session: { accessToken: string } } } }).data.signUp.session;
        const auth = { Authorization: `Bearer ${session.accessToken}` };
        const created = await call(`${server.url}/api/v1/artifacts`, { ...createBody, headers: { ...createBody.headers, ...auth } });
        expect(created.status).toBe(201);
        const list = await call(`${server.url}/api/v1/artifacts`, { headers: auth });
        expect(list.status).toBe(200);
        expect(list.body).toMatchObject({ totalCount: 1 });
      });
    });

    describe('auth enabled', () => {
      let server: TestServer;
      beforeAll(async () => {
        server = await startTestServer({
          dialect,
          env: {
            SKILLMEAT_AUTH_ENABLED: 'true',
            SKILLMEAT_AUTH_PROVIDER: 'local',
            SKILLMEAT_ENTERPRISE_PAT_SECRET: PAT,
            SKILLMEAT_API_KEY_ENABLED: 'true',
            SKILLMEAT_API_KEY: STATIC_KEY,
          },
        });
      });
      afterAll(async () => server?.stop());

      it('without credentials: /api/v1/artifacts 401 with the GraphQL challenge; /health and /api/v1/version 200', async () => {
        const rest = await call(`${server.url}/api/v1/artifacts`);
        const gql = await graphql(server.url, '{ artifacts { totalCount } }');
        expect(rest.status).toBe(401);
        expect(gql.status).toBe(401);
        expect(rest.headers.get('www-authenticate')).toBe(gql.headers.get('www-authenticate'));
        expect(rest.body).toEqual({ error: { code: 'UNAUTHENTICATED', message: gql.errors![0]!.message } });
        expect((await call(`${server.url}/health`)).status).toBe(200);
        const version = await call(`${server.url}/api/v1/version`);
        expect(version.status).toBe(200);
        expect(version.body).toMatchObject({ authMode: 'local', database: dialect });
        const bad = await call(`${server.url}/api/v1/artifacts`, { headers: { authorization: 'Bearer not-a-token' } });
        expect(bad.status).toBe(401);
      });

      it('the enterprise PAT creates; the static key, a minted sk- key and a JWT list; a read-only key gets GraphQL\'s 403', async () => {
        const created = await call(`${server.url}/api/v1/artifacts`, { ...createBody, headers: { ...createBody.headers, Authorization: `Bearer ${PAT}` } });
        expect(created.status).toBe(201);
        expect(created.body).toMatchObject({ artifact: { name: 'my-artifact', type: 'skill' } });

        const byStatic = await call(`${server.url}/api/v1/artifacts`, { headers: { 'X-API-Key': STATIC_KEY } });
        expect(byStatic.status).toBe(200);
        expect(byStatic.body).toMatchObject({ totalCount: 1, artifacts: [{ name: 'my-artifact' }] });

        const session = await signUp(server.url, 'rest@example.com');
        const byJwt = await call(`${server.url}/api/v1/artifacts`, { headers: { Authorization: `Bearer ${session.accessToken}` } });
        expect(byJwt.status).toBe(200);
        expect(byJwt.body).toHaveProperty('artifacts');

        const minted = await graphqlOk<{ createApiKey: { secret: string } }, unknown>(
          server.url,
          'mutation { createApiKey(input: { name: "ro", scopes: ["artifacts:read"] }) { secret } }',
          undefined,
          { headers: { authorization: `Bearer ${session.accessToken}` } },
        );
        const key = minted.createApiKey.secret;
        // The product's minted keys carry its own prefix (not the guide's sk-); X-API-Key takes them as the guide's sk- keys.
        expect(key.length).toBeGreaterThan(20);
        const byMinted = await call(`${server.url}/api/v1/artifacts`, { headers: { 'X-API-Key': key } });
        expect(byMinted.status).toBe(200);
        expect(byMinted.body).toHaveProperty('totalCount');

        const denied = await call(`${server.url}/api/v1/artifacts`, { ...createBody, headers: { ...createBody.headers, 'X-API-Key': key } });
        const gqlDenied = await graphql(server.url, 'mutation { createArtifact(input: { name: "my-artifact", type: SKILL }) { artifact { id } } }', undefined, {
          headers: { 'x-api-key': key },
        });
        expect(gqlDenied.status).toBe(403);
        expect(denied.status).toBe(403);
        expect(denied.body).toEqual({ error: { code: 'FORBIDDEN', message: gqlDenied.errors![0]!.message } });
      });
    });
  });
}
