/**
 * The JWKS behind the JWT strategy (provider clerk), over real HTTP against a fake OIDC
 * provider: key rotation (a new kid is accepted within 30 s), caching (one fetch for many
 * requests, a rate-limited refetch on unknown kids) and outages (down, 503, garbage, empty,
 * slower than the timeout): a 401 with a clear message, never a 500 and never a hang, and no
 * effect on tokens whose key is cached. Each block has its own provider, so its JWKS request
 * count and mode are its own.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_JWKS_OPTIONS } from '../src/auth/strategies/jwt.js';
import * as ops from './operations/generated/graphql.js';
import { bearer, expectRejected, pollUntil, sleep } from './support/auth-assertions.js';
import { claimsFor, startFakeOidc, type FakeOidc } from './support/fake-oidc.js';
import { graphql } from './support/graphql.js';
import { startTestServer, type TestServer, type TestServerOptions } from './support/server.js';

const SHORT_COOLDOWN = { ...DEFAULT_JWKS_OPTIONS, cooldownMs: 500 };

let subjects = 0;
/** A fresh subject per token, so the server's short Viewer cache never answers for the JWKS. */
const claims = (role: 'VIEWER' | 'TEAM_MEMBER' | 'TEAM_ADMIN' = 'TEAM_MEMBER') => claimsFor(role, 'team-keys', `user_keys_${++subjects}`);

const servers: TestServer[] = [];
const providers: FakeOidc[] = [];

async function provider(): Promise<FakeOidc> {
  const oidc = await startFakeOidc();
  providers.push(oidc);
  return oidc;
}

async function clerkServer(oidc: FakeOidc, jwks?: TestServerOptions['jwks']): Promise<TestServer> {
  const server = await startTestServer({
    env: { SKILLMEAT_AUTH_ENABLED: 'true', SKILLMEAT_AUTH_PROVIDER: 'clerk', CLERK_JWKS_URL: oidc.jwksUrl, CLERK_ISSUER: oidc.issuer },
    ...(jwks ? { jwks } : {}),
  });
  servers.push(server);
  return server;
}

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  await Promise.all(providers.map((oidc) => oidc.close()));
});

const me = (server: TestServer, token: string) => graphql(server.url, ops.JwtMeDocument, {}, { headers: bearer(token) });

async function expectAccepted(server: TestServer, token: string): Promise<void> {
  const result = await me(server, token);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  expect(result.status).toBe(200);
  expect(result.data!.me.authMethod).toBe('JWT');
}

/** Whether a token with `kid` is accepted now (a rejection must still be a proper 401). */
async function acceptedWithKid(oidc: FakeOidc, server: TestServer, kid: string): Promise<boolean> {
  const result = await me(server, await oidc.mint(claims(), { kid }));
  if (result.status === 200 && !result.errors) return true;
  expectRejected(result, /No signing key matches/);
  return false;
}

describe('key rotation', () => {
  it('accepts a newly published kid once the refetch cooldown has passed (cooldown 500 ms)', async () => {
    const oidc = await provider();
    const server = await clerkServer(oidc, SHORT_COOLDOWN);
    await expectAccepted(server, await oidc.mint(claims()));
    const oldKid = oidc.currentKid('RS256')!;
    const newKid = await oidc.addKey('RS256');
    oidc.publish(newKid);
    expect(oidc.currentKid('RS256')).toBe(newKid);

    const tookMs = await pollUntil(() => acceptedWithKid(oidc, server, newKid), 5_000, 200);
    expect(tookMs, 'the new kid was never accepted within 5 s').not.toBeNull();
    // The old key is still published: its tokens still pass.
    await expectAccepted(server, await oidc.mint(claims(), { kid: oldKid }));
  });

  it('accepts a newly published kid within 30 s with the default timings', { timeout: 45_000 }, async () => {
    const oidc = await provider();
    const server = await clerkServer(oidc);
    await expectAccepted(server, await oidc.mint(claims()));
    const newKid = await oidc.addKey('ES256');
    oidc.publish(newKid);

    const tookMs = await pollUntil(() => acceptedWithKid(oidc, server, newKid), 30_000, 1_000);
    expect(tookMs, 'the new kid was not accepted within 30 s').not.toBeNull();
    expect(tookMs!).toBeLessThan(30_000);
  });
});

