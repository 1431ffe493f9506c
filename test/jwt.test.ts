/**
 * The JWT strategy with provider clerk, over real HTTP against a fake OIDC provider: valid
 * tokens per role and algorithm and the claims → identity mapping (users created on first sight
 * and kept in sync), the time claims with their 60 s of skew, hostile tokens, that a bad
 * credential never falls through, and what an auth decision logs. The JWKS itself (rotation,
 * caching, outages) is test/jwt-keys.test.ts.
 */
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ops from './operations/generated/graphql.js';
import { bearer, expectRejected } from './support/auth-assertions.js';
import { claimsFor, startFakeOidc, type FakeOidc, type FakeOidcAlg, type TeamRole } from './support/fake-oidc.js';
import { graphql } from './support/graphql.js';
import { startLoggedServer, type LoggedServer } from './support/log-capture.js';
import { startTestServer, type TestServer } from './support/server.js';

const ENTERPRISE_SECRET = 'enterprise-secret-for-jwt-tests-0123456789';
const AUDIENCE = 'https://api.skillmeat.test';

// The role → scopes oracle, from contract.graphql's header (not from src/vocabulary/scopes.ts).
const READ = ['artifacts:read', 'collections:read'];
const MEMBER = [...READ, 'artifacts:write', 'collections:write'];
const TEAM_ADMIN = [...MEMBER, 'artifacts:delete', 'admin:users'];
const SCOPES: Record<TeamRole, string[]> = { VIEWER: READ, TEAM_MEMBER: MEMBER, TEAM_ADMIN };

// Every token gets its own subject, so the server's short Viewer cache never answers for another.
let subjects = 0;
const newSubject = (label: string) => `user_${label}_${++subjects}`;

let oidc: FakeOidc;
let server: TestServer;
/** The same provider, with CLERK_AUDIENCE set. */
let audienceServer: TestServer;

const clerkEnv = (extra: Record<string, string> = {}) => ({
  SKILLMEAT_AUTH_ENABLED: 'true',
  SKILLMEAT_AUTH_PROVIDER: 'clerk',
  CLERK_JWKS_URL: oidc.jwksUrl,
  CLERK_ISSUER: oidc.issuer,
  ...extra,
});

beforeAll(async () => {
  // Every algorithm's key is published before the servers first fetch the JWKS (rotation is jwt-keys.test.ts).
  oidc = await startFakeOidc({ algs: ['RS256', 'ES256', 'PS256', 'EdDSA'] });
  server = await startTestServer({ env: clerkEnv({ SKILLMEAT_ENTERPRISE_PAT_SECRET: ENTERPRISE_SECRET }) });
  audienceServer = await startTestServer({ env: clerkEnv({ CLERK_AUDIENCE: AUDIENCE }) });
});

afterAll(async () => {
  await server?.stop();
  await audienceServer?.stop();
  await oidc?.close();
});

const me = (token: string, target: { url: string } = server) => graphql(target.url, ops.JwtMeDocument, {}, { headers: bearer(token) });

/** `me` for a token that must be accepted. */
async function meOk(token: string, target: { url: string } = server) {
  const result = await me(token, target);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  expect(result.status).toBe(200);
  return result.data!.me;
}

/** Every user, as SYSTEM_ADMIN (the Enterprise PAT) sees them. */
async function allUsers() {
  const result = await graphql(server.url, ops.JwtUsersDocument, {}, { headers: bearer(ENTERPRISE_SECRET) });
  expect(result.errors).toBeUndefined();
  return result.data!.users;
}

