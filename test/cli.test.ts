/**
 * The skillmeat CLI end to end, `auth` commands: every invocation is a real child process
 * (`node bin/skillmeat.js …`) against a real server with the local identity provider on
 * loopback, with HOME and SKILLMEAT_CONFIG_DIR in a temp folder. The device flow is approved
 * by a second client (the approveDevice mutation with another session's token).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as ops from './operations/generated/graphql.js';
import { closedPort, hasStackTrace, killCliProcesses, runCli, startCli, tempHome, unsignedJwt, type TempHome } from './support/cli.js';
import { codes, graphql, graphqlOk } from './support/graphql.js';
import { startTestServer, type TestServer } from './support/server.js';

// Every CLI call is a node process that compiles TypeScript on start: give slow machines room.
vi.setConfig({ testTimeout: 90_000 });

const PASSWORD = 'cli test password 1';
let server: TestServer;
let home: TempHome;
let accounts = 0;

async function signUp(name = 'Ada') {
  const email = `cli-${++accounts}@example.test`;
  const { signUp: result } = await graphqlOk(server.url, ops.CliSignUpDocument, { email, password: PASSWORD, name });
  return { email, ...result.session };
}

async function createPat(accessToken: string, expiresAt?: string) {
  const { createPersonalAccessToken } = await graphqlOk(
    server.url,
    ops.CliCreatePersonalAccessTokenDocument,
    { name: `cli ${accounts}`, scopes: ['artifacts:read', 'collections:read'], expiresAt },
    { headers: { authorization: `Bearer ${accessToken}` } },
  );
  return createPersonalAccessToken;
}

function readCredentials(): { version: number; registries: Record<string, Record<string, string>> } {
  return JSON.parse(readFileSync(home.credentialsFile, 'utf8')) as never;
}

function writeCredentials(registries: Record<string, unknown>, raw?: string): void {
  mkdirSync(home.configDir, { recursive: true, mode: 0o700 });
  writeFileSync(home.credentialsFile, raw ?? JSON.stringify({ version: 1, registries }), { mode: 0o600 });
}

/** Whether the server still takes this refresh token (a refresh rotates it: use once only). */
async function refreshWorks(refreshToken: string): Promise<{ ok: boolean; refreshToken?: string }> {
  const response = await fetch(`${server.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
  });
  const body = (await response.json()) as { refresh_token?: string; error?: string };
  return response.status === 200 ? { ok: true, refreshToken: body.refresh_token! } : { ok: false };
}

const me = (accessToken: string) => graphql(server.url, ops.CliWhoAmIDocument, {}, { headers: { authorization: `Bearer ${accessToken}` } });

const cli = (args: string[], extraEnv: Record<string, string | undefined> = {}, input?: string) =>
  runCli([...args], { env: home.env({ SKILLMEAT_API_URL: server.url, ...extraEnv }), ...(input !== undefined ? { input } : {}) });

/** A device login through the CLI, approved (or denied) by a second client. */
async function deviceLogin(approver: { accessToken: string }, decision: 'approve' | 'deny' = 'approve', extraArgs: string[] = []) {
  const proc = startCli(['auth', 'login', '--no-browser', ...extraArgs], { env: home.env({ SKILLMEAT_API_URL: server.url }) });
  const [, userCode] = await proc.waitFor(/Code: ([A-Z0-9]{4}-[A-Z0-9]{4})/, 30_000);
  const document = decision === 'approve' ? ops.CliApproveDeviceDocument : ops.CliDenyDeviceDocument;
  await graphqlOk(server.url, document, { userCode: userCode! }, { headers: { authorization: `Bearer ${approver.accessToken}` } });
  return { proc, userCode: userCode!, result: await proc.result() };
}

beforeAll(async () => {
  server = await startTestServer({ env: { SKILLMEAT_AUTH_ENABLED: 'true', SKILLMEAT_AUTH_PROVIDER: 'local' } });
});

afterAll(async () => {
  await server?.stop();
});

beforeEach(() => {
  home = tempHome();
});

afterEach(async () => {
  await killCliProcesses();
  home.remove();
});

describe('skillmeat --help', () => {
  it('answers --help on every command with its usage, exit 0', async () => {
    const commands = [[], ['auth'], ['auth', 'login'], ['auth', 'token'], ['auth', 'whoami'], ['auth', 'logout'], ['query']];
    const results = await Promise.all(commands.map((command) => cli([...command, '--help'])));
    results.forEach((result, i) => {
      expect(result.code, commands[i]!.join(' ')).toBe(0);
      expect(result.stdout).toContain(`Usage: skillmeat${commands[i]!.length ? ` ${commands[i]!.join(' ')}` : ''}`);
    });
    expect(results[0]!.stdout).toMatch(/Exit codes:[\s\S]*5 {2}the local credentials file/);
    expect(results[2]!.stdout).toContain('--no-browser');
    expect(results[2]!.stdout).toContain('--timeout <seconds>');
    expect(results[4]!.stdout).toContain('--json');
  });

  it('exits 2 on usage errors', async () => {
    const [unknown, badTimeout] = await Promise.all([cli(['auth', 'frobnicate']), cli(['auth', 'login', '--timeout', 'soon'])]);
    expect(unknown.code).toBe(2);
    expect(badTimeout.code).toBe(2);
    expect(badTimeout.stderr).toContain('--timeout');
  });
});

describe('skillmeat auth login (device flow)', () => {
  it('shows the URL and code, polls until a second client approves, stores the session, and whoami reads it', async () => {
    const approver = await signUp('Grace');
    const { result, userCode } = await deviceLogin(approver);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`${server.url}/device`);
    expect(result.stderr).toMatch(/┌─+┐/);
    expect(result.stderr).toContain(`Code: ${userCode}`);
    expect(result.stderr).toContain(`Logged in to ${server.url} as Grace <${approver.email}>`);
    // Not a TTY: no spinner frames or carriage returns in the output.
    expect(result.stderr).not.toMatch(/[\r⠋⠙⠹⠸]/);

    const stored = readCredentials().registries[server.url]!;
    expect(stored.type).toBe('session');
    expect(stored.refreshToken).toMatch(/^smr_/);
    expect((await me(stored.accessToken!)).data?.me.user?.email).toBe(approver.email);

    const whoami = await cli(['auth', 'whoami']);
    expect(whoami.code, whoami.stderr).toBe(0);
    const { role, scopes } = (await graphqlOk(server.url, ops.MeDocument, {}, { headers: { authorization: `Bearer ${approver.accessToken}` } })).me;
    expect(whoami.stdout).toMatch(new RegExp(`Registry: +${server.url}`));
    expect(whoami.stdout).toMatch(new RegExp(`User: +Grace <${approver.email}>`));
    expect(whoami.stdout).toMatch(new RegExp(`Role: +${role}\n`));
    expect(whoami.stdout).toMatch(new RegExp(`Team: +${approver.user.teamId}\n`));
    expect(whoami.stdout).toContain(`Scopes:       ${scopes.join(' ')}\n`);
    expect(whoami.stdout).toMatch(/Auth method: +JWT/);
    expect(whoami.stdout).toMatch(/Token expiry: +\d{4}-\d\d-\d\dT.*\(in 1[45] min, renewed automatically\)/);
    expect(whoami.stdout).toContain(`Credential:   file ${home.credentialsFile}`);
  });

  it('says the login was denied (exit 3) and stores nothing', async () => {
    const approver = await signUp();
    const { result } = await deviceLogin(approver, 'deny');
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/error: The login request was denied\. Nothing was stored; run `skillmeat auth login --registry http:\/\/127\.0\.0\.1:\d+` to try again\./);
    expect(hasStackTrace(result.stderr)).toBe(false);
    expect(existsSync(home.credentialsFile)).toBe(false);
  });

  it('gives up after --timeout seconds (exit 3)', async () => {
    const result = await cli(['auth', 'login', '--no-browser', '--timeout', '1']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('No approval within 1 s (--timeout); nothing was stored.');
    expect(existsSync(home.credentialsFile)).toBe(false);
  });

  it('a second login replaces the stored session and revokes the previous one', async () => {
    const approver = await signUp();
    expect((await deviceLogin(approver)).result.code).toBe(0);
    const first = readCredentials().registries[server.url]!;
    expect((await deviceLogin(approver)).result.code).toBe(0);
    const second = readCredentials().registries[server.url]!;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(codes(await me(first.accessToken!))).toEqual(['UNAUTHENTICATED']);
    expect((await me(second.accessToken!)).data?.me.authMethod).toBe('JWT');
  });
});

describe('skillmeat auth token', () => {
  it('checks a personal access token given as an argument, stores it, and whoami shows it and its expiry', async () => {
    const owner = await signUp('Linus');
    const expiresAt = new Date(Date.now() + 30 * 24 * 3600_000).toISOString();
    const pat = await createPat(owner.accessToken, expiresAt);
    const result = await cli(['auth', 'token', pat.token]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(new RegExp(`Token saved for ${server.url}: Linus <${owner.email}> \\((VIEWER|TEAM_MEMBER|TEAM_ADMIN), PERSONAL_ACCESS_TOKEN\\)\\.`));
    expect(readCredentials().registries[server.url]).toMatchObject({ type: 'token', token: pat.token });

    const whoami = await cli(['auth', 'whoami', '--json']);
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(JSON.parse(whoami.stdout)).toEqual({
      registry: server.url,
      user: { id: expect.any(String), name: 'Linus', email: owner.email },
      role: expect.stringMatching(/^(VIEWER|TEAM_MEMBER|TEAM_ADMIN)$/),
      teamId: owner.user.teamId,
      scopes: ['artifacts:read', 'collections:read'],
      authMethod: 'PERSONAL_ACCESS_TOKEN',
      expiresAt: pat.personalAccessToken.expiresAt,
      credential: { source: 'file', path: home.credentialsFile, type: 'token' },
    });
  });

  it('reads the token from stdin (argument omitted, or "-")', async () => {
    const owner = await signUp();
    const pat = await createPat(owner.accessToken);
    const omitted = await cli(['auth', 'token'], {}, `${pat.token}\n`);
    expect(omitted.code, omitted.stderr).toBe(0);
    expect(readCredentials().registries[server.url]?.token).toBe(pat.token);

    const other = await createPat(owner.accessToken);
    const dash = await cli(['auth', 'token', '-'], {}, other.token);
    expect(dash.code, dash.stderr).toBe(0);
    expect(readCredentials().registries[server.url]?.token).toBe(other.token);
    const whoami = await cli(['auth', 'whoami']);
    expect(whoami.stdout).toMatch(/Token expiry: +never/);
  });

  it('refuses a token the server rejects (exit 3) and an empty one (exit 2), storing nothing', async () => {
    const rejected = await cli(['auth', 'token', `smp_${'x'.repeat(43)}`]);
    expect(rejected.code).toBe(3);
    expect(rejected.stderr).toContain(`error: ${server.url} rejected the token (Invalid personal access token.); nothing was stored.`);
    const empty = await cli(['auth', 'token'], {}, '\n');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('No token given');
    expect(existsSync(home.credentialsFile)).toBe(false);
  });
});

describe('skillmeat auth whoami', () => {
  it('uses SKILLMEAT_AUTH_TOKEN over the stored credentials, and says so', async () => {
    const stored = await signUp('Stored');
    const fromEnv = await signUp('Env');
    const storedPat = await createPat(stored.accessToken);
    const envPat = await createPat(fromEnv.accessToken);
    writeCredentials({ [server.url]: { type: 'token', token: storedPat.token, savedAt: new Date().toISOString() } });

    const fromFile = await cli(['auth', 'whoami']);
    expect(fromFile.stdout).toMatch(new RegExp(`User: +Stored <${stored.email}>`));
    const text = await cli(['auth', 'whoami'], { SKILLMEAT_AUTH_TOKEN: envPat.token });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`User: +Env <${fromEnv.email}>`));
    expect(text.stdout).toMatch(/Credential: +env SKILLMEAT_AUTH_TOKEN/);
    const json = await cli(['auth', 'whoami', '--json'], { SKILLMEAT_AUTH_TOKEN: envPat.token });
    expect(JSON.parse(json.stdout)).toMatchObject({
      user: { email: fromEnv.email },
      authMethod: 'PERSONAL_ACCESS_TOKEN',
      credential: { source: 'env', variable: 'SKILLMEAT_AUTH_TOKEN', type: 'token' },
    });
  });

  it('without any credential says how to log in (exit 3)', async () => {
    const result = await cli(['auth', 'whoami']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`error: Not logged in to ${server.url}. Run \`skillmeat auth login --registry ${server.url}\``);
    expect(result.stdout).toBe('');
  });

  it('with a rejected env token says so (exit 3)', async () => {
    const result = await cli(['auth', 'whoami'], { SKILLMEAT_AUTH_TOKEN: `smp_${'y'.repeat(43)}` });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`${server.url} refused the credential: Invalid personal access token.`);
  });
});

