/** Personal access tokens over real HTTP: create (shown once, stored hashed), use, list, revoke, expire. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlowCreatePatDocument, FlowMeDocument, FlowPatsDocument, FlowRevokePatDocument } from './operations/generated/graphql.js';
import { DIALECTS } from './support/databases.js';
import { codes, graphql, graphqlOk } from './support/graphql.js';
import { bearer, signUp, startLocalIdpServer } from './support/idp.js';
import type { TestServer } from './support/server.js';

describe.each(DIALECTS)('personal access tokens ($dialect)', ({ dialect, skip }) => {
  let server: TestServer;
  let ann: string;
  let bob: string;
  beforeAll(async () => {
    if (skip) return;
    server = await startLocalIdpServer(dialect);
    ann = (await signUp(server.url, 'ann@example.com')).accessToken;
    bob = (await signUp(server.url, 'bob@example.com')).accessToken;
  });
  afterAll(async () => server?.stop());

  const create = (token: string, scopes: string[], expiresAt?: string) =>
    graphql(server.url, FlowCreatePatDocument, { input: { name: 'ci', scopes, ...(expiresAt ? { expiresAt } : {}) } }, bearer(token));

  it.skipIf(skip)('is created by a signed-in user, shown once, stored only as a hash, and acts with its scopes', async () => {
    const created = await create(ann, ['artifacts:read']);
    const { token, personalAccessToken } = created.data!.createPersonalAccessToken;
    expect(token).toMatch(/^smp_[A-Za-z0-9_-]{43}$/);
    expect(token.startsWith(personalAccessToken.prefix)).toBe(true);
    const me = await graphqlOk(server.url, FlowMeDocument, {}, bearer(token));
    expect(me.me).toMatchObject({ authMethod: 'PERSONAL_ACCESS_TOKEN', role: 'TEAM_ADMIN', scopes: ['artifacts:read'], user: { email: 'ann@example.com' } });
    const rows = await server.app.database.db.selectFrom('personal_access_tokens').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(token);
    const listed = await graphqlOk(server.url, FlowPatsDocument, {}, bearer(ann));
    expect(JSON.stringify(listed)).not.toContain(token);
    await server.app.flushBackground();
    const after = await graphqlOk(server.url, FlowPatsDocument, {}, bearer(ann));
    expect(after.personalAccessTokens.edges.find((e) => e.node.id === personalAccessToken.id)?.node.lastUsedAt).not.toBeNull();
  });

  it.skipIf(skip)('cannot hold more than its owner, and is not made by keys or other tokens', async () => {
    expect(codes(await create(bob, ['artifacts:write']))).toEqual(['FORBIDDEN']);
    const pat = (await create(ann, ['artifacts:read'])).data!.createPersonalAccessToken.token;
    const fromPat = await create(pat, ['artifacts:read']);
    expect(codes(fromPat)).toEqual(['FORBIDDEN']);
    expect(fromPat.status).toBe(403);
  });

  it.skipIf(skip)('lists only its owner\'s tokens; someone else\'s id is NOT_FOUND; revoked tokens are refused', async () => {
    const { token, personalAccessToken } = (await create(ann, ['artifacts:read'])).data!.createPersonalAccessToken;
    const bobs = await graphqlOk(server.url, FlowPatsDocument, {}, bearer(bob));
    expect(bobs.personalAccessTokens.totalCount).toBe(0);
    expect(codes(await graphql(server.url, FlowRevokePatDocument, { id: personalAccessToken.id }, bearer(bob)))).toEqual(['NOT_FOUND']);
    const revoked = await graphqlOk(server.url, FlowRevokePatDocument, { id: personalAccessToken.id }, bearer(ann));
    expect(revoked.revokePersonalAccessToken.personalAccessToken.revokedAt).not.toBeNull();
    const refused = await graphql(server.url, FlowMeDocument, {}, bearer(token));
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);

    // Both changes are in the audit log as every caller's change is: who, by which strategy, in
    // which team, on which token (its prefix only), from where; never the token itself.
    const db = server.app.database.db;
    const annRow = await db.selectFrom('users').select(['id', 'team_id']).where('email', '=', 'ann@example.com').executeTakeFirstOrThrow();
    const patRow = await db.selectFrom('personal_access_tokens').select('id').where('prefix', '=', personalAccessToken.prefix).executeTakeFirstOrThrow();
    const audited = await db.selectFrom('audit_log').selectAll().where('target', '=', `pat:${patRow.id} ${personalAccessToken.prefix}`).orderBy('id').execute();
    expect(audited.map((row) => ({ event: row.event, outcome: row.outcome, strategy: row.strategy, actor: row.actor_user_id, team: row.team_id }))).toEqual([
      { event: 'pat.created', outcome: 'success', strategy: 'JWT', actor: annRow.id, team: annRow.team_id },
      { event: 'pat.revoked', outcome: 'success', strategy: 'JWT', actor: annRow.id, team: annRow.team_id },
    ]);
    expect(audited.every((row) => row.address !== null && /127\.0\.0\.1|::1/.test(row.address))).toBe(true);
    expect(JSON.stringify(audited)).not.toContain(token);
  });

  it.skipIf(skip)('stops working when it expires', async () => {
    const { token } = (await create(ann, ['artifacts:read'], new Date(Date.now() + 2_000).toISOString())).data!.createPersonalAccessToken;
    expect((await graphql(server.url, FlowMeDocument, {}, bearer(token))).status).toBe(200);
    const deadline = Date.now() + 10_000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      status = (await graphql(server.url, FlowMeDocument, {}, bearer(token))).status;
    }
    expect(status).toBe(401);
  });
});