describe('valid tokens', () => {
  it.each(['VIEWER', 'TEAM_MEMBER', 'TEAM_ADMIN'] as const)('%s: role, scopes, team, auth method and user', async (role) => {
    const sub = newSubject(role);
    const viewer = await meOk(await oidc.mint(claimsFor(role, 'team-a', sub)));
    expect(viewer.role).toBe(role);
    expect([...viewer.scopes].sort()).toEqual([...SCOPES[role]].sort());
    expect(viewer.teamId).toBe('team-a');
    expect(viewer.authMethod).toBe('JWT');
    expect(viewer.user).toMatchObject({ email: `${sub}@example.test`, name: `Test ${sub}`, role, teamId: 'team-a' });
  });

  it.each(['RS256', 'ES256', 'PS256', 'EdDSA'] as const satisfies readonly FakeOidcAlg[])('accepts %s (in the allow-list)', async (alg) => {
    const sub = newSubject(alg);
    const viewer = await meOk(await oidc.mint(claimsFor('TEAM_MEMBER', 'team-alg', sub), { alg }));
    expect(viewer).toMatchObject({ role: 'TEAM_MEMBER', teamId: 'team-alg', authMethod: 'JWT', user: { email: `${sub}@example.test` } });
  });

  it('creates the user on first sight, and keeps it in sync (one user per sub)', async () => {
    const sub = newSubject('sync');
    const before = await allUsers();
    expect(before.edges.map((e) => e.node.email)).not.toContain(`${sub}@example.test`);

    const first = await meOk(await oidc.mint(claimsFor('TEAM_MEMBER', 'team-old', sub)));
    const created = await allUsers();
    expect(created.totalCount).toBe(before.totalCount + 1);
    expect(created.edges.map((e) => e.node)).toContainEqual({
      id: first.user!.id,
      email: `${sub}@example.test`,
      name: `Test ${sub}`,
      role: 'TEAM_MEMBER',
      teamId: 'team-old',
    });

    const changed = { sub, email: `${sub}@new.example.test`, name: 'Renamed Person', org_id: 'team-new', org_role: 'org:admin' };
    const second = await meOk(await oidc.mint(changed));
    expect(second).toMatchObject({ role: 'TEAM_ADMIN', teamId: 'team-new' });
    expect(second.user).toEqual({ id: first.user!.id, email: changed.email, name: changed.name, role: 'TEAM_ADMIN', teamId: 'team-new' });
    const synced = await allUsers();
    expect(synced.totalCount).toBe(created.totalCount);
    expect(synced.edges.filter((e) => e.node.id === first.user!.id).map((e) => e.node)).toEqual([second.user]);
  });

  it('reads Clerk v2 nested claims: o.id and o.rol', async () => {
    const admin = await meOk(await oidc.mint({ sub: newSubject('nested'), o: { id: 'team-nested', rol: 'admin' } }));
    expect(admin).toMatchObject({ role: 'TEAM_ADMIN', teamId: 'team-nested' });
    expect([...admin.scopes].sort()).toEqual([...TEAM_ADMIN].sort());
    const member = await meOk(await oidc.mint({ sub: newSubject('nested'), o: { id: 'team-nested', rol: 'member' } }));
    expect(member).toMatchObject({ role: 'TEAM_MEMBER', teamId: 'team-nested' });
  });

  it.each([
    ['admin', 'TEAM_ADMIN'],
    ['org:admin', 'TEAM_ADMIN'],
    ['member', 'TEAM_MEMBER'],
    ['org:member', 'TEAM_MEMBER'],
    ['org:owner', 'VIEWER'],
    ['ADMIN', 'VIEWER'],
  ] as const)('org_role %j → %s', async (orgRole, role) => {
    const viewer = await meOk(await oidc.mint({ sub: newSubject('orgrole'), org_id: 'team-roles', org_role: orgRole }));
    expect(viewer).toMatchObject({ role, teamId: 'team-roles' });
    expect([...viewer.scopes].sort()).toEqual([...SCOPES[role]].sort());
  });

  it('a role set with setUserRole wins over the claims, and survives later syncs', async () => {
    const adminToken = await oidc.mint(claimsFor('TEAM_ADMIN', 'team-override', newSubject('admin')));
    const sub = newSubject('member');
    const member = await meOk(await oidc.mint({ ...claimsFor('TEAM_MEMBER', 'team-override', sub), jti: 'first' }));
    expect(member.role).toBe('TEAM_MEMBER');
    const set = await graphql(server.url, ops.JwtSetUserRoleDocument, { userId: member.user!.id, role: 'VIEWER' }, { headers: bearer(adminToken) });
    expect(set.errors).toBeUndefined();
    expect(set.data!.setUserRole.user).toEqual({ id: member.user!.id, role: 'VIEWER' });

    const after = await meOk(await oidc.mint({ ...claimsFor('TEAM_MEMBER', 'team-override', sub), jti: 'second' }));
    expect(after).toMatchObject({ role: 'VIEWER', user: { id: member.user!.id, role: 'VIEWER' } });
    expect([...after.scopes].sort()).toEqual([...READ].sort());
    const resynced = await meOk(await oidc.mint({ ...claimsFor('TEAM_MEMBER', 'team-override', sub), org_role: 'org:admin', name: 'New Name' }));
    expect(resynced).toMatchObject({ role: 'VIEWER', user: { id: member.user!.id, role: 'VIEWER', name: 'New Name' } });
  });

  it('no organisation → VIEWER of no team', async () => {
    const sub = newSubject('noorg');
    const viewer = await meOk(await oidc.mint({ sub, email: `${sub}@example.test` }));
    expect(viewer).toMatchObject({ role: 'VIEWER', teamId: null, authMethod: 'JWT', user: { email: `${sub}@example.test`, name: null, teamId: null } });
    expect([...viewer.scopes].sort()).toEqual([...READ].sort());
  });

  it('a team role without a team is a VIEWER (org_role admin, no org_id)', async () => {
    const viewer = await meOk(await oidc.mint({ sub: newSubject('roleonly'), org_role: 'org:admin' }));
    expect(viewer).toMatchObject({ role: 'VIEWER', teamId: null });
    expect([...viewer.scopes].sort()).toEqual([...READ].sort());
  });
});