describe('refreshing the access token', () => {
  it('refreshes an expired access token with the refresh token and saves the rotated tokens', async () => {
    const session = await signUp('Refresh');
    writeCredentials({
      [server.url]: { type: 'session', accessToken: unsignedJwt(-30), refreshToken: session.refreshToken, expiresAt: new Date(Date.now() - 30_000).toISOString(), savedAt: '2020-01-01T00:00:00.000Z' },
    });
    const result = await cli(['auth', 'whoami', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ user: { email: session.email }, authMethod: 'JWT' });

    const saved = readCredentials().registries[server.url]!;
    expect(saved.refreshToken).toMatch(/^smr_/);
    expect(saved.refreshToken).not.toBe(session.refreshToken);
    expect(Date.parse(saved.expiresAt!)).toBeGreaterThan(Date.now() + 10 * 60_000);
    expect(statSync(home.credentialsFile).mode & 0o777).toBe(0o600);
    expect((await me(saved.accessToken!)).data?.me.user?.email).toBe(session.email);

    // The next call needs no refresh and keeps the saved tokens.
    expect((await cli(['auth', 'whoami'])).code).toBe(0);
    expect(readCredentials().registries[server.url]!.refreshToken).toBe(saved.refreshToken);
    // The saved refresh token is the live one of the family.
    expect((await refreshWorks(saved.refreshToken!)).ok).toBe(true);
  });

  it('refreshes when the access token expires within 60 s', async () => {
    const session = await signUp();
    writeCredentials({
      [server.url]: { type: 'session', accessToken: session.accessToken, refreshToken: session.refreshToken, expiresAt: new Date(Date.now() + 30_000).toISOString(), savedAt: '2020-01-01T00:00:00.000Z' },
    });
    // The real token's exp is 15 minutes away: its claim wins over the stored expiry, no refresh.
    expect((await cli(['auth', 'whoami'])).code).toBe(0);
    expect(readCredentials().registries[server.url]!.refreshToken).toBe(session.refreshToken);

    writeCredentials({
      [server.url]: { type: 'session', accessToken: unsignedJwt(45), refreshToken: session.refreshToken, expiresAt: new Date(Date.now() + 45_000).toISOString(), savedAt: '2020-01-01T00:00:00.000Z' },
    });
    expect((await cli(['auth', 'whoami'])).code).toBe(0);
    expect(readCredentials().registries[server.url]!.refreshToken).not.toBe(session.refreshToken);
  });

  it('two commands refreshing at once do not reuse the refresh token (the session survives)', async () => {
    const session = await signUp();
    writeCredentials({
      [server.url]: { type: 'session', accessToken: unsignedJwt(-5), refreshToken: session.refreshToken, expiresAt: new Date(0).toISOString(), savedAt: '2020-01-01T00:00:00.000Z' },
    });
    const results = await Promise.all([cli(['auth', 'whoami']), cli(['auth', 'whoami']), cli(['query', '{ me { role } }'])]);
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const saved = readCredentials().registries[server.url]!;
    expect((await me(saved.accessToken!)).data?.me.authMethod).toBe('JWT');
    expect(existsSync(`${home.credentialsFile}.lock`)).toBe(false);
  });

  it('a refused refresh says to log in again (exit 3)', async () => {
    writeCredentials({
      [server.url]: { type: 'session', accessToken: unsignedJwt(-30), refreshToken: 'smr_not-a-real-token', expiresAt: new Date(0).toISOString(), savedAt: '2020-01-01T00:00:00.000Z' },
    });
    const result = await cli(['auth', 'whoami']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`error: Your session on ${server.url} could not be renewed: The refresh token is not valid. Run \`skillmeat auth login --registry ${server.url}\` to sign in again.`);
    expect(hasStackTrace(result.stderr)).toBe(false);
  });
});

