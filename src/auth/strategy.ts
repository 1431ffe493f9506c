/**
 * What an auth strategy is (Redwood's decoders): it looks at the request and returns the
 * Viewer its credential stands for, null when its kind of credential is absent, and throws
 * CredentialRejected when the credential is present but bad, so the chain never falls
 * through to a weaker strategy.
 */
import { sha256 } from '../secrets.js';
import type { Viewer } from '../vocabulary/viewer.js';

export interface AuthStrategy {
  /** Names the strategy in logs and the audit log: api-key, enterprise-pat, jwt, zero-auth. */
  readonly name: string;
  authenticate(request: Request): Promise<Viewer | null> | Viewer | null;
}

/** A credential that was presented and refused; `reason` is safe to show and to log. */
export class CredentialRejected extends Error {
  override name = 'CredentialRejected';
  constructor(
    readonly strategy: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/**
 * Per request, the bearer token and its SHA-256, each worked out once: the chain's strategies
 * each ask for the token, and two of them (the enterprise PAT compare, the JWT Viewer cache) key
 * on its hash. Held against the Request object, so they go when it does.
 */
const tokens = new WeakMap<Request, string | null>();
const digests = new WeakMap<Request, Buffer>();

/** The token of an `Authorization: Bearer <token>` header; null without one. */
export function bearerToken(request: Request): string | null {
  const known = tokens.get(request);
  if (known !== undefined) return known;
  const header = request.headers.get('authorization');
  let token: string | null = null;
  if (header !== null) {
    const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
    if (!match) throw new CredentialRejected('bearer', 'The Authorization header must be "Bearer <token>".');
    token = match[1]!;
  }
  tokens.set(request, token);
  return token;
}

/** SHA-256 of the bearer token; null without one. */
export function bearerDigest(request: Request): Buffer | null {
  const token = bearerToken(request);
  if (token === null) return null;
  let digest = digests.get(request);
  if (!digest) {
    digest = sha256(token);
    digests.set(request, digest);
  }
  return digest;
}
