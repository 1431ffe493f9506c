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
  const idp: LocalIdentityProvider = { keys, issuer: options.issuer, limits: RateLimits.create(database.raw), signupEnabled: options.signupEnabled };
  made.add(idp);
  return idp;
}

/** Every provider createLocalIdentityProvider made: what identityProviderOf recognises. */
const made = new WeakSet<object>();

/** The request's local identity provider (Context.idp), or null when the server runs none. */
export function identityProviderOf(context: { readonly idp: object | null }): LocalIdentityProvider | null {
  const idp = context.idp;
  return idp !== null && made.has(idp) ? (idp as LocalIdentityProvider) : null;
}
