/**
 * skillmeat-admin as a real child process (bin/skillmeat-admin.js) on a SQLite file and on a
 * PostgreSQL schema (DATABASE_URL with the schema as search_path), beside a real server on the
 * same database where a command's result must work there: accounts log in, keys authenticate,
 * verify-token answers what the server's chain answers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ROLE_SCOPES, ROLES, SCOPES } from '../src/vocabulary/scopes.js';
import { createDatabase } from '../src/db/database.js';
import { FlowLogOutDocument, MigCreateArtifactDocument, MigLogInDocument, MigMeDocument, MigSignUpDocument } from './operations/generated/graphql.js';
import { closedPort, hasStackTrace, killCliProcesses, REPO_ROOT, runAdmin, type CliResult } from './support/cli.js';
import { createTestDatabase, databaseUrlOf, DIALECTS, type TestDatabase } from './support/databases.js';
import { codes, graphql, graphqlOk } from './support/graphql.js';
import { PASSWORD } from './support/idp.js';
import { startTestServer, type TestServer } from './support/server.js';

// Each bin run is a Node process starting tsx (1–3 s here, more with the whole suite on two cores).
vi.setConfig({ testTimeout: 180_000 });

const ENTERPRISE_SECRET = 'enterprise-secret-0123456789-abcdefghij';
const STATIC_KEY = 'static-api-key-0123456789abcdef';
const LOCAL_AUTH = { SKILLMEAT_AUTH_ENABLED: 'true', SKILLMEAT_AUTH_PROVIDER: 'local' };

const json = (result: CliResult) => JSON.parse(result.stdout) as Record<string, unknown>;
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const apiKey = (key: string) => ({ headers: { 'x-api-key': key } });

function expectClean(result: CliResult) {
  expect(hasStackTrace(result.stdout + result.stderr), result.stderr).toBe(false);
}

describe.each(DIALECTS)('skillmeat-admin ($dialect)', ({ dialect, skip }) => {
  let database: TestDatabase | undefined;
  let server: TestServer | undefined;
  let databaseUrl = '';

  beforeEach(async () => {
    if (skip) return;
    database = await createTestDatabase(dialect);
    databaseUrl = databaseUrlOf(database);
  });

  afterEach(async () => {
    await killCliProcesses();
    await server?.stop({ drop: false });
    server = undefined;
    await database?.drop();
    database = undefined;
  });

  afterAll(killCliProcesses);

  /** The bin with the server's configuration: auth local, its port (the local issuer is http://127.0.0.1:PORT). */
  const admin = (args: string[], env: Record<string, string> = {}, input?: string) =>
    runAdmin(args, {
      databaseUrl,
      env: { ...LOCAL_AUTH, HOST: '127.0.0.1', ...(server ? { PORT: new URL(server.url).port } : {}), ...env },
      ...(input === undefined ? {} : { input }),
    });

  const startServer = async (env: Record<string, string> = {}) => {
    server = await startTestServer({ database: database!, env: { ...LOCAL_AUTH, ...env } });
    return server;
  };

  it.skipIf(skip)('health fails on a fresh database (migrations, signing key); init creates and migrates it; then health passes', async () => {
    const before = await admin(['health', '--json']);
    expect(before.code).toBe(1);
    const checks = json(before).checks as { check: string; ok: boolean; detail: string }[];
    expect(checks.find((c) => c.check === 'database')).toMatchObject({ ok: true });
    expect(checks.find((c) => c.check === 'migrations')).toMatchObject({ ok: false });
    expect(checks.find((c) => c.check === 'migrations')!.detail).toMatch(/0001-init/);
    expect(checks.find((c) => c.check === 'signing keys')).toMatchObject({ ok: false });

    const init = await admin(['init', '--json']);
    expect(init.code, init.stderr).toBe(0);
    expect(json(init)).toMatchObject({ migrationsApplied: expect.arrayContaining(['0001-init']), signingKey: 'created' });
    const again = await admin(['init']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/migrations: already current/);
    expect(again.stdout).toMatch(/signing key: present/);

    const after = await admin(['health']);
    expect(after.code, after.stdout).toBe(0);
    expect(after.stdout).toMatch(/ok {4}migrations: current/);
    expect(after.stdout).toMatch(/ok {4}signing keys: 1 active/);
    expectClean(after);
  });

  it.skipIf(skip)('list-roles prints the scope table of src/vocabulary/scopes.ts', async () => {
    const result = await admin(['list-roles', '--json']);
    expect(result.code).toBe(0);
    expect(json(result)).toEqual({ roles: ROLES.map((role) => ({ role, scopes: [...ROLE_SCOPES[role]] })), scopes: [...SCOPES] });
    const text = await admin(['list-roles']);
    expect(text.stdout).toMatch(/^VIEWER +artifacts:read collections:read$/m);
  });

  it.skipIf(skip)('create-user: a generated password is printed once and logs in; a password on stdin too; bad role, missing team and a taken email are refused', async () => {
    await startServer();
    const generated = await admin(['create-user', '--email', 'Ops@Example.com', '--role', 'TEAM_ADMIN', '--team', 'ops', '--json']);
    expect(generated.code, generated.stderr).toBe(0);
    const { user, password } = json(generated) as { user: Record<string, unknown>; password: string };
    expect(user).toMatchObject({ email: 'ops@example.com', role: 'TEAM_ADMIN', teamId: 'ops' });
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const { logIn } = await graphqlOk(server!.url, MigLogInDocument, { input: { email: 'ops@example.com', password } });
    expect(logIn.session.user).toMatchObject({ role: 'TEAM_ADMIN', teamId: 'ops' });

    const piped = await admin(['create-user', '--email', 'viewer@example.com', '--role', 'viewer'], {}, `${PASSWORD}\n`);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout).toMatch(/password: as given on stdin/);
    expect(piped.stdout).not.toContain(PASSWORD);
    const viewer = await graphqlOk(server!.url, MigLogInDocument, { input: { email: 'viewer@example.com', password: PASSWORD } });
    expect(viewer.logIn.session.user).toMatchObject({ role: 'VIEWER', teamId: null });

    // The operator made the first accounts, so a sign-up now is a VIEWER, not an admin of a new team.
    const { signUp } = await graphqlOk(server!.url, MigSignUpDocument, { input: { email: 'self@example.com', password: PASSWORD } });
    expect(signUp.session.user).toMatchObject({ role: 'VIEWER', teamId: null });

    for (const [args, code, message] of [
      [['--role', 'LOCAL_ADMIN'], 2, /--role must be one of VIEWER, TEAM_MEMBER, TEAM_ADMIN, SYSTEM_ADMIN/],
      [['--role', 'TEAM_MEMBER'], 2, /acts in a team: give --team/],
      [['--role', 'VIEWER', '--team', 'bad team!'], 2, /--team must be a team id/],
    ] as const) {
      const refused = await admin(['create-user', '--email', 'x@example.com', ...args]);
      expect(refused.code, refused.stderr).toBe(code);
      expect(refused.stderr).toMatch(message);
      expectClean(refused);
    }
    const taken = await admin(['create-user', '--email', 'ops@example.com', '--role', 'VIEWER']);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(/already exists/);
    const weak = await admin(['create-user', '--email', 'weak@example.com', '--role', 'VIEWER'], {}, 'short\n');
    expect(weak.code).toBe(2);
  });

  it.skipIf(skip)('generate-api-key: the secret, printed once, acts in its team with its scopes; only its hash is stored; scopes beyond the role are refused', async () => {
    await startServer({ SKILLMEAT_ENTERPRISE_PAT_SECRET: ENTERPRISE_SECRET });
    const admin_ = bearer(ENTERPRISE_SECRET);
    // One artifact in team ci (made by a member of it) and one in another team.
    const member = await admin(['create-user', '--email', 'dev@example.com', '--role', 'TEAM_MEMBER', '--team', 'ci'], {}, `${PASSWORD}\n`);
    expect(member.code, member.stderr).toBe(0);
    const { logIn } = await graphqlOk(server!.url, MigLogInDocument, { input: { email: 'dev@example.com', password: PASSWORD } });
    await graphqlOk(server!.url, MigCreateArtifactDocument, { input: { name: 'ci-skill', type: 'SKILL' } }, bearer(logIn.session.accessToken));
    await graphqlOk(server!.url, MigCreateArtifactDocument, { input: { name: 'other-skill', type: 'SKILL' } }, admin_);

    const result = await admin(['generate-api-key', '--name', 'ci', '--scopes', 'artifacts:read', '--team', 'ci', '--expires-in', '30d', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const { apiKey: key, secret } = json(result) as { apiKey: Record<string, unknown>; secret: string };
    expect(secret).toMatch(/^smk_[A-Za-z0-9_-]{43}$/);
    expect(key).toMatchObject({ name: 'ci', role: 'TEAM_ADMIN', teamId: 'ci', scopes: ['artifacts:read'] });
    const expires = Date.parse(String(key.expiresAt)) - Date.now();
    expect(expires).toBeGreaterThan(29 * 86_400_000);
    expect(expires).toBeLessThanOrEqual(30 * 86_400_000);

    const { me } = await graphqlOk(server!.url, MigMeDocument, undefined, apiKey(secret));
    expect(me).toMatchObject({ role: 'TEAM_ADMIN', teamId: 'ci', authMethod: 'API_KEY', scopes: ['artifacts:read'] });
    const seen = await graphqlOk<{ artifacts: { edges: { node: { name: string } }[] } }, undefined>(
      server!.url,
      '{ artifacts(first: 10) { edges { node { name } } } }',
      undefined,
      apiKey(secret),
    );
    expect(seen.artifacts.edges.map((e) => e.node.name)).toEqual(['ci-skill']);
    const write = await graphql(server!.url, MigCreateArtifactDocument, { input: { name: 'nope', type: 'SKILL' } }, apiKey(secret));
    expect(codes(write)).toEqual(['FORBIDDEN']);
    expect(write.errors?.[0]?.message).toBe('This needs the artifacts:write scope.');

    const stored = createDatabase(database!.config);
    try {
      const rows = await stored.db.selectFrom('api_keys').selectAll().execute();
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows)).not.toContain(secret);
      expect(rows[0]).toMatchObject({ user_id: null, creator_role: 'TEAM_ADMIN', team_id: 'ci' });
    } finally {
      await stored.close();
    }

    const greedy = await admin(['generate-api-key', '--name', 'x', '--scopes', 'artifacts:read admin:settings', '--team', 'ci']);
    expect(greedy.code).toBe(2);
    expect(greedy.stderr).toMatch(/You cannot grant scopes you do not hold: admin:settings/);
    const noTeam = await admin(['generate-api-key', '--name', 'x', '--scopes', 'artifacts:read']);
    expect(noTeam.code).toBe(2);
    expect(noTeam.stderr).toMatch(/give --team/);
    const badDuration = await admin(['generate-api-key', '--name', 'x', '--scopes', 'artifacts:read', '--team', 'ci', '--expires-in', 'soon']);
    expect(badDuration.code).toBe(2);
    const system = await admin(['generate-api-key', '--name', 'ops', '--scopes', 'admin:settings', '--role', 'SYSTEM_ADMIN', '--json']);
    expect(system.code, system.stderr).toBe(0);
    const systemKey = (json(system) as { secret: string }).secret;
    expect((await graphqlOk(server!.url, MigMeDocument, undefined, apiKey(systemKey))).me).toMatchObject({ role: 'SYSTEM_ADMIN', teamId: null, scopes: ['admin:settings'] });
  });

  it.skipIf(skip)('verify-token answers what the running configuration resolves: API key, local JWT, enterprise PAT, static key; a rejected one exits 3 with the reason', async () => {
    const env = { SKILLMEAT_ENTERPRISE_PAT_SECRET: ENTERPRISE_SECRET, SKILLMEAT_API_KEY_ENABLED: 'true', SKILLMEAT_API_KEY: STATIC_KEY };
    await startServer(env);
    const made = await admin(['generate-api-key', '--name', 'ci', '--scopes', 'artifacts:read,collections:read', '--team', 'ci', '--expires-in', '2h', '--json'], env);
    const { secret, apiKey: key } = json(made) as { secret: string; apiKey: { expiresAt: string } };

    const byKey = await admin(['verify-token', secret, '--json'], env);
    expect(byKey.code, byKey.stderr).toBe(0);
    expect(json(byKey)).toMatchObject({ valid: true, authMode: 'local', method: 'API_KEY', role: 'TEAM_ADMIN', teamId: 'ci', scopes: ['artifacts:read', 'collections:read'], expiresAt: key.expiresAt, user: null });

    const { signUp } = await graphqlOk(server!.url, MigSignUpDocument, { input: { email: 'first@example.com', password: PASSWORD } });
    const byJwt = await admin(['verify-token', '--json'], env, `${signUp.session.accessToken}\n`);
    expect(byJwt.code, byJwt.stderr).toBe(0);
    const identity = json(byJwt);
    const exp = (JSON.parse(Buffer.from(signUp.session.accessToken.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp;
    expect(identity).toMatchObject({ method: 'JWT', role: 'TEAM_ADMIN', teamId: signUp.session.user.teamId, expiresAt: new Date(exp * 1000).toISOString() });
    expect(identity.user).toMatchObject({ email: 'first@example.com' });
    const text = await admin(['verify-token', signUp.session.accessToken], env);
    expect(text.stdout).toMatch(/^method: +JWT$/m);
    expect(text.stdout).toMatch(/^role: +TEAM_ADMIN$/m);

    expect(json(await admin(['verify-token', ENTERPRISE_SECRET, '--json'], env))).toMatchObject({ method: 'ENTERPRISE_PAT', role: 'SYSTEM_ADMIN', teamId: null, expiresAt: null });
    expect(json(await admin(['verify-token', STATIC_KEY, '--json'], env))).toMatchObject({ method: 'API_KEY', role: 'SYSTEM_ADMIN', expiresAt: null });

    // After logging out, the server refuses the access token; so does verify-token, with its reason.
    await graphqlOk(server!.url, FlowLogOutDocument, { refreshToken: signUp.session.refreshToken }, bearer(signUp.session.accessToken));
    expect((await graphql(server!.url, MigMeDocument, undefined, bearer(signUp.session.accessToken))).status).toBe(401);
    const ended = await admin(['verify-token', signUp.session.accessToken, '--json'], env);
    expect(ended.code).toBe(3);
    expect(json(ended)).toEqual({ valid: false, authMode: 'local', reason: 'The session has ended; sign in again.' });
    expect(ended.stderr).toMatch(/^error: the token is rejected: The session has ended; sign in again\.$/m);

    for (const [token, reason] of [
      [`smk_${'A'.repeat(43)}`, 'Invalid API key.'],
      ['not-a-token', 'The bearer token is not one this server accepts.'],
      [`${ENTERPRISE_SECRET}x`, 'The bearer token is not one this server accepts.'],
    ] as const) {
      const rejected = await admin(['verify-token', token], env);
      expect(rejected.code, token).toBe(3);
      expect(rejected.stdout).toContain(reason);
      expectClean(rejected);
    }
    // Zero-auth: whatever a request carries, it is the local admin (and the answer says why).
    const zero = await admin(['verify-token', 'anything', '--json'], { SKILLMEAT_AUTH_ENABLED: 'false' });
    expect(zero.code).toBe(0);
    expect(json(zero)).toMatchObject({ authMode: 'zero-auth', method: 'ZERO_AUTH', role: 'LOCAL_ADMIN', teamId: 'local' });
    expect((await admin(['verify-token'], env, '')).code).toBe(2);
  });

  it.skipIf(skip)('adopt-local-team refuses team local itself and a malformed team', async () => {
    for (const team of ['local', 'two words']) {
      const refused = await admin(['adopt-local-team', '--team', team]);
      expect(refused.code).toBe(2);
      expectClean(refused);
    }
  });
});

describe('skillmeat-admin (no database needed)', () => {
  afterAll(killCliProcesses);
  const dir = '/nonexistent-skillmeat-admin-test';

  it('show-config lists every variable of the README, secrets only as set/unset with a fingerprint', async () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Endpoints'));
    const documented = [...section.matchAll(/^\| `([A-Z_]+)`(?:, `([A-Z_]+)`)? \|/gm)].flatMap((m) => [m[1]!, ...(m[2] ? [m[2]] : [])]);
    expect(documented.length).toBeGreaterThan(15);
    const env = {
      SKILLMEAT_AUTH_ENABLED: 'true',
      SKILLMEAT_ENTERPRISE_PAT_SECRET: ENTERPRISE_SECRET,
      SKILLMEAT_API_KEY_ENABLED: 'true',
      SKILLMEAT_API_KEY: STATIC_KEY,
      SKILLMEAT_SOMETHING_NEW: 'unknown-value-123',
      PORT: '9090',
    };
    const result = await runAdmin(['show-config', '--json'], { databaseUrl: 'postgres://app:hunter2-db-password@127.0.0.1:5432/skillmeat', env });
    expect(result.code, result.stderr).toBe(0);
    for (const secret of [ENTERPRISE_SECRET, STATIC_KEY, 'unknown-value-123', 'hunter2-db-password']) {
      expect(result.stdout + result.stderr).not.toContain(secret);
    }
    const { settings } = json(result) as { settings: { variable: string; value: string | null; source: string; secret?: { set: boolean; fingerprint: string | null } }[] };
    const byName = new Map(settings.map((s) => [s.variable, s]));
    for (const variable of documented) expect(byName.has(variable), variable).toBe(true);
    expect(byName.get('PORT')).toEqual({ variable: 'PORT', value: '9090', source: 'env' });
    expect(byName.get('HOST')).toEqual({ variable: 'HOST', value: '127.0.0.1', source: 'default' });
    expect(byName.get('DATABASE_URL')!.value).toBe('postgres://app:***@127.0.0.1:5432/skillmeat');
    const { createHash } = await import('node:crypto');
    const fp = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex').slice(0, 8)}`;
    expect(byName.get('SKILLMEAT_ENTERPRISE_PAT_SECRET')).toEqual({ variable: 'SKILLMEAT_ENTERPRISE_PAT_SECRET', value: null, source: 'env', secret: { set: true, fingerprint: fp(ENTERPRISE_SECRET) } });
    expect(byName.get('SKILLMEAT_API_KEY')!.secret).toEqual({ set: true, fingerprint: fp(STATIC_KEY) });
    expect(byName.get('SKILLMEAT_SOMETHING_NEW')).toMatchObject({ value: null, secret: { set: true } });

    const unset = await runAdmin(['show-config'], { databaseUrl: join(dir, 'x.db') });
    expect(unset.stdout).toMatch(/^SKILLMEAT_ENTERPRISE_PAT_SECRET +unset {2}\[default\]$/m);
  });

  it('health and the writing commands exit 4 when the database cannot be reached', async () => {
    const port = await closedPort();
    const databaseUrl = `postgres://postgres@127.0.0.1:${port}/none`;
    const health = await runAdmin(['health', '--json'], { databaseUrl });
    expect(health.code).toBe(4);
    expect(json(health)).toMatchObject({ ok: false, checks: [{ check: 'database', ok: false }] });
    const init = await runAdmin(['init'], { databaseUrl });
    expect(init.code).toBe(4);
    expect(init.stderr).toMatch(/^error: cannot reach the database \(PostgreSQL 127\.0\.0\.1:\d+\/none\)/m);
    expectClean(init);
  });

  it('usage errors exit 2: an unknown command, a missing option, a bad configuration variable', async () => {
    const databaseUrl = join(dir, 'x.db');
    expect((await runAdmin(['frobnicate'], { databaseUrl })).code).toBe(2);
    expect((await runAdmin(['create-user', '--role', 'VIEWER'], { databaseUrl })).code).toBe(2);
    const badConfig = await runAdmin(['show-config'], { databaseUrl, env: { SKILLMEAT_AUTH_ENABLED: 'maybe' } });
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toMatch(/^error: configuration error: SKILLMEAT_AUTH_ENABLED must be true or false/m);
    const help = await runAdmin(['--help'], { databaseUrl });
    expect(help.code).toBe(0);
    for (const command of ['init', 'create-user', 'list-roles', 'generate-api-key', 'verify-token', 'show-config', 'health', 'adopt-local-team']) {
      expect(help.stdout).toContain(command);
    }
  });
});
