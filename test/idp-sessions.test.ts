/**
 * The local identity provider over real HTTP: sign-up → log-in → query → refresh → reuse of a
 * rotated refresh token revokes the family → log-out; change password; key rotation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateSigningKey } from '../src/auth/local/signing-keys.js';
import { FlowChangePasswordDocument, FlowLogInDocument, FlowLogOutDocument, FlowMeDocument, FlowSignUpDocument } from './operations/generated/graphql.js';
import { DIALECTS } from './support/databases.js';
import { codes, graphql, graphqlOk } from './support/graphql.js';
import { bearer, logIn, PASSWORD, refresh, signUp, startLocalIdpServer } from './support/idp.js';
import type { TestServer } from './support/server.js';

const decodeHeader = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()) as { kid: string; alg: string };

describe.each(DIALECTS)('local identity provider sessions ($dialect)', ({ dialect, skip }) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!skip) server = await startLocalIdpServer(dialect);
  });
  afterAll(async () => server?.stop());

  it.skipIf(skip)('the first account is TEAM_ADMIN of a new team; later ones are VIEWERs of no team', async () => {
    const first = await signUp(server.url, '  Ann@Example.COM ');
    expect(first.user).toMatchObject({ email: 'ann@example.com', role: 'TEAM_ADMIN' });
    expect(first.user.teamId).toMatch(/^team_/);
    expect(first.expiresIn).toBe(900);
    const second = await signUp(server.url, 'bob@example.com');
    expect(second.user).toMatchObject({ email: 'bob@example.com', role: 'VIEWER', teamId: null });
    const again = await graphql(server.url, FlowSignUpDocument, { input: { email: 'ANN@example.com', password: PASSWORD } });
    expect(codes(again)).toEqual(['BAD_USER_INPUT']);
  });

  it.skipIf(skip)('refuses weak passwords with a message a person can act on', async () => {
    for (const [password, message] of [
      ['short', /at least 10 characters/],
      ['aaaaaaaaaaaa', /4 different characters/],
      ['pw@example.com', /not be your email/],
    ] as const) {
      const result = await graphql(server.url, FlowSignUpDocument, { input: { email: 'pw@example.com', password } });
      expect(codes(result)).toEqual(['BAD_USER_INPUT']);
      expect(result.errors![0]!.message).toMatch(message);
    }
  });

  it.skipIf(skip)('an unknown email and a wrong password get the same answer', async () => {
    const unknown = await graphql(server.url, FlowLogInDocument, { input: { email: 'nobody@example.com', password: PASSWORD } });
    const wrong = await graphql(server.url, FlowLogInDocument, { input: { email: 'ann@example.com', password: 'not the password' } });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.errors).toEqual(wrong.errors);
    expect(codes(wrong)).toEqual(['UNAUTHENTICATED']);
  });

  it.skipIf(skip)('log in, query, refresh; reusing a rotated refresh token revokes the whole family', async () => {
    const session = await logIn(server.url, 'ann@example.com');
    const me = await graphqlOk(server.url, FlowMeDocument, {}, bearer(session.accessToken));
    expect(me.me).toMatchObject({ role: 'TEAM_ADMIN', authMethod: 'JWT', user: { email: 'ann@example.com' } });

    const rotated = await refresh(server.url, session.refreshToken);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    const next = rotated.body as { access_token: string; refresh_token: string };
    expect(next.refresh_token).not.toBe(session.refreshToken);
    expect((await graphql(server.url, FlowMeDocument, {}, bearer(next.access_token))).status).toBe(200);

    const reuse = await refresh(server.url, session.refreshToken);
    expect(reuse).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    // The thief's copy and the rightful newest token are both dead now, and so are their access tokens.
    expect(await refresh(server.url, next.refresh_token)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const after = await graphql(server.url, FlowMeDocument, {}, bearer(next.access_token));
    expect(after.status).toBe(401);
    expect(codes(after)).toEqual(['UNAUTHENTICATED']);
  });

  it.skipIf(skip)('logOut revokes the family; logging out twice is fine', async () => {
    const session = await logIn(server.url, 'ann@example.com');
    const out = await graphqlOk(server.url, FlowLogOutDocument, { refreshToken: session.refreshToken }, bearer(session.accessToken));
    expect(out.logOut.ok).toBe(true);
    expect(await refresh(server.url, session.refreshToken)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await graphql(server.url, FlowMeDocument, {}, bearer(session.accessToken))).status).toBe(401);
    const other = await logIn(server.url, 'ann@example.com');
    expect((await graphqlOk(server.url, FlowLogOutDocument, { refreshToken: session.refreshToken }, bearer(other.accessToken))).logOut.ok).toBe(true);
  });

  it.skipIf(skip)('changePassword checks the current one and ends every other session', async () => {
    const current = await logIn(server.url, 'bob@example.com');
    const other = await logIn(server.url, 'bob@example.com');
    const wrong = await graphql(
      server.url,
      FlowChangePasswordDocument,
      { input: { currentPassword: 'not it at all', newPassword: 'a brand new secret' } },
      bearer(current.accessToken),
    );
    expect(codes(wrong)).toEqual(['BAD_USER_INPUT']);
    await graphqlOk(
      server.url,
      FlowChangePasswordDocument,
      { input: { currentPassword: PASSWORD, newPassword: 'a brand new secret' } },
      bearer(current.accessToken),
    );
    expect((await graphql(server.url, FlowMeDocument, {}, bearer(current.accessToken))).status).toBe(200);
    expect((await graphql(server.url, FlowMeDocument, {}, bearer(other.accessToken))).status).toBe(401);
    expect(await refresh(server.url, other.refreshToken)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await refresh(server.url, current.refreshToken)).status).toBe(200);
    expect((await graphql(server.url, FlowLogInDocument, { input: { email: 'bob@example.com', password: PASSWORD } })).status).toBe(401);
    await logIn(server.url, 'bob@example.com', 'a brand new secret');
  });

  it.skipIf(skip)('publishes its keys; a rotated key keeps verifying while new tokens use the new one', async () => {
    const before = await logIn(server.url, 'ann@example.com');
    const config = await (await fetch(`${server.url}/.well-known/openid-configuration`)).json();
    expect(config).toMatchObject({ issuer: server.url, jwks_uri: `${server.url}/.well-known/jwks.json`, id_token_signing_alg_values_supported: ['ES256'] });
    const oldKid = decodeHeader(before.accessToken).kid;
    const newKid = await rotateSigningKey(server.app.database.db);
    // Each process caches its key set for up to 10 s: within that, the new key takes over signing.
    const deadline = Date.now() + 20_000;
    let after = await logIn(server.url, 'ann@example.com');
    while (decodeHeader(after.accessToken).kid !== newKid && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1_000));
      after = await logIn(server.url, 'ann@example.com');
    }
    expect(decodeHeader(after.accessToken)).toMatchObject({ kid: newKid, alg: 'ES256' });
    const jwks = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string; d?: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));
    expect(jwks.keys.every((k) => k.d === undefined)).toBe(true);
    expect((await graphql(server.url, FlowMeDocument, {}, bearer(before.accessToken))).status).toBe(200);
    expect((await graphql(server.url, FlowMeDocument, {}, bearer(after.accessToken))).status).toBe(200);
  }, 40_000);
});

describe('sign-up switched off', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startLocalIdpServer('sqlite', { SKILLMEAT_SIGNUP_ENABLED: 'false' });
  });
  afterAll(async () => server?.stop());

  it('signUp is FORBIDDEN with a clear message', async () => {
    const result = await graphql(server.url, FlowSignUpDocument, { input: { email: 'x@example.com', password: PASSWORD } });
    expect(codes(result)).toEqual(['FORBIDDEN']);
    expect(result.errors![0]!.message).toMatch(/Sign-up is turned off/);
  });
});
