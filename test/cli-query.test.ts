/**
 * The skillmeat CLI end to end, `query` and reaching the server: credentials (API key, PAT in
 * SKILLMEAT_AUTH_TOKEN, none), the document from an argument, --file or stdin, --variables,
 * exit codes on GraphQL errors, a server that is down or is not SkillMeat, the registry URL
 * precedence, and a zero-auth server (login needs nothing).
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as ops from './operations/generated/graphql.js';
import { closedPort, hasStackTrace, killCliProcesses, runCli, tempHome, type TempHome } from './support/cli.js';
import { graphqlOk } from './support/graphql.js';
import { startTestServer, type TestServer } from './support/server.js';

// Every CLI call is a node process that compiles TypeScript on start: give slow machines room.
vi.setConfig({ testTimeout: 90_000 });

let server: TestServer;
let zeroAuth: TestServer;
let notSkillmeat: Server;
let notSkillmeatUrl: string;
let home: TempHome;
let pat: string;
let apiKey: string;
let ownerEmail: string;

const cli = (args: string[], extraEnv: Record<string, string | undefined> = {}, input?: string) =>
  runCli(args, { env: home.env({ SKILLMEAT_API_URL: server.url, ...extraEnv }), ...(input !== undefined ? { input } : {}) });

interface QueryResult {
  data?: { me?: Record<string, unknown>; artifacts?: { totalCount: number }; [field: string]: unknown } | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}
const json = (stdout: string) => JSON.parse(stdout) as QueryResult;

beforeAll(async () => {
  [server, zeroAuth] = await Promise.all([
    startTestServer({ env: { SKILLMEAT_AUTH_ENABLED: 'true', SKILLMEAT_AUTH_PROVIDER: 'local' } }),
    startTestServer(),
  ]);
  ownerEmail = 'query-owner@example.test';
  const { signUp } = await graphqlOk(server.url, ops.CliSignUpDocument, { email: ownerEmail, password: 'cli test password 1', name: 'Owner' });
  const headers = { authorization: `Bearer ${signUp.session.accessToken}` };
  pat = (
    await graphqlOk(server.url, ops.CliCreatePersonalAccessTokenDocument, { name: 'ci', scopes: ['artifacts:read', 'artifacts:write', 'collections:read'] }, { headers })
  ).createPersonalAccessToken.token;
  apiKey = (await graphqlOk(server.url, ops.CliCreateApiKeyDocument, { name: 'ci key', scopes: ['artifacts:read'] }, { headers })).createApiKey.secret;

  // Something else listening on loopback: answers 404 with HTML, like a wrong URL would.
  notSkillmeat = createServer((_req, res) => {
    res.writeHead(404, { 'content-type': 'text/html' });
    res.end('<html><body>Not Found</body></html>');
  });
  await new Promise<void>((resolve) => notSkillmeat.listen(0, '127.0.0.1', () => resolve()));
  notSkillmeatUrl = `http://127.0.0.1:${(notSkillmeat.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await Promise.all([server?.stop(), zeroAuth?.stop(), new Promise((resolve) => (notSkillmeat ? notSkillmeat.close(resolve) : resolve(undefined)))]);
});

beforeEach(() => {
  home = tempHome();
});

afterEach(async () => {
  await killCliProcesses();
  home.remove();
});

describe('skillmeat query: credentials', () => {
  it('with --api-key sends the key (X-API-Key)', async () => {
    const result = await cli(['query', '{ me { authMethod scopes user { email } } }', '--api-key', apiKey]);
    expect(result.code, result.stderr).toBe(0);
    expect(json(result.stdout)).toEqual({ data: { me: { authMethod: 'API_KEY', scopes: ['artifacts:read'], user: { email: ownerEmail } } } });
  });

  it('with a personal access token in SKILLMEAT_AUTH_TOKEN (the CI recipe)', async () => {
    const result = await cli(['query', '{ me { role authMethod user { email } } }'], { SKILLMEAT_AUTH_TOKEN: pat });
    expect(result.code, result.stderr).toBe(0);
    expect(json(result.stdout).data?.me).toMatchObject({ authMethod: 'PERSONAL_ACCESS_TOKEN', user: { email: ownerEmail } });
    expect(result.stderr).toBe('');
  });

  it('with a token stored by `auth token`', async () => {
    expect((await cli(['auth', 'token'], {}, pat)).code).toBe(0);
    const result = await cli(['query', '{ me { authMethod } }']);
    expect(json(result.stdout)).toEqual({ data: { me: { authMethod: 'PERSONAL_ACCESS_TOKEN' } } });
  });

  it('without a credential prints the UNAUTHENTICATED result and exits 3 with a hint', async () => {
    const result = await cli(['query', '{ me { role } }']);
    expect(result.code).toBe(3);
    expect(json(result.stdout).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(result.stderr).toContain(`error: ${server.url} needs a credential. Run \`skillmeat auth login --registry ${server.url}\``);
  });

  it('with a bad API key exits 3', async () => {
    const result = await cli(['query', '{ me { role } }', '--api-key', 'smk_wrong']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`error: ${server.url} refused the credential:`);
  });
});

describe('skillmeat query: the document and variables', () => {
  it('reads the document from stdin when it is omitted, or "-"', async () => {
    for (const args of [['query'], ['query', '-']]) {
      const result = await cli(args, { SKILLMEAT_AUTH_TOKEN: pat }, '{ me { authMethod } }\n');
      expect(result.code, result.stderr).toBe(0);
      expect(json(result.stdout)).toEqual({ data: { me: { authMethod: 'PERSONAL_ACCESS_TOKEN' } } });
    }
  });

  it('reads the document from --file and takes --variables and --operation-name', async () => {
    const file = join(home.home, 'ops.graphql');
    writeFileSync(
      file,
      `mutation Make($name: String!, $tags: [String!]) { createArtifact(input: { name: $name, type: SKILL, tags: $tags }) { artifact { name tags } } }
       query Count { artifacts(first: 0) { totalCount } }`,
    );
    const made = await cli(['query', '--file', file, '--operation-name', 'Make', '--variables', '{"name": "from the cli", "tags": ["ci"]}'], { SKILLMEAT_AUTH_TOKEN: pat });
    expect(made.code, made.stderr).toBe(0);
    expect(json(made.stdout)).toEqual({ data: { createArtifact: { artifact: { name: 'from the cli', tags: ['ci'] } } } });
    const counted = await cli(['query', '-f', file, '--operation-name', 'Count'], { SKILLMEAT_AUTH_TOKEN: pat });
    expect(json(counted.stdout).data?.artifacts?.totalCount).toBeGreaterThanOrEqual(1);
  });

  it('exits 1 when the result has GraphQL errors, printing the whole result', async () => {
    // The PAT lacks admin:settings: FORBIDDEN.
    const forbidden = await cli(['query', '{ settings { registryName } }'], { SKILLMEAT_AUTH_TOKEN: pat });
    expect(forbidden.code).toBe(1);
    expect(json(forbidden.stdout).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(forbidden.stderr).toMatch(/^error: the result has an error: /);

    const invalid = await cli(['query', '{ me { role '], { SKILLMEAT_AUTH_TOKEN: pat });
    expect(invalid.code).toBe(1);
    expect(json(invalid.stdout).errors?.[0]?.message).toMatch(/Syntax Error/);

    const missingVariable = await cli(['query', 'query($id: ID!) { artifact(id: $id) { id } }'], { SKILLMEAT_AUTH_TOKEN: pat });
    expect(missingVariable.code).toBe(1);
    expect(hasStackTrace(missingVariable.stdout + missingVariable.stderr)).toBe(false);
  });

  it('exits 2 on bad usage: invalid --variables, an empty query, both an argument and --file, a missing file', async () => {
    const results = await Promise.all([
      cli(['query', '{ me { role } }', '--variables', '{not json']),
      cli(['query', '{ me { role } }', '--variables', '[1, 2]']),
      cli(['query'], {}, '   \n'),
      cli(['query', '{ me { role } }', '--file', 'x.graphql']),
      cli(['query', '--file', join(home.home, 'missing.graphql')]),
    ]);
    expect(results.map((r) => r.code)).toEqual([2, 2, 2, 2, 2]);
    expect(results[0]!.stderr).toContain('--variables is not valid JSON');
    expect(results[1]!.stderr).toContain('--variables must be a JSON object');
    expect(results[2]!.stderr).toContain('The query is empty.');
    expect(results[3]!.stderr).toContain('either as an argument or with --file, not both');
    expect(results[4]!.stderr).toContain('Cannot read --file');
    for (const result of results) expect(hasStackTrace(result.stderr)).toBe(false);
  });
});

describe('reaching the server', () => {
  it('a server that is down: one clear line, no stack trace, exit 4 (every command)', async () => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    const results = await Promise.all([
      cli(['query', '{ me { role } }', '--registry', down]),
      cli(['auth', 'whoami', '--registry', down]),
      cli(['auth', 'login', '--no-browser', '--registry', down]),
      cli(['auth', 'token', 'smp_x', '--registry', down]),
    ]);
    for (const result of results) {
      expect(result.code, result.stderr).toBe(4);
      expect(result.stderr).toBe(`error: Cannot reach the SkillMeat server at ${down}: connection refused. Is the server running? Check --registry or SKILLMEAT_API_URL.\n`);
      expect(result.stdout).toBe('');
    }
  });

  it('a URL that is not a SkillMeat server: says so, exit 4', async () => {
    const results = await Promise.all([
      cli(['auth', 'login', '--no-browser', '--registry', notSkillmeatUrl]),
      cli(['query', '{ me { role } }', '--registry', notSkillmeatUrl]),
    ]);
    expect(results.map((r) => r.code)).toEqual([4, 4]);
    expect(results[0]!.stderr).toBe(
      `error: ${notSkillmeatUrl} does not look like a SkillMeat server (GET /version answered HTTP 404, text/html). Check --registry or SKILLMEAT_API_URL.\n`,
    );
    expect(results[1]!.stderr).toContain(`${notSkillmeatUrl} does not look like a SkillMeat server (POST /graphql answered HTTP 404`);
  });

  it('a host name that does not resolve, and a URL that is not http(s)', async () => {
    const [unknownHost, badUrl] = await Promise.all([
      cli(['auth', 'whoami', '--registry', 'http://no-such-host.invalid']),
      cli(['auth', 'whoami', '--registry', 'ftp://example.test']),
    ]);
    expect(unknownHost.code).toBe(4);
    expect(unknownHost.stderr).toContain('the host name does not resolve');
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain('--registry: "ftp://example.test" must start with http:// or https://.');
  });

  it('--registry wins over SKILLMEAT_API_URL, and a trailing slash or /graphql is dropped', async () => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    const result = await cli(['query', '{ me { authMethod } }', '--registry', `${server.url}/graphql/`], { SKILLMEAT_API_URL: down, SKILLMEAT_AUTH_TOKEN: pat });
    expect(result.code, result.stderr).toBe(0);
    expect((await cli(['auth', 'token', pat, '--registry', `${server.url}/`], { SKILLMEAT_API_URL: down })).code).toBe(0);
    const whoami = await cli(['auth', 'whoami', '--json']);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ registry: server.url, credential: { source: 'file' } });
  });
});

describe('a zero-auth server', () => {
  it('auth login says no authentication is required and exits 0, storing nothing', async () => {
    const result = await cli(['auth', 'login', '--registry', zeroAuth.url]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`${zeroAuth.url} runs without authentication (zero-auth): no login is required.`);
    expect(result.stderr).not.toContain('Code:');
  });

  it('query and whoami work without a credential', async () => {
    const query = await cli(['query', '{ me { role authMethod } }', '--registry', zeroAuth.url]);
    expect(json(query.stdout)).toEqual({ data: { me: { role: 'LOCAL_ADMIN', authMethod: 'ZERO_AUTH' } } });
    const whoami = await cli(['auth', 'whoami', '--json', '--registry', zeroAuth.url]);
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ role: 'LOCAL_ADMIN', authMethod: 'ZERO_AUTH', expiresAt: null, credential: { source: 'none' } });
  });
});