describe('skillmeat auth logout', () => {
  it('revokes the session on the server, removes the credentials, and is idempotent', async () => {
    const approver = await signUp();
    expect((await deviceLogin(approver)).result.code).toBe(0);
    const stored = readCredentials().registries[server.url]!;

    const first = await cli(['auth', 'logout']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(`Logged out of ${server.url}: the session was revoked on the server`);
    expect(existsSync(home.credentialsFile)).toBe(false);
    expect(codes(await me(stored.accessToken!))).toEqual(['UNAUTHENTICATED']);
    expect((await refreshWorks(stored.refreshToken!)).ok).toBe(false);

    const second = await cli(['auth', 'logout']);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(`Not logged in to ${server.url}; nothing to do.`);
  });

  it('with nothing stored (no folder at all) exits 0', async () => {
    const result = await cli(['auth', 'logout']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('nothing to do');
    expect(existsSync(home.configDir)).toBe(false);
  });

  it('refreshes an expired access token first, then revokes the whole session', async () => {
    const session = await signUp();
    writeCredentials({
      [server.url]: { type: 'session', accessToken: unsignedJwt(-30), refreshToken: session.refreshToken, expiresAt: new Date(0).toISOString(), savedAt: '2020-01-01T00:00:00.000Z' },
      'http://other.example.test': { type: 'token', token: 'smp_other', savedAt: '2020-01-01T00:00:00.000Z' },
    });
    const result = await cli(['auth', 'logout']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('the session was revoked on the server');
    // The session's original access token belongs to the revoked family now.
    expect(codes(await me(session.accessToken))).toEqual(['UNAUTHENTICATED']);
    // Other registries' entries are kept.
    expect(Object.keys(readCredentials().registries)).toEqual(['http://other.example.test']);
  });

  it('removes a stored token and says it stays valid on the server', async () => {
    const owner = await signUp();
    const pat = await createPat(owner.accessToken);
    expect((await cli(['auth', 'token', pat.token])).code).toBe(0);
    const result = await cli(['auth', 'logout']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('A personal access token stays valid');
    expect(existsSync(home.credentialsFile)).toBe(false);
  });

  it('still removes the credentials when the server is down, and says it could not revoke', async () => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    writeCredentials({
      [down]: { type: 'session', accessToken: unsignedJwt(600), refreshToken: 'smr_x', expiresAt: new Date(Date.now() + 600_000).toISOString(), savedAt: '2020-01-01T00:00:00.000Z' },
    });
    const result = await cli(['auth', 'logout', '--registry', down]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`but the session could not be revoked on the server: Cannot reach the SkillMeat server at ${down}: connection refused.`);
    expect(existsSync(home.credentialsFile)).toBe(false);
  });
});

describe('the credentials file', () => {
  it('is written with mode 0600 inside a 0700 folder, under $HOME/.skillmeat by default', async () => {
    const owner = await signUp();
    const pat = await createPat(owner.accessToken);
    const result = await runCli(['auth', 'token', pat.token], { env: { HOME: home.home, SKILLMEAT_API_URL: server.url } });
    expect(result.code, result.stderr).toBe(0);
    const folder = join(home.home, '.skillmeat');
    const file = join(folder, 'credentials.json');
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(result.stderr).toContain(`Credentials saved in ${file}.`);

    // With SKILLMEAT_CONFIG_DIR, the same modes there.
    expect((await cli(['auth', 'token', pat.token])).code).toBe(0);
    expect(statSync(home.configDir).mode & 0o777).toBe(0o700);
    expect(statSync(home.credentialsFile).mode & 0o777).toBe(0o600);
    // Written atomically: no temp files are left behind.
    expect(readFileSync(home.credentialsFile, 'utf8')).toContain(pat.token);
  });

  it('refuses a credentials file others can read (exit 5), with the chmod to run; works again after it', async () => {
    const owner = await signUp();
    const pat = await createPat(owner.accessToken);
    writeCredentials({ [server.url]: { type: 'token', token: pat.token, savedAt: '2020-01-01T00:00:00.000Z' } });
    chmodSync(home.credentialsFile, 0o644);
    const result = await cli(['auth', 'whoami']);
    expect(result.code).toBe(5);
    expect(result.stderr).toBe(
      `error: The credentials file ${home.credentialsFile} can be read or changed by other users (mode 644), so it is not used. ` +
        `Run \`chmod 600 '${home.credentialsFile}'\` and try again; if others may have read it, run \`skillmeat auth logout\` and log in again.\n`,
    );
    expect(statSync(home.credentialsFile).mode & 0o777).toBe(0o644); // not changed behind the person's back
    chmodSync(home.credentialsFile, 0o600);
    const again = await cli(['auth', 'whoami']);
    expect(again.code, again.stderr).toBe(0);
  });

  it('when corrupt gives a clear message naming the file and the way out (exit 5); logout removes it', async () => {
    writeCredentials({}, '{ "version": 1, "registries": { broken');
    for (const args of [['auth', 'whoami'], ['query', '{ me { role } }'], ['auth', 'token', 'smp_whatever']]) {
      const result = await cli(args);
      expect(result.code, args.join(' ')).toBe(5);
      expect(result.stderr).toBe(
        `error: The credentials file ${home.credentialsFile} is corrupt (not valid JSON). Delete it (rm '${home.credentialsFile}') or run \`skillmeat auth logout\` to reset it, then log in again.\n`,
      );
    }
    const logout = await cli(['auth', 'logout']);
    expect(logout.code).toBe(0);
    expect(logout.stderr).toContain(`The credentials file ${home.credentialsFile} was unreadable, so it has been deleted`);
    expect(existsSync(home.credentialsFile)).toBe(false);
    expect((await cli(['auth', 'whoami'])).code).toBe(3);
  });

  it('with valid JSON of the wrong shape is corrupt too', async () => {
    writeCredentials({}, JSON.stringify({ version: 1, registries: { [server.url]: { type: 'session', accessToken: 'x' } } }));
    const result = await cli(['auth', 'whoami']);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain(`is corrupt (the entry for ${server.url} is incomplete)`);
    expect(hasStackTrace(result.stderr)).toBe(false);
  });
});
