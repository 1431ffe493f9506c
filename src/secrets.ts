/**
 * Secrets: generation (high-entropy, with a recognisable prefix), hashing for storage, and
 * constant-time comparison. Only hashes are stored; a secret is shown once, at creation.
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** SHA-256 of a string's UTF-8 bytes, in one call (no Hash object per value: it is on every request's path). */
export function sha256(value: string): Buffer {
  return hash('sha256', value, 'buffer');
}

export function sha256Hex(value: string): string {
  return hash('sha256', value, 'hex');
}

/** Compares two secrets in time independent of where they differ (and of their lengths). */
export function constantTimeEqual(a: string, b: string): boolean {
  // Hashing first gives equal-length inputs, so timingSafeEqual never throws or leaks length.
  return timingSafeEqual(sha256(a), sha256(b));
}

/**
 * constantTimeEqual against one fixed secret, hashed once up front (a configured secret is
 * compared on every request).
 */
export function constantTimeMatcher(secret: string): (candidate: string) => boolean {
  const matchesDigest = constantTimeDigestMatcher(secret);
  return (candidate) => matchesDigest(sha256(candidate));
}

/** The same, given the candidate's SHA-256 already (a bearer token's, computed once per request). */
export function constantTimeDigestMatcher(secret: string): (candidateDigest: Buffer) => boolean {
  const expected = sha256(secret);
  return (candidateDigest) => candidateDigest.length === expected.length && timingSafeEqual(candidateDigest, expected);
}

export interface IssuedSecret {
  /** The whole secret, e.g. `smk_3fA9…`: shown once. */
  secret: string;
  /** Its visible start (kind + 8 characters), unique, stored in clear to find the row. */
  prefix: string;
  /** What is stored. */
  hash: string;
}

export const PREFIX_BODY_LENGTH = 8;

/** `kind_` + 43 base64url characters (32 random bytes). */
export function issueSecret(kind: string): IssuedSecret {
  const secret = `${kind}_${randomBytes(32).toString('base64url')}`;
  return { secret, prefix: prefixOf(secret, kind), hash: sha256Hex(secret) };
}

export function prefixOf(secret: string, kind: string): string {
  return secret.slice(0, kind.length + 1 + PREFIX_BODY_LENGTH);
}
