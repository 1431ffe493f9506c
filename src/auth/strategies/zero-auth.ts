/** Zero-auth: with auth disabled, every request is the local admin of team `local`. */
import type { Db } from '../../db/database.js';
import { upsertUser } from '../../db/users.js';
import type { AuthStrategy } from '../strategy.js';
import { LOCAL_SUBJECT, LOCAL_TEAM, makeViewer } from '../../vocabulary/viewer.js';

/** Ensures the local user exists (it owns what is created in zero-auth mode) and returns the strategy. */
export async function zeroAuthStrategy(db: Db): Promise<AuthStrategy> {
  const user = await upsertUser(db, { subject: LOCAL_SUBJECT, name: 'Local admin', role: 'LOCAL_ADMIN', teamId: LOCAL_TEAM });
  const viewer = makeViewer({ role: 'LOCAL_ADMIN', teamId: LOCAL_TEAM, authMethod: 'ZERO_AUTH', userId: user.id });
  return { name: 'zero-auth', authenticate: () => viewer };
}