describe('JWKS caching', () => {
  let oidc: FakeOidc;
  let server: TestServer;

  beforeAll(async () => {
    oidc = await provider();
    server = await clerkServer(oidc);
  });

  it('fetches the JWKS once for many requests, concurrent or not, of either algorithm', async () => {
    expect(oidc.jwksRequests()).toBe(0);
    await Promise.all(Array.from({ length: 10 }, async () => expectAccepted(server, await oidc.mint(claims()))));
    for (let i = 0; i < 10; i++) await expectAccepted(server, await oidc.mint(claims(), { alg: i % 2 ? 'ES256' : 'RS256' }));
    expect(oidc.jwksRequests()).toBe(1);
  });

  it('refetches at most once or twice for a flood of unknown kids within the cooldown', async () => {
    const kids = await Promise.all(Array.from({ length: 20 }, (_, i) => oidc.addKey(i % 2 ? 'ES256' : 'RS256')));
    const before = oidc.jwksRequests();
    for (const kid of kids) expectRejected(await me(server, await oidc.mint(claims(), { kid })), /No signing key matches/);
    expect(oidc.jwksRequests() - before).toBeLessThanOrEqual(2);
  });

  it('refetches once for a concurrent flood of unknown kids once the cooldown has passed', async () => {
    const flooded = await clerkServer(oidc, SHORT_COOLDOWN);
    await expectAccepted(flooded, await oidc.mint(claims()));
    const kids = await Promise.all(Array.from({ length: 20 }, (_, i) => oidc.addKey(i % 2 ? 'ES256' : 'RS256')));
    const tokens = await Promise.all(kids.map((kid) => oidc.mint(claims(), { kid })));
    await sleep(SHORT_COOLDOWN.cooldownMs + 100);
    const before = oidc.jwksRequests();
    const results = await Promise.all(tokens.map((token) => me(flooded, token)));
    for (const result of results) expectRejected(result, /No signing key matches/);
    const refetches = oidc.jwksRequests() - before;
    expect(refetches).toBeGreaterThanOrEqual(1);
    expect(refetches).toBeLessThanOrEqual(2);
  });
});

describe('JWKS outage', () => {
  let oidc: FakeOidc;
  /** A server that never fetched the keys successfully: nothing is cached. */
  let fresh: TestServer;

  beforeAll(async () => {
    oidc = await provider();
    fresh = await clerkServer(oidc);
  });
  afterAll(() => oidc.setMode('ok'));

  /** A request that must be rejected. Which way the key fetch failed is told by the message, not by how long it took. */
  async function rejected(server: TestServer) {
    return me(server, await oidc.mint(claims()));
  }

  it('down (connection dropped): a quick 401 about the signing keys', async () => {
    oidc.setMode('down');
    const before = oidc.jwksRequests();
    expectRejected(await rejected(fresh), /signing keys are unavailable/i);
    expect(oidc.jwksRequests()).toBeGreaterThan(before);
  });

  it.each(['unavailable', 'garbage'] as const)('%s: a 401 about the signing keys', async (mode) => {
    oidc.setMode(mode);
    const before = oidc.jwksRequests();
    expectRejected(await rejected(fresh), /signing keys (are unavailable|could not be read)/i);
    expect(oidc.jwksRequests()).toBeGreaterThan(before);
  });

  it('slow (longer than the default 3 s timeout): a 401 before the keys arrive, not a hang', async () => {
    // The keys would be served after 60 s, past this test's own timeout (30 s): a 401 at all means
    // the server gave up first, and it hung up on the slow answer rather than leaving it open.
    oidc.setMode('slow', 60_000);
    const abandoned = oidc.jwksAbandoned();
    expectRejected(await rejected(fresh), /could not be fetched in time/i);
    await vi.waitFor(() => expect(oidc.jwksAbandoned()).toBe(abandoned + 1), { timeout: 5_000 });
  });

  it('empty key set: a 401 naming the missing key', async () => {
    oidc.setMode('empty');
    expectRejected(await rejected(fresh), /No signing key matches/);
  });

  it('does not affect tokens whose key is cached; an uncached kid is a 401', async () => {
    oidc.setMode('ok');
    const cached = await clerkServer(oidc, SHORT_COOLDOWN);
    await expectAccepted(cached, await oidc.mint(claims(), { alg: 'RS256' }));
    const newKid = await oidc.addKey('RS256');
    oidc.publish(newKid);
    oidc.setMode('down');
    // New tokens (new subjects: no Viewer cache), of both cached keys.
    await expectAccepted(cached, await oidc.mint(claims(), { alg: 'ES256' }));
    for (const role of ['VIEWER', 'TEAM_ADMIN'] as const) await expectAccepted(cached, await oidc.mint(claims(role), { kid: oidc.jwks().keys[0]!.kid! }));
    // A key published during the outage cannot be fetched: a 401 (after the cooldown, about the keys).
    await sleep(SHORT_COOLDOWN.cooldownMs + 100);
    expectRejected(await me(cached, await oidc.mint(claims(), { kid: newKid })), /signing keys are unavailable/i);
    // And the cached keys still work afterwards.
    await expectAccepted(cached, await oidc.mint(claims(), { alg: 'ES256' }));
  });
});
