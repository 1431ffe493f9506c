/** Enterprise PAT: a Bearer token equal to SKILLMEAT_ENTERPRISE_PAT_SECRET is SYSTEM_ADMIN. */
import { mintingFingerprint } from '../minting-secrets.js';
import { constantTimeDigestMatcher } from '../../secrets.js';
import { bearerDigest, type AuthStrategy } from '../strategy.js';
import { makeViewer } from '../../vocabulary/viewer.js';

export function enterprisePatStrategy(secret: string): AuthStrategy {
  const matches = constantTimeDigestMatcher(secret);
  const viewer = makeViewer({
    role: 'SYSTEM_ADMIN',
    teamId: null,
    authMethod: 'ENTERPRISE_PAT',
    userId: null,
    mintedBy: mintingFingerprint('enterprise-pat', secret),
  });
  return {
    name: 'enterprise-pat',
    // Not equal is "not mine": the next Bearer strategy decides, and an unclaimed token is a 401.
    authenticate: (request) => {
      const digest = bearerDigest(request);
      return digest !== null && matches(digest) ? viewer : null;
    },
  };
}