describe('time claims and required claims', () => {
  const token = (options: Parameters<FakeOidc['mint']>[1], claims: Record<string, unknown> = {}) =>
    oidc.mint({ ...claimsFor('TEAM_MEMBER', 'team-time', newSubject('time')), ...claims }, options);

  it('rejects a token that expired 2 minutes ago', async () => {
    expectRejected(await me(await token({ expiresIn: -120 })), /expired/i);
  });

  it('accepts a token that expired 30 s ago (clock skew ≤ 60 s)', async () => {
    expect((await meOk(await token({ expiresIn: -30 }))).role).toBe('TEAM_MEMBER');
  });

  it('rejects a token not valid for another 2 minutes', async () => {
    expectRejected(await me(await token({ notBefore: 120 })), /not valid yet/i);
  });

  it('accepts a token valid in 30 s (clock skew ≤ 60 s)', async () => {
    expect((await meOk(await token({ notBefore: 30 }))).role).toBe('TEAM_MEMBER');
  });

  it('rejects a token without exp', async () => {
    expectRejected(await me(await token({}, { exp: undefined })), /exp/);
  });

  it('rejects a token without sub, or with an empty one', async () => {
    expectRejected(await me(await token({}, { sub: undefined })), /sub/);
    expectRejected(await me(await token({}, { sub: '' })), /sub/);
    expectRejected(await me(await token({}, { sub: 12345 })), /sub/);
    expectRejected(await me(await token({}, { sub: `user_${'x'.repeat(300)}` })), /sub/);
  });

  it('rejects an exp that is not a number', async () => {
    expectRejected(await me(await token({}, { exp: String(Math.floor(Date.now() / 1000) + 300) })), /exp/);
  });
});

