/**
 * The fake OIDC provider is itself tested here, against jose's own verifier, so a failing JWT
 * strategy test points at the server and not at the helper.
 */
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimsFor, startFakeOidc, type FakeOidc } from './support/fake-oidc.js';

const ASYMMETRIC = ['RS256', 'PS256', 'ES256', 'EdDSA'];

let oidc: FakeOidc;

/** A fresh verifier (no shared cache) for the served JWKS, with jose's timing options. */
function verifier(options: { timeoutDuration?: number; cooldownDuration?: number; cacheMaxAge?: number } = {}) {
  const getKey = createRemoteJWKSet(new URL(oidc.jwksUrl), { timeoutDuration: 1_000, ...options });
  return (token: string, extra: { audience?: string } = {}) =>
    jwtVerify(token, getKey, { algorithms: ASYMMETRIC, issuer: oidc.issuer, ...extra });
}

beforeAll(async () => {
  oidc = await startFakeOidc();
});

afterAll(async () => {
  await oidc.close();
});

describe('fake OIDC provider', () => {
  it('publishes one RS256 and one ES256 public key with distinct kids, use and alg', async () => {
    const response = await fetch(oidc.jwksUrl);
    expect(response.status).toBe(200);
    const { keys } = (await response.json()) as { keys: Record<string, unknown>[] };
    expect(keys.map((key) => [key.kty, key.alg, key.use])).toEqual([
      ['RSA', 'RS256', 'sig'],
      ['EC', 'ES256', 'sig'],
    ]);
    expect(new Set(keys.map((key) => key.kid)).size).toBe(2);
    expect(keys.map((key) => key.kid)).toEqual([oidc.currentKid('RS256'), oidc.currentKid('ES256')]);
    for (const key of keys) for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(secret);
    expect(keys).toEqual(oidc.jwks().keys);
  });

  it('answers OpenID discovery', async () => {
    const response = await fetch(`${oidc.url}/.well-known/openid-configuration`);
    expect(await response.json()).toEqual({ issuer: oidc.issuer, jwks_uri: oidc.jwksUrl });
    expect(oidc.issuer).toBe(oidc.url);
    expect(oidc.jwksUrl).toBe(`${oidc.issuer}/.well-known/jwks.json`);
  });

  it.each(['RS256', 'ES256', 'PS256', 'EdDSA'] as const)('mints %s tokens that verify against the JWKS', async (alg) => {
    const token = await oidc.mint(claimsFor('TEAM_ADMIN', 'team-a', 'user_1'), { alg });
    const { payload, protectedHeader } = await verifier()(token);
    expect(protectedHeader).toMatchObject({ alg, kid: oidc.currentKid(alg), typ: 'JWT' });
    expect(payload).toMatchObject({ iss: oidc.issuer, sub: 'user_1', org_id: 'team-a', org_role: 'org:admin' });
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(5);
  });

  it('applies the mint options', async () => {
    const verify = verifier();
    const token = await oidc.mint({ sub: 'a' }, { subject: 'b', audience: 'api', expiresIn: 60, notBefore: -10 });
    const { payload } = await verify(token, { audience: 'api' });
    expect(payload).toMatchObject({ sub: 'b', aud: 'api', exp: payload.iat! + 60, nbf: payload.iat! - 10 });
    await expect(verify(token, { audience: 'other' })).rejects.toThrow(errors.JWTClaimValidationFailed);
    await expect(verify(await oidc.mint({}, { expiresIn: -120 }))).rejects.toThrow(errors.JWTExpired);
    await expect(verify(await oidc.mint({}, { notBefore: 120 }))).rejects.toMatchObject({ claim: 'nbf' });
    await expect(verify(await oidc.mint({}, { issuer: 'https://evil.example' }))).rejects.toMatchObject({ claim: 'iss' });
    expect(decodeJwt(await oidc.mint({ exp: undefined, extra: 1 }))).not.toHaveProperty('exp');
    expect(decodeProtectedHeader(await oidc.mint({}, { header: { kid: undefined } }))).not.toHaveProperty('kid');
    expect(decodeProtectedHeader(await oidc.mint({}, { header: { kid: 'lie' } })).kid).toBe('lie');
    await expect(oidc.mint({}, { kid: 'no-such-kid' })).rejects.toThrow(/no key/);
  });

  it('maps roles to Clerk-style claims', () => {
    expect(claimsFor('TEAM_ADMIN', 't', 'u')).toMatchObject({ sub: 'u', org_id: 't', org_role: 'org:admin' });
    expect(claimsFor('TEAM_MEMBER', 't', 'u').org_role).toBe('org:member');
    expect(claimsFor('VIEWER', 't', 'u').org_role).toBeUndefined();
    expect(claimsFor('VIEWER', 't', 'u')).toMatchObject({ email: 'u@example.test', name: expect.any(String) });
  });
});

