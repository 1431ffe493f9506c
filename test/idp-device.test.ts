/**
 * RFC 8628 device login over real HTTP: start → pending → slow_down → approve → tokens → me;
 * deny; expiry; code reuse; and brute-force limits on user codes and logins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../src/auth/local/rate-limits.js';
import { FlowApproveDeviceDocument, FlowDenyDeviceDocument, FlowLogInDocument, FlowMeDocument } from './operations/generated/graphql.js';
import { DIALECTS } from './support/databases.js';
import { codes, graphql, graphqlOk } from './support/graphql.js';
import { bearer, pollToken, postForm, PASSWORD, signUp, startDevice, startLocalIdpServer } from './support/idp.js';
import { startTestServer, type TestServer } from './support/server.js';

describe.each(DIALECTS)('device authorization ($dialect)', ({ dialect, skip }) => {
  let server: TestServer;
  let admin: string;
  beforeAll(async () => {
    if (skip) return;
    server = await startLocalIdpServer(dialect);
    admin = (await signUp(server.url, 'dev@example.com')).accessToken;
  });
  afterAll(async () => server?.stop());

  it.skipIf(skip)('answers a device code request as RFC 8628 says', async () => {
    const start = await startDevice(server.url);
    expect(start).toMatchObject({ expires_in: 600, interval: 5, verification_uri: `${server.url}/device` });
    expect(start.user_code).toMatch(/^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/);
    expect(start.verification_uri_complete).toBe(`${server.url}/device?user_code=${start.user_code}`);
    expect(start.device_code.length).toBeGreaterThanOrEqual(40);
    expect(await postForm(`${server.url}/oauth/device/code`, {})).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    const json = await fetch(`${server.url}/oauth/device/code`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"client_id":"x"}' });
    expect(json.status).toBe(400);
  });

  it.skipIf(skip)('pending, then slow_down when polled too fast, then tokens once approved (a lower-case, dashless code works)', async () => {
    const start = await startDevice(server.url);
    expect(await pollToken(server.url, start.device_code)).toMatchObject({ status: 400, body: { error: 'authorization_pending' } });
    expect(await pollToken(server.url, start.device_code)).toMatchObject({ status: 400, body: { error: 'slow_down' } });
    const typed = start.user_code.replace('-', '').toLowerCase();
    expect((await graphqlOk(server.url, FlowApproveDeviceDocument, { userCode: typed }, bearer(admin))).approveDevice.ok).toBe(true);
    const tokens = await pollToken(server.url, start.device_code);
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    const me = await graphqlOk(server.url, FlowMeDocument, {}, bearer(tokens.body.access_token as string));
    expect(me.me.user?.email).toBe('dev@example.com');
    // Single use: the same device code gives nothing more, and the user code cannot be approved again.
    expect(await pollToken(server.url, start.device_code)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(codes(await graphql(server.url, FlowApproveDeviceDocument, { userCode: start.user_code }, bearer(admin)))).toEqual(['NOT_FOUND']);
  });

  it.skipIf(skip)('deny → access_denied', async () => {
    const start = await startDevice(server.url);
    await graphqlOk(server.url, FlowDenyDeviceDocument, { userCode: start.user_code }, bearer(admin));
    expect(await pollToken(server.url, start.device_code)).toMatchObject({ status: 400, body: { error: 'access_denied' } });
  });

  it.skipIf(skip)('an expired code → expired_token, and cannot be approved', async () => {
    const start = await startDevice(server.url);
    await server.app.database.db.updateTable('device_codes').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).execute();
    expect(codes(await graphql(server.url, FlowApproveDeviceDocument, { userCode: start.user_code }, bearer(admin)))).toEqual(['NOT_FOUND']);
    expect(await pollToken(server.url, start.device_code)).toMatchObject({ status: 400, body: { error: 'expired_token' } });
  });

  it.skipIf(skip)('wrong client_id → invalid_grant; unknown grant type → unsupported_grant_type', async () => {
    const start = await startDevice(server.url);
    expect(await pollToken(server.url, start.device_code, 'someone-else')).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await postForm(`${server.url}/oauth/token`, { grant_type: 'password' })).toMatchObject({
      status: 400,
      body: { error: 'unsupported_grant_type' },
    });
  });

  it.skipIf(skip)('stores device and user codes only as hashes', async () => {
    const start = await startDevice(server.url);
    const rows = await server.app.database.db.selectFrom('device_codes').selectAll().execute();
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(start.device_code);
    expect(dump).not.toContain(start.user_code.replace('-', ''));
  });
});

describe.each(DIALECTS)('brute-force limits ($dialect)', ({ dialect, skip }) => {
  let first: TestServer;
  let second: TestServer;
  beforeAll(async () => {
    if (skip) return;
    first = await startLocalIdpServer(dialect);
    // A second replica on the same database: the counts are shared.
    second = await startTestServer({ database: first.database, env: { SKILLMEAT_AUTH_ENABLED: 'true', SKILLMEAT_AUTH_PROVIDER: 'local' } });
    await signUp(first.url, 'target@example.com');
  });
  afterAll(async () => {
    await second?.stop({ drop: false });
    await first?.stop();
  });

  it.skipIf(skip)('failed logins per account are limited across replicas, then even the right password waits', async () => {
    const attempts = LIMITS.loginPerAccount.points;
    for (let i = 0; i < attempts; i++) {
      const target = i % 2 === 0 ? first : second;
      const result = await graphql(target.url, FlowLogInDocument, { input: { email: 'target@example.com', password: `wrong password ${i}` } });
      expect(codes(result)).toEqual(['UNAUTHENTICATED']);
    }
    const limited = await graphql(second.url, FlowLogInDocument, { input: { email: 'target@example.com', password: PASSWORD } });
    expect(limited.status).toBe(429);
    expect(codes(limited)).toEqual(['RATE_LIMITED']);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.errors![0]!.extensions!.retryAfter).toBeGreaterThan(0);
    const rows = await first.app.database.db.selectFrom('audit_log').selectAll().where('event', '=', 'login.failure').execute();
    expect(rows.length).toBeGreaterThanOrEqual(attempts);
    expect(JSON.stringify(rows)).not.toContain('wrong password');
  });

  it.skipIf(skip)('user-code guesses are limited', async () => {
    const token = (await signUp(first.url, 'guesser@example.com')).accessToken;
    let limited = false;
    for (let i = 0; i <= LIMITS.userCodePerAddress.points && !limited; i++) {
      const result = await graphql(first.url, FlowApproveDeviceDocument, { userCode: `ZZZZ-${String(i).padStart(4, '2')}` }, bearer(token));
      limited = codes(result)[0] === 'RATE_LIMITED';
      if (!limited) expect(codes(result)).toEqual(['NOT_FOUND']);
    }
    expect(limited).toBe(true);
  });
});
