/**
 * Credentials minted by a configured secret stay bound to it. An API key created while
 * authenticated by the Enterprise PAT (SKILLMEAT_ENTERPRISE_PAT_SECRET) or by the static
 * X-API-Key (SKILLMEAT_API_KEY) stores the fingerprint of that secret (api_keys.minted_by), and
 * so does every key minted by such a key in turn; the key works only while the secret it was
 * minted by is still configured. Rotating a leaked secret therefore cuts off what was minted
 * with it (docs/auth.md, "Rotating configured secrets").
 *
 * The fingerprint is an HMAC keyed by the secret, so the database holds nothing that
 * authenticates; the secrets are long (32 and 24 characters at least: config.ts), so it cannot
 * be guessed back either.
 */
import { createHmac } from 'node:crypto';
import type { Config } from '../config.js';

export type MintingSecretKind = 'enterprise-pat' | 'static-api-key';


export function mintingFingerprint(kind: MintingSecretKind, secret: string): string {
  return `${kind}:${createHmac('sha256', secret).update('skillmeat minting-secret fingerprint v1').digest('hex').slice(0, 32)}`;
}

/** The fingerprints of the secrets configured now. */
export function configuredMinters(config: Pick<Config, 'enterprisePatSecret' | 'staticApiKey'>): string[] {
  return [
    ...(config.enterprisePatSecret ? [mintingFingerprint('enterprise-pat', config.enterprisePatSecret)] : []),
    ...(config.staticApiKey ? [mintingFingerprint('static-api-key', config.staticApiKey.key)] : []),
  ];
}

/**
 * A stored `minted_by` (null: minted by a user, not by a configured secret; otherwise one or
 * more fingerprints separated by spaces) is still good when every fingerprint in it is
 * configured now.
 */
export function mintedBySecretsStillConfigured(mintedBy: string | null, configured: ReadonlySet<string>): boolean {
  if (mintedBy === null) return true;
  return mintedBy.split(' ').every((fingerprint) => configured.has(fingerprint));
}