describe('hostile tokens', () => {
  it('builds a well-formed alg "none" token that the allow-list rejects', async () => {
    const token = oidc.unsignedToken({ sub: 'mallory' });
    expect(token.endsWith('.')).toBe(true);
    expect(UnsecuredJWT.decode(token, { issuer: oidc.issuer }).payload.sub).toBe('mallory');
    await expect(verifier()(token)).rejects.toThrow(errors.JOSEAlgNotAllowed);
  });

  it.each(['pem', 'jwk'] as const)('builds HS256 keyed with the public key (%s) that the allow-list rejects', async (secret) => {
    const token = await oidc.hs256WithPublicKey({ sub: 'mallory' }, undefined, secret);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'HS256', kid: oidc.currentKid('RS256') });
    // The forgery is genuine: a verifier that trusts the header's alg and keys HMAC with the
    // public key material would accept it.
    const rsa = oidc.jwks().keys.find((key) => key.kid === oidc.currentKid('RS256'))!;
    const { createPublicKey } = await import('node:crypto');
    const material =
      secret === 'pem'
        ? (createPublicKey({ key: rsa, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string)
        : JSON.stringify(rsa);
    const naive = await jwtVerify(token, new TextEncoder().encode(material), { algorithms: ['HS256'] });
    expect(naive.payload.sub).toBe('mallory');
    await expect(verifier()(token)).rejects.toThrow(errors.JOSEAlgNotAllowed);
  });

  it('tampers with the payload and keeps the signature, which then fails', async () => {
    const token = await oidc.mint(claimsFor('VIEWER', 'team-a', 'user_2'));
    const tampered = oidc.tamper(token, { org_role: 'org:admin', org_id: 'team-b' });
    expect(tampered.split('.')[0]).toBe(token.split('.')[0]);
    expect(tampered.split('.')[2]).toBe(token.split('.')[2]);
    expect(decodeJwt(tampered)).toMatchObject({ sub: 'user_2', org_role: 'org:admin', org_id: 'team-b' });
    const verify = verifier();
    await expect(verify(token)).resolves.toBeDefined();
    await expect(verify(tampered)).rejects.toThrow(errors.JWSSignatureVerificationFailed);
    const relabelled = oidc.tamper(token, {}, { alg: 'RS512' });
    expect(decodeProtectedHeader(relabelled).alg).toBe('RS512');
    await expect(verify(relabelled)).rejects.toThrow();
  });
});

describe('JWKS behaviour', () => {
  it('caches the JWKS and counts every fetch', async () => {
    const before = oidc.jwksRequests();
    const verify = verifier({ cooldownDuration: 60_000 });
    await verify(await oidc.mint({ sub: 'a' }));
    await verify(await oidc.mint({ sub: 'b' }, { alg: 'ES256' }));
    expect(oidc.jwksRequests() - before).toBe(1);
    await fetch(oidc.jwksUrl);
    expect(oidc.jwksRequests() - before).toBe(2);
  });

  it('rotates keys: an unpublished kid fails, then verifies once published, then fails once removed', async () => {
    const kid = await oidc.addKey('RS256');
    const previous = oidc.currentKid('RS256');
    expect(kid).not.toBe(previous);
    expect(oidc.jwks().keys.map((key) => key.kid)).not.toContain(kid);
    const token = await oidc.mint({ sub: 'rotated' }, { kid });
    expect(decodeProtectedHeader(token).kid).toBe(kid);

    const verify = verifier({ cooldownDuration: 0 });
    const before = oidc.jwksRequests();
    await expect(verify(token)).rejects.toThrow(errors.JWKSNoMatchingKey);
    expect(oidc.jwksRequests() - before).toBe(2); // the first load, then the refetch for the unknown kid

    oidc.publish(kid);
    expect(oidc.currentKid('RS256')).toBe(kid);
    await expect(verify(token)).resolves.toMatchObject({ payload: { sub: 'rotated' } });
    expect(decodeProtectedHeader(await oidc.mint({})).kid).toBe(kid);

    oidc.unpublish(previous!);
    const oldToken = await oidc.mint({}, { kid: previous! });
    await expect(verifier()(oldToken)).rejects.toThrow(errors.JWKSNoMatchingKey);
    oidc.publish(previous!);
  });

  it('fails verification while the JWKS is down, unavailable, garbled or empty', async () => {
    const token = await oidc.mint({ sub: 'x' });
    const before = oidc.jwksRequests();
    try {
      oidc.setMode('down');
      await expect(verifier()(token)).rejects.toThrow(/fetch failed/);
      expect(oidc.jwksRequests() - before).toBe(1);
      oidc.setMode('unavailable');
      await expect(verifier()(token)).rejects.toThrow(/200 OK/);
      oidc.setMode('garbage');
      await expect(verifier()(token)).rejects.toThrow(/parse/);
      oidc.setMode('empty');
      await expect(verifier()(token)).rejects.toThrow(errors.JWKSNoMatchingKey);
    } finally {
      oidc.setMode('ok');
    }
    await expect(verifier()(token)).resolves.toBeDefined();
  });

  it('times out on a slow JWKS, and answers a patient client late', async () => {
    const token = await oidc.mint({ sub: 'x' });
    try {
      oidc.setMode('slow', 300);
      const before = oidc.jwksRequests();
      await expect(verifier({ timeoutDuration: 100 })(token)).rejects.toThrow(errors.JWKSTimeout);
      await expect(verifier({ timeoutDuration: 2_000 })(token)).resolves.toBeDefined();
      // Both asked the JWKS: the first gave up on the slow answer, the second waited for it.
      expect(oidc.jwksRequests() - before).toBe(2);
    } finally {
      oidc.setMode('ok');
    }
  });

  it('closes promptly with a slow answer still pending', async () => {
    const other = await startFakeOidc({ algs: ['ES256'], issuer: 'https://clerk.example.test' });
    expect(other.jwks().keys.map((key) => key.alg)).toEqual(['ES256']);
    const discovery = (await (await fetch(`${other.url}/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(discovery).toEqual({ issuer: 'https://clerk.example.test', jwks_uri: other.jwksUrl });
    expect(decodeJwt(await other.mint({}, { alg: 'ES256' })).iss).toBe('https://clerk.example.test');
    other.setMode('slow'); // the default 10 s
    const pending = fetch(other.jwksUrl).catch((error: unknown) => error);
    while (other.jwksRequests() === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await other.close();
    // Closed under the pending answer (10 s away): the fetch failed instead of waiting for it.
    expect(await pending).toBeInstanceOf(Error);
    await other.close(); // idempotent
  });
});
