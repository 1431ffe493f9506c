/**
 * The auth chain and the local identity provider when requests race, secrets rotate and
 * credential headers repeat (issue "Identity under attack and under faults", items 1–6). Each
 * case was seen to fail on the code before it; all run over real HTTP on 127.0.0.1, against a
 * real SQLite file and a real PostgreSQL, with real parallel connections.
 */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LIMITS } from '../src/auth/local/rate-limits.js';
import * as ops from './operations/generated/graphql.js';
import { bearer, expectRejected } from './support/auth-assertions.js';
import { DIALECTS } from './support/databases.js';
import { startFakeOidc, claimsFor } from './support/fake-oidc.js';
import { codes, graphql, graphqlOk } from './support/graphql.js';
import { PASSWORD, refresh, signUp, startDevice, startLocalIdpServer } from './support/idp.js';
import { startTestServer, type TestServer } from './support/server.js';

const WRONG = 'wrong password guess';
const ACCOUNT_LIMIT = LIMITS.loginPerAccount.points;
const ADDRESS_LIMIT = LIMITS.loginPerAddress.points;

const logInBody = (email: string, password: string) =>
  JSON.stringify({ query: 'mutation($input: LogInInput!) { logIn(input: $input) { session { accessToken } } }', variables: { input: { email, password } } });

const logIn = (url: string, email: string, password: string) => graphql(url, ops.FlowLogInDocument, { input: { email, password } });

/** What each answer was: OK, or its first error code. */
const outcome = (result: { errors?: { extensions?: { code?: string } }[] | undefined }) =>
  result.errors?.length ? result.errors[0]!.extensions?.code : 'OK';

function tally(outcomes: (string | undefined)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[String(o)] = (counts[String(o)] ?? 0) + 1;
  return counts;
}

type RawAnswer = { status: number; body: { errors?: { extensions?: { code?: string } }[] } };

function requestText(url: string, body: string, close: boolean): string {
  const { hostname, port } = new URL(url);
  return [
    'POST /graphql HTTP/1.1',
    `Host: ${hostname}:${port}`,
    'Content-Type: application/json',
    'Accept: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...(close ? ['Connection: close'] : []),
    '',
    body,
  ].join('\r\n');
}

/** The answers in `raw`, a connection's whole input, in order. */
function parseAnswers(raw: Buffer): RawAnswer[] {
  const answers = [];
  let at = 0;
  while (at < raw.length) {
    const headEnd = raw.indexOf('\r\n\r\n', at);
    const head = raw.subarray(at, headEnd).toString('latin1');
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)![1]);
    const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1]);
    if (!Number.isFinite(length)) throw new Error(`answer without content-length: ${head}`);
    answers.push({ status, body: JSON.parse(raw.subarray(headEnd + 4, headEnd + 4 + length).toString('utf8')) });
    at = headEnd + 4 + length;
  }
  return answers;
}

/** Opens a connection; `send` writes on it and resolves with everything read until the server closes it. */
function openConnection(url: string): Promise<(text: string) => Promise<Buffer>> {
  const { hostname, port } = new URL(url);
  return new Promise((resolveOpen, rejectOpen) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const done = new Promise<Buffer>((resolve, reject) => {
      socket.on('end', () => resolve(Buffer.concat(chunks)));
      socket.on('error', reject);
    });
    done.catch(() => {});
    socket.setTimeout(60_000, () => socket.destroy(new Error('no answer within 60 s')));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.once('error', rejectOpen);
    socket.once('connect', () =>
      resolveOpen((text) => {
        socket.write(text);
        return done;
      }),
    );
  });
}

/** `bodies` pipelined on one TCP connection (all written before any answer is read); the answers in order. */
async function pipelined(url: string, bodies: string[]): Promise<RawAnswer[]> {
  const send = await openConnection(url);
  return parseAnswers(await send(bodies.map((body, i) => requestText(url, body, i === bodies.length - 1)).join('')));
}

