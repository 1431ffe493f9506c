/**
 * X-API-Key: the static key from the environment, or a key issued by createApiKey. An issued
 * key acts with its scopes, narrowed to what its creator holds now, in its creator's team.
 */
import type { StaticApiKeyConfig } from '../../config.js';
import { API_KEY_KIND, findApiKeyBySecret } from '../../db/api-keys.js';
import type { Db } from '../../db/database.js';
import { toUser } from '../../db/model.js';
import type { LastUsedRecorder } from '../last-used.js';
import { mintedBySecretsStillConfigured, mintingFingerprint } from '../minting-secrets.js';
import { ROLE_SCOPES } from '../../vocabulary/scopes.js';
import { constantTimeMatcher } from '../../secrets.js';
import { CredentialRejected, type AuthStrategy } from '../strategy.js';
import { makeViewer } from '../../vocabulary/viewer.js';

const NAME = 'api-key';
const ISSUED_KEY_SHAPE = new RegExp(`^${API_KEY_KIND}_[A-Za-z0-9_-]{43}$`);

/**
 * `minters`: the fingerprints of the secrets configured now (configuredMinters); a key minted by
 * a secret not among them is refused.
 */
export function apiKeyStrategy(db: Db, staticKey: StaticApiKeyConfig | null, lastUsed: LastUsedRecorder, minters: readonly string[]): AuthStrategy {
  // The static key is a service account: it sees every team, with the scopes it was given.
  const staticViewer = staticKey
    ? makeViewer({
        role: 'SYSTEM_ADMIN',
        scopes: staticKey.scopes,
        teamId: null,
        authMethod: 'API_KEY',
        userId: null,
        mintedBy: mintingFingerprint('static-api-key', staticKey.key),
      })
    : null;
  const configured = new Set(minters);
  const isStaticKey = staticKey ? constantTimeMatcher(staticKey.key) : () => false;
  return {
    name: NAME,
    // Without the header it answers at once: the chain asks it on every request.
    authenticate: (request) => {
      const presented = request.headers.get('x-api-key');
      if (presented === null) return null;
      return issuedKeyViewer(presented);
    },
  };

  async function issuedKeyViewer(presented: string) {
    const secret = presented.trim();
    if (staticViewer && isStaticKey(secret)) return staticViewer;
    if (!ISSUED_KEY_SHAPE.test(secret)) throw new CredentialRejected(NAME, 'Invalid API key.');
    const found = await findApiKeyBySecret(db, secret);
    if (!found) throw new CredentialRejected(NAME, 'Invalid API key.');
    const { key, creator } = found;
    if (key.revokedAt !== null) throw new CredentialRejected(NAME, 'This API key has been revoked.');
    if (key.expiresAt !== null && Date.parse(key.expiresAt) <= Date.now()) {
      throw new CredentialRejected(NAME, 'This API key has expired.');
    }
    if (!mintedBySecretsStillConfigured(key.mintedBy, configured)) {
      throw new CredentialRejected(
        NAME,
        'This API key was minted with a configured secret (Enterprise PAT or static API key) that has since been changed or removed; it no longer works.',
      );
    }
    if (key.userId !== null && creator === null) throw new CredentialRejected(NAME, 'Invalid API key.');
    const user = creator ? toUser(creator) : null;
    // A key acts in the team it was issued in; if its creator is now in another team, the
    // creator's current role says nothing about that team, so the key is refused.
    if (user && user.teamId !== key.teamId) {
      throw new CredentialRejected(NAME, "This API key was issued in a team its creator is no longer acting in.");
    }
    const role = user ? user.role : key.creatorRole;
    // A key minted in zero-auth mode acts as LOCAL_ADMIN (every team); no identity is that
    // once auth is on. Handing team local to a team (sign-up adoption, adopt-local-team) makes
    // it a key of that team.
    if (role === 'LOCAL_ADMIN') {
      throw new CredentialRejected(NAME, 'This API key was made in zero-auth mode; hand team local to a team first (skillmeat-admin adopt-local-team).');
    }
    const held = new Set(ROLE_SCOPES[role]);
    lastUsed.touch(key.id);
    return makeViewer({
      role,
      scopes: key.scopes.filter((s) => held.has(s)),
      teamId: key.teamId,
      authMethod: 'API_KEY',
      userId: user?.id ?? null,
      mintedBy: key.mintedBy,
    });
  }
}
