/**
 * How the JWT strategy verifies the local provider's own access tokens: this server's keys,
 * its issuer and audience, and the user and session from the database (not from the claims),
 * so a revoked session or a deleted user stops its access tokens at once.
 */
import type { Db } from '../../db/database.js';
import { findUserBySubject } from '../../db/users.js';
import { CredentialRejected } from '../strategy.js';
import type { JwtVerification } from '../strategies/jwt.js';
import { isSessionActive, LOCAL_AUDIENCE } from './sessions.js';
import type { LocalSigningKeys } from './signing-keys.js';

export function localVerification(db: Db, keys: LocalSigningKeys, issuer: () => string): JwtVerification {
  return {
    getKey: keys.getKey,
    issuer,
    audience: LOCAL_AUDIENCE,
    userFromToken: async (payload) => {
      const sessionId = typeof payload.sid === 'string' ? payload.sid : null;
      if (sessionId === null || !(await isSessionActive(db, sessionId))) {
        throw new CredentialRejected('jwt', 'The session has ended; sign in again.');
      }
      const user = typeof payload.sub === 'string' ? await findUserBySubject(db, payload.sub) : null;
      if (!user) throw new CredentialRejected('jwt', 'The account no longer exists.');
      return { user, sessionId };
    },
  };
}