describe('hostile and misdirected tokens', () => {
  const claims = (role: TeamRole = 'VIEWER') => claimsFor(role, 'team-h', newSubject('hostile'));

  it('rejects a wrong or missing iss', async () => {
    expectRejected(await me(await oidc.mint(claims(), { issuer: 'https://evil.example' })), /issuer/i);
    expectRejected(await me(await oidc.mint({ ...claims(), iss: undefined })), /issuer/i);
  });

  it('with CLERK_AUDIENCE: rejects a wrong or missing aud, accepts it alone or in an array', async () => {
    expectRejected(await me(await oidc.mint(claims(), { audience: 'https://other.example' }), audienceServer), /audience/i);
    expectRejected(await me(await oidc.mint(claims(), { audience: ['a', 'b'] }), audienceServer), /audience/i);
    expectRejected(await me(await oidc.mint(claims()), audienceServer), /audience/i);
    expect((await meOk(await oidc.mint(claims(), { audience: AUDIENCE }), audienceServer)).authMethod).toBe('JWT');
    expect((await meOk(await oidc.mint(claims(), { audience: ['https://other.example', AUDIENCE] }), audienceServer)).authMethod).toBe('JWT');
  });

  it('without CLERK_AUDIENCE: aud is not checked', async () => {
    expect((await meOk(await oidc.mint(claims(), { audience: 'https://anything.example' }))).authMethod).toBe('JWT');
  });

  it('rejects a tampered payload (role escalation)', async () => {
    const original = await oidc.mint(claims('VIEWER'));
    expect((await meOk(original)).role).toBe('VIEWER');
    expectRejected(await me(oidc.tamper(original, { org_role: 'org:admin' })), /signature/i);
    expectRejected(await me(oidc.tamper(original, { org_id: 'team-other', sub: newSubject('stolen') })), /signature/i);
  });

  it('rejects alg none', async () => {
    expectRejected(await me(oidc.unsignedToken(claims('TEAM_ADMIN'))), /algorithm/i);
  });

  it.each(['pem', 'jwk'] as const)('rejects HS256 keyed with the public key (%s)', async (secret) => {
    expectRejected(await me(await oidc.hs256WithPublicKey(claims('TEAM_ADMIN'), undefined, secret)), /algorithm/i);
    expectRejected(await me(await oidc.hs256WithPublicKey(claims('TEAM_ADMIN'), oidc.currentKid('ES256'), secret)), /algorithm/i);
  });

  it('rejects an unknown kid', async () => {
    const kid = await oidc.addKey('RS256');
    expectRejected(await me(await oidc.mint(claims(), { kid })), /No signing key matches/);
  });

  it('rejects a token signed by an unpublished key that names a published kid', async () => {
    const kid = await oidc.addKey('RS256');
    const token = await oidc.mint(claims('TEAM_ADMIN'), { kid, header: { kid: oidc.currentKid('RS256') } });
    expectRejected(await me(token), /signature/i);
  });

  it('ignores keys embedded in or pointed at by the header (jwk, jku, x5u)', async () => {
    const attacker = await generateKeyPair('RS256', { modulusLength: 2048 });
    const jwk = { ...(await exportJWK(attacker.publicKey)), alg: 'RS256', use: 'sig' };
    const sign = (header: Record<string, unknown>) =>
      new SignJWT({ ...claims('TEAM_ADMIN'), iss: oidc.issuer })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...header })
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(attacker.privateKey);
    expectRejected(await me(await sign({ jwk })), /signature/i);
    expectRejected(await me(await sign({ jku: `${oidc.url}/attacker/jwks.json`, kid: oidc.currentKid('RS256') })), /signature/i);
    expectRejected(await me(await sign({ x5u: `${oidc.url}/attacker/cert.pem` })), /signature/i);
  });

  it.each([
    ['RS256', 'RS384'],
    ['RS256', 'PS256'],
    ['RS256', 'ES256'],
    ['RS256', 'HS256'],
    ['RS256', 'none'],
    ['ES256', 'ES384'],
    ['ES256', 'RS256'],
  ] as const)('rejects a %s token whose header.alg was changed to %s', async (alg, lie) => {
    const token = await oidc.mint(claims(), { alg });
    expect((await meOk(token)).authMethod).toBe('JWT');
    expectRejected(await me(oidc.tamper(token, {}, { alg: lie })), /algorithm|signature|signing key/i);
  });

  it('rejects a bearer token that is not a JWT, and a non-Bearer Authorization', async () => {
    expectRejected(await me('not-a-jwt'), /bearer token/i);
    expectRejected(await me('a.b.c.d'), /bearer token/i);
    expectRejected(await me('e30.e30.c2ln'), /malformed/i);
    expectRejected(await me('bm90LWpzb24.e30.c2ln'), /malformed/i);
    const basic = await graphql(server.url, ops.JwtMeDocument, {}, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expectRejected(basic, /Bearer/);
  });
});

