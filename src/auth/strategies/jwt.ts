/**
 * JWT: a Bearer token that looks like a JWS, verified with jose against the provider's keys
 * (clerk: a remote JWKS, cached, refetched on an unknown kid at most once per cooldown, with a
 * fetch timeout). Only asymmetric algorithms; exp is required; exp, nbf and iat get the one
 * configured clock skew (SKILLMEAT_JWT_CLOCK_SKEW_SECONDS) — an iat further ahead than that is a
 * token from the future, refused as Clerk's own verifier does; iss always and aud when configured. The subject becomes (or updates) a user.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { ClerkConfig } from '../../config.js';
import type { Db } from '../../db/database.js';
import type { User } from '../../db/model.js';
import { syncUserFromClaims } from '../../db/users.js';
import { identityFromClaims } from '../claims.js';
import { ROLE_SCOPES } from '../../vocabulary/scopes.js';
import { bearerDigest, bearerToken, CredentialRejected, type AuthStrategy } from '../strategy.js';
export { NAME as JWT_STRATEGY_NAME };
import { ViewerCache } from '../viewer-cache.js';
import { makeViewer } from '../../vocabulary/viewer.js';

const NAME = 'jwt';
export const ALLOWED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const JWS_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export interface JwksOptions {
  /** Give up on a JWKS fetch after this long. */
  timeoutMs: number;
  /** After a fetch, an unknown kid triggers no new fetch for this long. */
  cooldownMs: number;
  /** Refetch the JWKS when it is older than this, even when every kid is known. */
  maxAgeMs: number;
}

export const DEFAULT_JWKS_OPTIONS: JwksOptions = { timeoutMs: 3_000, cooldownMs: 5_000, maxAgeMs: 10 * 60_000 };

export function remoteJwks(url: string, options: JwksOptions = DEFAULT_JWKS_OPTIONS): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(url), {
    timeoutDuration: options.timeoutMs,
    cooldownDuration: options.cooldownMs,
    cacheMaxAge: options.maxAgeMs,
  });
}

/** Why jose refused a token, in words a client may see. */
function reasonFor(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'The token has expired.';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'The token is not valid yet.';
    if (error.claim === 'iss') return 'The token was issued by an unexpected issuer.';
    if (error.claim === 'aud') return 'The token is not meant for this audience.';
    return `The token's "${error.claim}" claim is invalid.`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'The token is signed with an algorithm that is not allowed.';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'The token signature is invalid.';
  if (error instanceof errors.JWKSNoMatchingKey) return 'No signing key matches the token.';
  if (error instanceof errors.JWKSMultipleMatchingKeys) return 'More than one signing key matches the token.';
  if (error instanceof errors.JWKSTimeout) return 'The signing keys could not be fetched in time; try again shortly.';
  if (error instanceof errors.JWKSInvalid) return 'The signing keys could not be read; try again shortly.';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'The token is malformed.';
  // jose reports a JWKS endpoint that answers non-200 or non-JSON as a generic JOSEError.
  if (error instanceof errors.JOSEError && /Expected 200 OK|parse|JSON/i.test(error.message)) {
    return 'The signing keys are unavailable; try again shortly.';
  }
  if (error instanceof errors.JOSEError) return 'The token could not be verified.';
  // fetch() failures (connection refused, DNS) surface as plain errors from the JWKS fetch.
  return 'The signing keys are unavailable; try again shortly.';
}

/** The user a verified token stands for; throws CredentialRejected when there is none. */
export type UserFromToken = (payload: JWTPayload) => Promise<{ user: User; sessionId: string | null }>;

export interface JwtVerification {
  getKey: JWTVerifyGetKey;
  /** The required `iss` (a getter: the local issuer is known once the server listens). */
  issuer: () => string;
  audience: string | null;
  userFromToken: UserFromToken;
}

/** Clerk and other OIDC issuers: the claims are the truth; the user is created or synced from them. */
export function userFromClaims(db: Db): UserFromToken {
  return async (payload) => {
    const identity = identityFromClaims(payload);
    if (!identity) throw new CredentialRejected(NAME, 'The token has no usable "sub" claim.');
    return { user: await syncUserFromClaims(db, identity), sessionId: null };
  };
}

/**
 * `cacheMs`: how long a verified token's Viewer may be reused (0: verify every time). The
 * local provider uses 0, so a revoked session stops its access tokens at the next request.
 */
export function jwtStrategy(verification: JwtVerification, clockSkewSeconds: number, cacheMs = 0): AuthStrategy {
  const cache = new ViewerCache(cacheMs);
  return {
    name: NAME,
    // A cached Viewer (or no JWT) is answered at once; only a verification is awaited.
    authenticate: (request) => {
      const token = bearerToken(request);
      if (token === null || !JWS_SHAPE.test(token)) return null;
      const key = ViewerCache.keyOf(bearerDigest(request)!);
      return cache.get(key) ?? verifiedViewer(token, key);
    },
  };

  async function verifiedViewer(token: string, key: string) {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, verification.getKey, {
        algorithms: ALLOWED_ALGORITHMS,
        issuer: verification.issuer(),
        ...(verification.audience ? { audience: verification.audience } : {}),
        clockTolerance: clockSkewSeconds,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      throw new CredentialRejected(NAME, reasonFor(error));
    }
    // jose checks iat's type but not that it is in the past.
    if (payload.iat !== undefined && payload.iat > Date.now() / 1000 + clockSkewSeconds) {
      throw new CredentialRejected(NAME, 'The token was issued in the future ("iat"); check the issuer\'s clock.');
    }
    const { user, sessionId } = await verification.userFromToken(payload);
    const viewer = makeViewer({
      role: user.role,
      scopes: ROLE_SCOPES[user.role],
      teamId: user.teamId,
      authMethod: 'JWT',
      userId: user.id,
      sessionId,
    });
    cache.set(key, viewer, (payload.exp ?? 0) * 1000);
    return viewer;
  }
}

export function clerkVerification(db: Db, clerk: ClerkConfig, jwks?: JwksOptions): JwtVerification {
  return {
    getKey: remoteJwks(clerk.jwksUrl, jwks),
    issuer: () => clerk.issuer,
    audience: clerk.audience,
    userFromToken: userFromClaims(db),
  };
}
