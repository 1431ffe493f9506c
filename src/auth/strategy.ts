/**
 * What an auth strategy is (Redwood's decoders): it looks at the request and returns the
 * Viewer its credential stands for, null when its kind of credential is absent, and throws
 * CredentialRejected when the credential is present but bad, so the chain never falls
 * through to a weaker strategy.
 */
import type { Viewer } from './viewer.js';

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

/** The token of an `Authorization: Bearer <token>` header; null without one. */
export function bearerToken(request: Request): string | null {
  const header = request.headers.get('authorization');
  if (header === null) return null;
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  if (!match) throw new CredentialRejected('bearer', 'The Authorization header must be "Bearer <token>".');
  return match[1]!;
}
