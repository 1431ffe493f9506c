/**
 * docs/auth.md, "Migration: Zero-Auth to Authenticated", walked end to end on a real server,
 * restarted on the same database (SQLite file, PostgreSQL schema), with the real
 * skillmeat-admin bin and real tokens:
 * - provider local: the first account adopts team local (signUp says so, the audit log too),
 *   sees every artifact and collection, and the zero-auth API key becomes its team's key;
 *   another team sees none of the TEAM artifacts;
 * - provider clerk: `skillmeat-admin adopt-local-team --team org_x` hands everything to the
 *   organization (once; a second run moves nothing), and an org_x JWT sees it all.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDatabase } from '../src/db/database.js';
import {
  MigCreateApiKeyDocument,
  MigLogInDocument,
  MigMeDocument,
  MigRegistryDocument,
  MigSignUpDocument,
  type MigRegistryQuery,
} from './operations/generated/graphql.js';
import { killCliProcesses, runAdmin } from './support/cli.js';
import { createTestDatabase, databaseUrlOf, DIALECTS, type TestDatabase } from './support/databases.js';
import { claimsFor, startFakeOidc, type FakeOidc } from './support/fake-oidc.js';
import { graphql, graphqlOk } from './support/graphql.js';
import { PASSWORD } from './support/idp.js';
import { addToCollection, createArtifact, createCollection, decodeGlobalId } from './support/seed.js';
import { startTestServer, type TestServer } from './support/server.js';

// Each bin run is a Node process starting tsx (1–3 s here, more with the whole suite on two cores).
vi.setConfig({ testTimeout: 180_000 });

const ZERO_AUTH_TEAM_ARTIFACTS = ['notes-skill', 'deploy-command', 'review-agent'];
const ZERO_AUTH_PUBLIC_ARTIFACTS = ['shared-hook'];
const ALL = [...ZERO_AUTH_TEAM_ARTIFACTS, ...ZERO_AUTH_PUBLIC_ARTIFACTS].sort();

const names = (registry: MigRegistryQuery) => registry.artifacts.edges.map((e) => e.node.name).sort();
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const apiKey = (key: string) => ({ headers: { 'x-api-key': key } });

/** Zero-auth: three TEAM artifacts, a PUBLIC one, a collection of two, an API key. */
async function seedZeroAuth(database: TestDatabase): Promise<{ zeroAuthKey: string }> {
  const server = await startTestServer({ database });
  try {
    const made = [];
    for (const name of ZERO_AUTH_TEAM_ARTIFACTS) made.push(await createArtifact(server.url, { name, type: 'SKILL' }));
    for (const name of ZERO_AUTH_PUBLIC_ARTIFACTS) await createArtifact(server.url, { name, type: 'HOOK', visibility: 'PUBLIC' });
    const collection = await createCollection(server.url, { name: 'favourites' });
    await addToCollection(server.url, collection.id, made[0]!.id);
    await addToCollection(server.url, collection.id, made[1]!.id);
    const { createApiKey } = await graphqlOk(server.url, MigCreateApiKeyDocument, { scopes: ['artifacts:read', 'artifacts:write', 'admin:settings'] });
    const registry = await graphqlOk(server.url, MigRegistryDocument);
    expect(registry.artifacts.edges.every((e) => e.node.teamId === 'local')).toBe(true);
    return { zeroAuthKey: createApiKey.secret };
  } finally {
    await server.stop({ drop: false });
  }
}

async function auditEvents(database: TestDatabase, event: string) {
  const opened = createDatabase(database.config);
  try {
    return await opened.db.selectFrom('audit_log').selectAll().where('event', '=', event).orderBy('id').execute();
  } finally {
    await opened.close();
  }
}