describe('a bad credential never falls through', () => {
  let apiKey: string;

  beforeAll(async () => {
    const created = await graphql(server.url, ops.JwtCreateApiKeyDocument, { scopes: ['artifacts:read'] }, { headers: bearer(ENTERPRISE_SECRET) });
    expect(created.errors).toBeUndefined();
    apiKey = created.data!.createApiKey.secret;
  });

  it('a valid X-API-Key decides, whatever the Authorization header holds', async () => {
    const badJwt = await oidc.mint(claimsFor('TEAM_ADMIN', 'team-x', newSubject('x')), { expiresIn: -600 });
    const result = await graphql(server.url, ops.JwtMeDocument, {}, { headers: { 'x-api-key': apiKey, ...bearer(badJwt) } });
    expect(result.errors).toBeUndefined();
    expect(result.data!.me).toMatchObject({ authMethod: 'API_KEY', scopes: ['artifacts:read'] });
  });

  it('a bad X-API-Key is a 401 even with a valid JWT', async () => {
    const goodJwt = await oidc.mint(claimsFor('TEAM_ADMIN', 'team-x', newSubject('x')));
    expect((await meOk(goodJwt)).role).toBe('TEAM_ADMIN');
    const result = await graphql(server.url, ops.JwtMeDocument, {}, { headers: { 'x-api-key': 'smk_not-a-key', ...bearer(goodJwt) } });
    expectRejected(result, /API key/i);
  });

  it('a bad JWT alone is a 401 invalid_token, not an anonymous request', async () => {
    const anonymous = await graphql(server.url, ops.JwtMeDocument, {});
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="skillmeat"');
    const result = await me(await oidc.mint(claimsFor('TEAM_ADMIN', 'team-x', newSubject('x')), { expiresIn: -600 }));
    expectRejected(result, /expired/i);
  });
});

describe('debug logging of auth decisions', () => {
  let logged: LoggedServer;

  beforeAll(async () => {
    logged = await startLoggedServer(clerkEnv({ SKILLMEAT_LOG_LEVEL: 'debug' }));
  });
  afterAll(async () => {
    await logged?.stop();
  });

  it('logs the decision and the reason for a rejected token, never the token or a part of it', async () => {
    const good = await oidc.mint(claimsFor('TEAM_ADMIN', 'team-log', newSubject('log')));
    const bad = await oidc.mint(claimsFor('TEAM_ADMIN', 'team-log', newSubject('log')), { expiresIn: -600 });
    const tampered = oidc.tamper(good, { org_role: 'org:admin', org_id: 'team-evil' });
    expect((await meOk(good, logged)).role).toBe('TEAM_ADMIN');
    expectRejected(await me(bad, logged), /expired/i);
    expectRejected(await me(tampered, logged), /signature/i);

    const decisions = logged.entries().filter((entry) => entry.msg === 'auth decision');
    expect(decisions).toContainEqual(expect.objectContaining({ strategy: 'jwt', outcome: 'accepted', role: 'TEAM_ADMIN', teamId: 'team-log' }));
    expect(decisions).toContainEqual(expect.objectContaining({ strategy: 'jwt', outcome: 'rejected', reason: expect.stringMatching(/expired/i) }));
    expect(decisions).toContainEqual(expect.objectContaining({ strategy: 'jwt', outcome: 'rejected', reason: expect.stringMatching(/signature/i) }));

    const text = logged.lines().join('\n');
    for (const token of [good, bad, tampered]) {
      expect(text).not.toContain(token);
      for (const segment of token.split('.')) expect(text).not.toContain(segment);
    }
  });
});
