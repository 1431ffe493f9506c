/**
 * The JWT strategy's Viewer cache (src/auth/viewer-cache.ts), which answers a token seen in the
 * last few seconds without verifying it again, and since issue 23 without waiting: it answers
 * only the very token it verified (keyed by the whole token's SHA-256, never the token), never
 * past the token's `exp`, not after a role change in this process, and holds a bounded number.
 */
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { User } from '../src/db/model.js';
import { jwtStrategy, type JwtVerification } from '../src/auth/strategies/jwt.js';
import type { Role } from '../src/vocabulary/scopes.js';
import { CredentialRejected } from '../src/auth/strategy.js';
import { identitiesChanged, ViewerCache } from '../src/auth/viewer-cache.js';
import type { Viewer } from '../src/vocabulary/viewer.js';

const ISSUER = 'https://issuer.viewer-cache.test';
let privateKey: CryptoKey;
let getKey: JWTVerifyGetKey;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' };
  getKey = createLocalJWKSet({ keys: [jwk] });
});

const sign = (sub: string, { expiresIn = '1h', extra = {} }: { expiresIn?: string | number; extra?: JWTPayload } = {}) =>
  new SignJWT({ ...extra, sub })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(privateKey);

const request = (token: string) => new Request('http://127.0.0.1/graphql', { method: 'POST', headers: { authorization: `Bearer ${token}` } });

/** A strategy whose users' roles the test sets, counting the verifications that reached the user lookup. */
function strategy(cacheMs = 5_000) {
  const roles = new Map<string, Role>();
  const lookups = vi.fn();
  const verification: JwtVerification = {
    getKey,
    issuer: () => ISSUER,
    audience: null,
    userFromToken: async (payload) => {
      lookups(payload.sub);
      const role = roles.get(payload.sub!) ?? 'VIEWER';
      const user = { id: Number(payload.sub!.replace(/\D/g, '')) || 1, role, teamId: 'team-a' } as User;
      return { user, sessionId: null };
    },
  };
  return { auth: jwtStrategy(verification, 0, cacheMs), roles, lookups };
}

async function viewerOf(auth: ReturnType<typeof strategy>['auth'], token: string): Promise<Viewer> {
  const viewer = await auth.authenticate(request(token));
  if (!viewer) throw new Error('no viewer');
  return viewer;
}

describe('the JWT Viewer cache', () => {
  it('answers the same token from the cache, at once (not a promise), and verifies every other token', async () => {
    const { auth, lookups, roles } = strategy();
    roles.set('user-1', 'TEAM_MEMBER');
    roles.set('user-2', 'TEAM_ADMIN');
    const one = await sign('user-1');
    const two = await sign('user-2');
    const first = await viewerOf(auth, one);
    expect(first.role).toBe('TEAM_MEMBER');
    const again = auth.authenticate(request(one));
    expect(again).toBe(first);
    expect(lookups).toHaveBeenCalledTimes(1);
    // Another token is verified and gets its own Viewer, never the cached one.
    const second = await viewerOf(auth, two);
    expect(second.role).toBe('TEAM_ADMIN');
    expect(second.userId).toBe(2);
    expect(lookups).toHaveBeenCalledTimes(2);
    // The same subject with another token (another iat/claims) is another key: verified again.
    const oneAgain = await sign('user-1', { extra: { nonce: 'n' } });
    expect(oneAgain).not.toBe(one);
    await viewerOf(auth, oneAgain);
    expect(lookups).toHaveBeenCalledTimes(3);
  });

  it('does not serve a Viewer from before a role change in this process', async () => {
    const { auth, lookups, roles } = strategy();
    roles.set('user-3', 'VIEWER');
    const token = await sign('user-3');
    expect((await viewerOf(auth, token)).role).toBe('VIEWER');
    roles.set('user-3', 'TEAM_ADMIN');
    identitiesChanged();
    expect((await viewerOf(auth, token)).role).toBe('TEAM_ADMIN');
    expect(lookups).toHaveBeenCalledTimes(2);
  });

  it('never answers a token past its exp, and a tampered token is refused even when the original is cached', async () => {
    const { auth, lookups } = strategy(60_000);
    const token = await sign('user-4', { expiresIn: Math.floor(Date.now() / 1000) + 2 });
    await viewerOf(auth, token);
    expect(auth.authenticate(request(token))).not.toBeInstanceOf(Promise);
    const [header, payload, signature] = token.split('.');
    const tampered = `${header}.${payload}.${signature!.slice(0, -2)}${signature!.endsWith('AA') ? 'BB' : 'AA'}`;
    await expect(auth.authenticate(request(tampered))).rejects.toBeInstanceOf(CredentialRejected);
    vi.useFakeTimers({ now: Date.now() + 3_000, toFake: ['Date'] });
    try {
      await expect(auth.authenticate(request(token))).rejects.toThrow(/expired/);
    } finally {
      vi.useRealTimers();
    }
    expect(lookups).toHaveBeenCalledTimes(1);
  });

  it('caches nothing with a zero lifetime (the local provider), and holds a bounded number of keys that are digests', async () => {
    const { auth, lookups } = strategy(0);
    const token = await sign('user-5');
    await viewerOf(auth, token);
    await viewerOf(auth, token);
    expect(lookups).toHaveBeenCalledTimes(2);

    const cache = new ViewerCache(60_000, 2);
    const viewer = (await viewerOf(strategy().auth, await sign('user-6'))) as Viewer;
    const far = Date.now() + 60_000;
    cache.set('a', viewer, far);
    cache.set('b', viewer, far);
    cache.set('c', viewer, far);
    expect(cache.get('a')).toBeNull();
    expect(cache.get('b')).toBe(viewer);
    expect(cache.get('c')).toBe(viewer);
    expect(ViewerCache.keyOf(Buffer.alloc(32, 1))).not.toContain(token);
  });
});
