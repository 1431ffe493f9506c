/**
 * Personal access tokens: a Bearer token with the `smp_` prefix, resolved before JWTs. It acts
 * as its owner, narrowed to the token's scopes (and to what the owner holds now).
 */
import type { Db } from '../../db/database.js';
import { findPersonalAccessToken, PAT_KIND } from '../../db/personal-access-tokens.js';
import { userById } from '../../db/accounts.js';
import type { LastUsedRecorder } from '../last-used.js';
import { ROLE_SCOPES } from '../../vocabulary/scopes.js';
import { bearerToken, CredentialRejected, type AuthStrategy } from '../strategy.js';
import { makeViewer } from '../../vocabulary/viewer.js';

const NAME = 'personal-access-token';
const SHAPE = new RegExp(`^${PAT_KIND}_[A-Za-z0-9_-]{43}$`);

export function personalAccessTokenStrategy(db: Db, lastUsed: LastUsedRecorder): AuthStrategy {
  return {
    name: NAME,
    // A request without a token of this kind is answered at once: the chain asks on every request.
    authenticate: (request) => {
      const token = bearerToken(request);
      if (token === null || !token.startsWith(`${PAT_KIND}_`)) return null;
      return tokenViewer(token);
    },
  };

  async function tokenViewer(token: string) {
    if (!SHAPE.test(token)) throw new CredentialRejected(NAME, 'Invalid personal access token.');
    const pat = await findPersonalAccessToken(db, token);
    if (!pat) throw new CredentialRejected(NAME, 'Invalid personal access token.');
    if (pat.revokedAt !== null) throw new CredentialRejected(NAME, 'This personal access token has been revoked.');
    if (pat.expiresAt !== null && Date.parse(pat.expiresAt) <= Date.now()) {
      throw new CredentialRejected(NAME, 'This personal access token has expired.');
    }
    const owner = await userById(db, pat.userId);
    if (!owner) throw new CredentialRejected(NAME, 'Invalid personal access token.');
    const held = new Set(ROLE_SCOPES[owner.role]);
    lastUsed.touch(pat.id);
    return makeViewer({
      role: owner.role,
      scopes: pat.scopes.filter((s) => held.has(s)),
      teamId: owner.teamId,
      authMethod: 'PERSONAL_ACCESS_TOKEN',
      userId: owner.id,
    });
  }
}