/** `bodies` on as many connections, all opened first, then all written at once. */
async function inParallel(url: string, bodies: string[]): Promise<RawAnswer[]> {
  const connections = await Promise.all(bodies.map(() => openConnection(url)));
  const answers = await Promise.all(connections.map((send, i) => send(requestText(url, bodies[i]!, true))));
  return answers.map((raw) => parseAnswers(raw)[0]!);
}

describe.each(DIALECTS)('identity under attack ($dialect)', ({ dialect, skip }) => {
  const servers: TestServer[] = [];
  const start = async (env: Record<string, string> = {}, reuse?: TestServer) => {
    const server = reuse
      ? await startTestServer({ dialect, database: reuse.database, env: { SKILLMEAT_AUTH_ENABLED: 'true', SKILLMEAT_AUTH_PROVIDER: 'local', ...env } })
      : await startLocalIdpServer(dialect, env);
    servers.push(server);
    return server;
  };
  afterEach(async () => {
    // Stopped in reverse, so a database shared by a restart is dropped by its first server last.
    for (const server of servers.splice(0).reverse()) await server.stop({ drop: true }).catch(() => {});
  });

  // On a loaded machine the code before also limited this case (the requests reached it spread
  // out by more than one password hash); the pipelined case below is the one it failed.
  it.skipIf(skip)('40 wrong passwords on 40 parallel connections: 10 are tried, 30 are RATE_LIMITED, then the right one is too', async () => {
    const server = await start();
    await signUp(server.url, 'victim@example.com');
    const answers = await inParallel(server.url, Array.from({ length: 40 }, () => logInBody('victim@example.com', WRONG)));
    expect(tally(answers.map((a) => outcome(a.body)))).toEqual({ UNAUTHENTICATED: ACCOUNT_LIMIT, RATE_LIMITED: 40 - ACCOUNT_LIMIT });
    expect(answers.filter((a) => outcome(a.body) === 'RATE_LIMITED').every((a) => a.status === 429)).toBe(true);
    const right = await logIn(server.url, 'victim@example.com', PASSWORD);
    expect(codes(right)).toEqual(['RATE_LIMITED']);
    expect(right.status).toBe(429);
  });

  it.skipIf(skip)('40 wrong passwords and then the right one, pipelined on one connection: the 41st attempt is 429', async () => {
    const server = await start();
    await signUp(server.url, 'piped@example.com');
    const bodies = [...Array.from({ length: 40 }, () => logInBody('piped@example.com', WRONG)), logInBody('piped@example.com', PASSWORD)];
    const answers = await pipelined(server.url, bodies);
    expect(answers).toHaveLength(41);
    const outcomes = answers.map((a) => outcome(a.body));
    expect(tally(outcomes.slice(0, 40))).toEqual({ UNAUTHENTICATED: ACCOUNT_LIMIT, RATE_LIMITED: 40 - ACCOUNT_LIMIT });
    expect(outcomes[40]).toBe('RATE_LIMITED');
    expect(answers[40]!.status).toBe(429);
  });

  it.skipIf(skip)('attempts refused by the per-account limit still count against the address', async () => {
    const server = await start();
    await signUp(server.url, 'first@example.com');
    await signUp(server.url, 'second@example.com');
    const first = [];
    for (let i = 0; i < ADDRESS_LIMIT; i++) first.push(outcome(await logIn(server.url, 'first@example.com', WRONG)));
    expect(tally(first)).toEqual({ UNAUTHENTICATED: ACCOUNT_LIMIT, RATE_LIMITED: ADDRESS_LIMIT - ACCOUNT_LIMIT });
    // The address has used its allowance: another account's right password from it waits too.
    const other = await logIn(server.url, 'second@example.com', PASSWORD);
    expect(codes(other)).toEqual(['RATE_LIMITED']);
  });

  it.skipIf(skip)('a right password gives its address slot back and clears the account count', async () => {
    const server = await start();
    await signUp(server.url, 'good@example.com');
    for (let i = 0; i < ACCOUNT_LIMIT - 1; i++) expect(codes(await logIn(server.url, 'good@example.com', WRONG))).toEqual(['UNAUTHENTICATED']);
    expect(outcome(await logIn(server.url, 'good@example.com', PASSWORD))).toBe('OK');
    for (let i = 0; i < ACCOUNT_LIMIT - 1; i++) expect(codes(await logIn(server.url, 'good@example.com', WRONG))).toEqual(['UNAUTHENTICATED']);
    expect(outcome(await logIn(server.url, 'good@example.com', PASSWORD))).toBe('OK');
  });

  it.skipIf(skip)("the /device page's sign-in takes its slot before the password is checked: 20 parallel wrong sign-ins, 10 tried", async () => {
    const server = await start();
    await signUp(server.url, 'paged@example.com');
    const page = await fetch(`${server.url}/device`);
    const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    const signIn = async (password: string) => {
      const response = await fetch(`${server.url}/device/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: new URLSearchParams({ email: 'paged@example.com', password, csrf }).toString(),
        signal: AbortSignal.timeout(30_000),
      });
      const html = await response.text();
      if (response.status === 303) return 'signed in';
      if (html.includes('Invalid email or password.')) return 'wrong';
      if (/too many|try again/i.test(html)) return 'limited';
      return `unexpected ${response.status}`;
    };
    const answers = await Promise.all(Array.from({ length: 20 }, () => signIn(WRONG)));
    expect(tally(answers)).toEqual({ wrong: ACCOUNT_LIMIT, limited: 20 - ACCOUNT_LIMIT });
    expect(await signIn(PASSWORD)).toBe('limited');
  });

  // The code lookup is quick, so the check-then-count code before also limited this case here;
  // it stays as the user-code limit's case of the one mechanism (RateLimits.attempt).
  it.skipIf(skip)('user-code guesses take their slot before the code is looked up: 30 pipelined wrong codes, 20 tried, then a right one is 429 too', async () => {
    const server = await start();
    const session = await signUp(server.url, 'approver@example.com');
    const guess = (userCode: string) =>
      JSON.stringify({ query: 'mutation($c: String!) { approveDevice(input: { userCode: $c }) { ok } }', variables: { c: userCode } });
    const send = await openConnection(server.url);
    const bodies = Array.from({ length: 30 }, (_, i) => guess(`WRNG-${String(i).padStart(4, 'X')}`));
    const texts = bodies.map((body, i) =>
      requestText(server.url, body, i === bodies.length - 1).replace('Accept: application/json', `Accept: application/json\r\nAuthorization: Bearer ${session.accessToken}`),
    );
    const answers = parseAnswers(await send(texts.join('')));
    const tried = LIMITS.userCodePerAddress.points;
    expect(tally(answers.map((a) => outcome(a.body)))).toEqual({ NOT_FOUND: tried, RATE_LIMITED: 30 - tried });
    const device = await startDevice(server.url);
    const right = await graphql(server.url, ops.FlowApproveDeviceDocument, { userCode: device.user_code }, { headers: bearer(session.accessToken) });
    expect(codes(right)).toEqual(['RATE_LIMITED']);
  });

  it.skipIf(skip)('changePassword shares the login limit: 30 wrong current passwords, 10 tried, 20 RATE_LIMITED, each failure audited', async () => {
    const server = await start();
    const session = await signUp(server.url, 'changer@example.com');
    const attempts = await Promise.all(
      Array.from({ length: 30 }, () =>
        graphql(server.url, ops.FlowChangePasswordDocument, { input: { currentPassword: WRONG, newPassword: 'a brand new password' } }, { headers: bearer(session.accessToken) }),
      ),
    );
    expect(tally(attempts.map(outcome))).toEqual({ BAD_USER_INPUT: ACCOUNT_LIMIT, RATE_LIMITED: 30 - ACCOUNT_LIMIT });
    // The account's logIn is limited by the same count.
    expect(codes(await logIn(server.url, 'changer@example.com', PASSWORD))).toEqual(['RATE_LIMITED']);
    const audited = await server.app.database.db.selectFrom('audit_log').select(['reason', 'actor_user_id']).where('event', '=', 'password.change_failed').execute();
    expect(audited).toHaveLength(30);
    expect(tally(audited.map((row) => row.reason ?? ''))).toEqual({ 'wrong current password': ACCOUNT_LIMIT, 'rate limited': 30 - ACCOUNT_LIMIT });
  });

  it.skipIf(skip)("concurrent refreshes with one token: one wins, the reuse revokes the family, and the winner's new tokens stop working", async () => {
    const server = await start();
    const session = await signUp(server.url, 'refresher@example.com');
    const answers = await Promise.all(Array.from({ length: 8 }, () => refresh(server.url, session.refreshToken)));
    const winners = answers.filter((a) => a.status === 200);
    expect(winners).toHaveLength(1);
    expect(answers.filter((a) => a.status === 400).map((a) => a.body.error)).toEqual(Array.from({ length: 7 }, () => 'invalid_grant'));
    const won = winners[0]!.body as { access_token: string; refresh_token: string };
    expectRejected(await graphql(server.url, ops.FlowMeDocument, {}, { headers: bearer(won.access_token) }), /session has ended/);
    expect(await refresh(server.url, won.refresh_token)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expectRejected(await graphql(server.url, ops.FlowMeDocument, {}, { headers: bearer(session.accessToken) }), /session has ended/);
    const reuse = await server.app.database.db.selectFrom('audit_log').select('event').where('event', '=', 'session.reuse_detected').execute();
    expect(reuse.length).toBeGreaterThan(0);
  });

  it.skipIf(skip)('a single refresh still rotates: the new tokens work, the old refresh token is consumed', async () => {
    const server = await start();
    const session = await signUp(server.url, 'rotator@example.com');
    const next = await refresh(server.url, session.refreshToken);
    expect(next.status).toBe(200);
    const body = next.body as { access_token: string; refresh_token: string };
    expect((await graphqlOk(server.url, ops.FlowMeDocument, {}, { headers: bearer(body.access_token) })).me.user?.email).toBe('rotator@example.com');
    expect((await refresh(server.url, body.refresh_token)).status).toBe(200);
  });

  it.skipIf(skip)('two Authorization headers, or two X-API-Key headers, are 400 invalid_request before any strategy runs', async () => {
    const secret = 'enterprise-secret-for-duplicate-headers-0123';
    const server = await start({ SKILLMEAT_ENTERPRISE_PAT_SECRET: secret });
    const send = (headers: [string, string][]) =>
      new Promise<{ status: number; challenge: string | undefined; body: string }>((resolve, reject) => {
        const { hostname, port } = new URL(server.url);
        const body = JSON.stringify({ query: '{ me { role } }' });
        const socket = connect(Number(port), hostname);
        const chunks: Buffer[] = [];
        socket.setTimeout(15_000, () => socket.destroy(new Error('no answer')));
        socket.on('data', (c) => chunks.push(c));
        socket.on('error', reject);
        socket.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)![1]),
            challenge: /\r\nwww-authenticate: ([^\r]*)/i.exec(text)?.[1],
            body: text.slice(text.indexOf('\r\n\r\n') + 4),
          });
        });
        socket.write(
          [
            'POST /graphql HTTP/1.1',
            `Host: ${hostname}:${port}`,
            'Content-Type: application/json',
            ...headers.map(([name, value]) => `${name}: ${value}`),
            `Content-Length: ${Buffer.byteLength(body)}`,
            'Connection: close',
            '',
            body,
          ].join('\r\n'),
        );
      });
    const one = await send([['Authorization', `Bearer ${secret}`]]);
    expect(one.status).toBe(200);
    expect(one.body).toContain('SYSTEM_ADMIN');
    for (const headers of [
      [['Authorization', `Bearer ${secret}`], ['Authorization', 'Bearer garbage']],
      [['Authorization', 'Bearer garbage'], ['authorization', `Bearer ${secret}`]],
      [['X-API-Key', 'smk_one'], ['x-api-key', 'smk_two']],
    ] as [string, string][][]) {
      const answer = await send(headers);
      expect(answer.status).toBe(400);
      expect(answer.challenge).toMatch(/error="invalid_request"/);
      expect(JSON.parse(answer.body)).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
      expect(answer.body).not.toContain('SYSTEM_ADMIN');
    }
  });

  it.skipIf(skip)('keys minted by the Enterprise PAT or the static key stop working when that secret is changed; the audit log says why', async () => {
    const pat = 'enterprise-secret-before-rotation-0123456789';
    const staticKey = 'static-key-before-rotation-0123';
    const env = (patSecret: string, key: string) => ({
      SKILLMEAT_ENTERPRISE_PAT_SECRET: patSecret,
      SKILLMEAT_API_KEY_ENABLED: 'true',
      SKILLMEAT_API_KEY: key,
    });
    const before = await start(env(pat, staticKey));
    const mint = async (headers: Record<string, string>, name: string) =>
      (await graphqlOk(before.url, ops.FlowCreateApiKeyDocument, { input: { name, scopes: ['artifacts:read'] } }, { headers })).createApiKey.secret;
    const byPat = await mint(bearer(pat), 'minted-by-pat');
    const byStatic = await mint({ 'x-api-key': staticKey }, 'minted-by-static');
    // A key minted by a key minted by the PAT stands on the PAT too.
    const byPatsKey = await mint({ 'x-api-key': byPat }, 'minted-by-pats-key');
    const me = (url: string, key: string) => graphql(url, ops.FlowMeDocument, {}, { headers: { 'x-api-key': key } });
    for (const key of [byPat, byStatic, byPatsKey]) expect((await me(before.url, key)).status).toBe(200);
    await before.stop({ drop: false });

    // The PAT is rotated: what it minted stops; the static key's key still works.
    const patRotated = await start(env('enterprise-secret-after-rotation-0123456789', staticKey), before);
    for (const key of [byPat, byPatsKey]) expectRejected(await me(patRotated.url, key), /minted with a configured secret/);
    expect((await me(patRotated.url, byStatic)).status).toBe(200);
    await patRotated.app.flushBackground();
    const reasons = await patRotated.app.database.db.selectFrom('audit_log').select('reason').where('event', '=', 'auth.failure').execute();
    expect(reasons.filter((r) => /minted with a configured secret/.test(r.reason ?? ''))).toHaveLength(2);
    await patRotated.stop({ drop: false });

    // The static key is rotated too (the PAT back as it was: only the change that counts matters).
    const staticRotated = await start(env(pat, 'static-key-after-rotation-01234'), before);
    expectRejected(await me(staticRotated.url, byStatic), /minted with a configured secret/);
    expect((await me(staticRotated.url, byPat)).status).toBe(200);
  });
});

describe.each(DIALECTS)('JWT iat ($dialect)', ({ dialect, skip }) => {
  it.skipIf(skip)('an iat a day ahead is 401 invalid_token; within the configured skew it is accepted', async () => {
    const oidc = await startFakeOidc();
    const server = await startTestServer({
      dialect,
      env: {
        SKILLMEAT_AUTH_ENABLED: 'true',
        SKILLMEAT_AUTH_PROVIDER: 'clerk',
        CLERK_JWKS_URL: oidc.jwksUrl,
        CLERK_ISSUER: oidc.issuer,
        SKILLMEAT_JWT_CLOCK_SKEW_SECONDS: '30',
      },
    });
    try {
      const now = Math.floor(Date.now() / 1000);
      const me = async (iat: number, sub: string) =>
        graphql(server.url, ops.FlowMeDocument, {}, { headers: bearer(await oidc.mint({ ...claimsFor('TEAM_MEMBER', 'team-iat', sub), iat, exp: now + 2 * 86_400 })) });
      const future = await me(now + 86_400, 'user_iat_future');
      expect(future.status).toBe(401);
      expect(future.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
      expect(future.errors?.[0]?.message).toMatch(/issued in the future/);
      expect((await me(now + 90, 'user_iat_beyond_skew')).status).toBe(401);
      expect((await me(now + 10, 'user_iat_within_skew')).status).toBe(200);
    } finally {
      await server.stop({ drop: true });
      await oidc.close();
    }
  });
});