describe.each(DIALECTS)('zero-auth → authenticated ($dialect)', ({ dialect, skip }) => {
  let database: TestDatabase | undefined;
  let server: TestServer | undefined;
  let oidc: FakeOidc | undefined;

  beforeEach(async () => {
    if (skip) return;
    database = await createTestDatabase(dialect);
  });

  afterEach(async () => {
    await killCliProcesses();
    await server?.stop({ drop: false });
    server = undefined;
    await oidc?.close();
    oidc = undefined;
    await database?.drop();
    database = undefined;
  });

  afterAll(killCliProcesses);

  it.skipIf(skip)('provider local: the first account adopts team local and sees every artifact; another team sees none of the TEAM ones', async () => {
    const { zeroAuthKey } = await seedZeroAuth(database!);
    server = await startTestServer({ database: database!, env: { SKILLMEAT_AUTH_ENABLED: 'true', SKILLMEAT_AUTH_PROVIDER: 'local' } });

    // Before anyone adopts it, a zero-auth key (LOCAL_ADMIN of every team) is refused.
    const early = await graphql(server.url, MigMeDocument, undefined, apiKey(zeroAuthKey));
    expect(early.status).toBe(401);
    expect(early.errors?.[0]?.message).toMatch(/zero-auth mode/);
    // And nothing is visible without a credential.
    expect((await graphql(server.url, MigRegistryDocument)).status).toBe(401);

    const { signUp } = await graphqlOk(server.url, MigSignUpDocument, { input: { email: 'owner@example.com', password: PASSWORD } });
    expect(signUp.adoptedTeam).toBe('local');
    expect(signUp.session.user).toMatchObject({ role: 'TEAM_ADMIN', teamId: 'local' });
    const owner = bearer(signUp.session.accessToken);
    const registry = await graphqlOk(server.url, MigRegistryDocument, undefined, owner);
    expect(registry.artifacts.totalCount).toBe(ALL.length);
    expect(names(registry)).toEqual(ALL);
    expect(registry.collections.edges.map((e) => [e.node.name, e.node.artifacts.totalCount])).toEqual([['favourites', 2]]);

    // The zero-auth key is now the adopter's: TEAM_ADMIN of local, narrowed to TEAM_ADMIN's scopes.
    const { me: keyMe } = await graphqlOk(server.url, MigMeDocument, undefined, apiKey(zeroAuthKey));
    expect(keyMe).toMatchObject({ role: 'TEAM_ADMIN', teamId: 'local', authMethod: 'API_KEY' });
    expect([...keyMe.scopes].sort()).toEqual(['artifacts:read', 'artifacts:write']);
    const byKey = await graphqlOk<{ artifacts: { totalCount: number } }, undefined>(server.url, '{ artifacts(first: 1) { totalCount } }', undefined, apiKey(zeroAuthKey));
    expect(byKey.artifacts.totalCount).toBe(ALL.length);

    const adopted = await auditEvents(database!, 'team.adopted');
    expect(adopted).toHaveLength(1);
    expect(adopted[0]).toMatchObject({ outcome: 'success', team_id: 'local', actor_user_id: Number(decodeGlobalId(signUp.session.user.id).split(':')[1]) });
    expect(adopted[0]!.target).toContain('TEAM_ADMIN');

    // A later sign-up adopts nothing: VIEWER of no team, PUBLIC artifacts only.
    const later = await graphqlOk(server.url, MigSignUpDocument, { input: { email: 'later@example.com', password: PASSWORD } });
    expect(later.signUp.adoptedTeam).toBeNull();
    expect(later.signUp.session.user).toMatchObject({ role: 'VIEWER', teamId: null });
    expect(names(await graphqlOk(server.url, MigRegistryDocument, undefined, bearer(later.signUp.session.accessToken)))).toEqual(ZERO_AUTH_PUBLIC_ARTIFACTS);

    // Another team (an admin made by the operator) sees the PUBLIC artifact and none of the TEAM ones.
    const made = await runAdmin(['create-user', '--email', 'rival@example.com', '--role', 'TEAM_ADMIN', '--team', 'rivals'], {
      databaseUrl: databaseUrlOf(database!),
      env: { SKILLMEAT_AUTH_ENABLED: 'true' },
      input: `${PASSWORD}\n`,
    });
    expect(made.code, made.stderr).toBe(0);
    const { logIn } = await graphqlOk(server.url, MigLogInDocument, { input: { email: 'rival@example.com', password: PASSWORD } });
    expect(logIn.session.user).toMatchObject({ role: 'TEAM_ADMIN', teamId: 'rivals' });
    const rival = await graphqlOk(server.url, MigRegistryDocument, undefined, bearer(logIn.session.accessToken));
    expect(names(rival)).toEqual(ZERO_AUTH_PUBLIC_ARTIFACTS);
    expect(rival.collections.totalCount).toBe(0);
  });

  it.skipIf(skip)('provider local with an empty team local: the first account gets a team of its own, as before', async () => {
    server = await startTestServer({ database: database!, env: { SKILLMEAT_AUTH_ENABLED: 'true', SKILLMEAT_AUTH_PROVIDER: 'local' } });
    const { signUp } = await graphqlOk(server.url, MigSignUpDocument, { input: { email: 'first@example.com', password: PASSWORD } });
    expect(signUp.adoptedTeam).toBeNull();
    expect(signUp.session.user.role).toBe('TEAM_ADMIN');
    expect(signUp.session.user.teamId).toMatch(/^team_[0-9a-f]{12}$/);
    expect(await auditEvents(database!, 'team.adopted')).toHaveLength(0);
  });

  it.skipIf(skip)('provider clerk: adopt-local-team hands everything to org_x once; org_x sees it all, org_y none of the TEAM ones', async () => {
    const { zeroAuthKey } = await seedZeroAuth(database!);
    const databaseUrl = databaseUrlOf(database!);

    const first = await runAdmin(['adopt-local-team', '--team', 'org_x', '--json'], { databaseUrl });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ team: 'org_x', artifacts: 4, collections: 1, apiKeys: 1, users: 0, moved: true });
    const again = await runAdmin(['adopt-local-team', '--team', 'org_x'], { databaseUrl });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/team local holds nothing: nothing to move/);
    const adopted = await auditEvents(database!, 'team.adopted');
    expect(adopted).toHaveLength(1);
    expect(adopted[0]).toMatchObject({ strategy: 'skillmeat-admin', team_id: 'org_x' });
    expect(adopted[0]!.target).toBe('team:local→org_x artifacts:4 collections:1 api_keys:1 users:0');

    oidc = await startFakeOidc();
    server = await startTestServer({
      database: database!,
      env: { SKILLMEAT_AUTH_ENABLED: 'true', SKILLMEAT_AUTH_PROVIDER: 'clerk', CLERK_JWKS_URL: oidc.jwksUrl, CLERK_ISSUER: oidc.issuer },
    });
    const member = bearer(await oidc.mint(claimsFor('TEAM_MEMBER', 'org_x', 'user_alice'), { expiresIn: 600 }));
    const registry = await graphqlOk(server.url, MigRegistryDocument, undefined, member);
    expect(names(registry)).toEqual(ALL);
    expect(registry.artifacts.edges.every((e) => e.node.teamId === 'org_x')).toBe(true);
    expect(registry.collections.edges.map((e) => [e.node.name, e.node.teamId, e.node.artifacts.totalCount])).toEqual([['favourites', 'org_x', 2]]);

    const outsider = bearer(await oidc.mint(claimsFor('TEAM_ADMIN', 'org_y', 'user_bob'), { expiresIn: 600 }));
    const theirs = await graphqlOk(server.url, MigRegistryDocument, undefined, outsider);
    expect(names(theirs)).toEqual(ZERO_AUTH_PUBLIC_ARTIFACTS);
    expect(theirs.collections.totalCount).toBe(0);

    // The zero-auth key was handed over too: a key of org_x with at most TEAM_ADMIN's scopes.
    const { me } = await graphqlOk(server.url, MigMeDocument, undefined, apiKey(zeroAuthKey));
    expect(me).toMatchObject({ role: 'TEAM_ADMIN', teamId: 'org_x', authMethod: 'API_KEY' });
    expect([...me.scopes].sort()).toEqual(['artifacts:read', 'artifacts:write']);
  });
});
