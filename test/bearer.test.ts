/**
 * The bearer token and its SHA-256, worked out once per request and shared by the strategies:
 * the same answers as parsing and hashing each time, a malformed header still refused on every
 * ask, and the enterprise PAT matched on the digest exactly as on the token.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { constantTimeDigestMatcher, constantTimeMatcher, sha256, sha256Hex } from '../src/secrets.js';
import { enterprisePatStrategy } from '../src/auth/strategies/enterprise-pat.js';
import { bearerDigest, bearerToken, CredentialRejected } from '../src/auth/strategy.js';
import { ViewerCache } from '../src/auth/viewer-cache.js';

const withAuthorization = (value: string | null) =>
  new Request('http://127.0.0.1/graphql', { method: 'POST', headers: value === null ? {} : { authorization: value } });

const hashOf = (value: string) => createHash('sha256').update(value, 'utf8').digest();

describe('bearer token and digest, once per request', () => {
  it('reads the token, and gives the same one on every ask of the same request', () => {
    const request = withAuthorization('Bearer abc.def.ghi');
    expect(bearerToken(request)).toBe('abc.def.ghi');
    expect(bearerToken(request)).toBe('abc.def.ghi');
    expect(bearerToken(withAuthorization('bearer   xyz  '))).toBe('xyz');
    expect(bearerToken(withAuthorization(null))).toBeNull();
    expect(bearerDigest(withAuthorization(null))).toBeNull();
  });

  it('refuses a malformed header on every ask, not only the first', () => {
    const request = withAuthorization('Basic dXNlcjpwYXNz');
    for (let i = 0; i < 2; i++) {
      expect(() => bearerToken(request)).toThrow(CredentialRejected);
      expect(() => bearerDigest(request)).toThrow(CredentialRejected);
    }
  });

  it('hashes the token with SHA-256 once per request; two requests each get their own', () => {
    const first = withAuthorization('Bearer token-one');
    const second = withAuthorization('Bearer token-two');
    const digest = bearerDigest(first)!;
    expect(digest.equals(hashOf('token-one'))).toBe(true);
    expect(bearerDigest(first)).toBe(digest);
    expect(bearerDigest(second)!.equals(hashOf('token-two'))).toBe(true);
    // The viewer cache key is the digest in base64url, as it was when the cache hashed the token itself.
    expect(ViewerCache.keyOf(digest)).toBe(createHash('sha256').update('token-one').digest('base64url'));
  });

  it('hashes as createHash does, including non-ASCII text', () => {
    for (const value of ['', 'smk_abc', 'Über-geheim ✓', 'x'.repeat(5000)]) {
      expect(sha256(value).equals(hashOf(value))).toBe(true);
      expect(sha256Hex(value)).toBe(hashOf(value).toString('hex'));
    }
  });

  it('matches a configured secret on its digest as on the secret itself', () => {
    const secret = 'enterprise-secret-0123456789';
    const byToken = constantTimeMatcher(secret);
    const byDigest = constantTimeDigestMatcher(secret);
    for (const candidate of [secret, `${secret}x`, secret.slice(1), '', 'other']) {
      expect(byDigest(hashOf(candidate))).toBe(candidate === secret);
      expect(byToken(candidate)).toBe(candidate === secret);
    }
    // A digest of the wrong length is a mismatch, never a throw from timingSafeEqual.
    expect(byDigest(Buffer.alloc(5))).toBe(false);
  });

  it('lets the enterprise PAT strategy claim exactly its secret', async () => {
    const strategy = enterprisePatStrategy('the-enterprise-secret');
    const viewer = await strategy.authenticate(withAuthorization('Bearer the-enterprise-secret'));
    expect(viewer).toMatchObject({ role: 'SYSTEM_ADMIN', authMethod: 'ENTERPRISE_PAT' });
    expect(await strategy.authenticate(withAuthorization('Bearer the-enterprise-secreT'))).toBeNull();
    expect(await strategy.authenticate(withAuthorization(null))).toBeNull();
    expect(() => strategy.authenticate(withAuthorization('Token the-enterprise-secret'))).toThrow(CredentialRejected);
  });
});
