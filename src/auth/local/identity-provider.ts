/** The local identity provider's moving parts, built once at start and shared by its endpoints. */
import type { Database } from '../../db/database.js';
import { RateLimits } from './rate-limits.js';
import type { SessionIssuer } from './sessions.js';
import { LocalSigningKeys } from './signing-keys.js';

export interface LocalIdentityProvider extends SessionIssuer {
  limits: RateLimits;
  signupEnabled: boolean;
}

export async function createLocalIdentityProvider(
  database: Database,
  options: { issuer: () => string; signupEnabled: boolean },
): Promise<LocalIdentityProvider> {
  const keys = new LocalSigningKeys(database.db);
  await keys.ensureKey();
  return { keys, issuer: options.issuer, limits: RateLimits.create(database.raw), signupEnabled: options.signupEnabled };
}

/** The request's local identity provider (Context.idp), or null when the server runs none. */
export function identityProviderOf(context: { readonly idp: object | null }): LocalIdentityProvider | null {
  return context.idp instanceof LocalIdentityProvider ? context.idp : null;
}
