/**
 * The auth strategy chain: the ordered list of strategies, and nothing else. The first
 * strategy that recognises its credential decides; a bad credential throws and stops the chain.
 */
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import type { AuthStrategy } from './strategy.js';
import { zeroAuthStrategy } from './strategies/zero-auth.js';
import type { Viewer } from './viewer.js';

export type AuthChain = (request: Request) => Promise<Viewer | null>;

export async function createAuthChain(config: Config, db: Db): Promise<AuthChain> {
  const strategies: AuthStrategy[] = [];
  // Last link: no credential at all. Auth disabled → local admin; enabled → unauthenticated (null).
  if (!config.authEnabled) strategies.push(await zeroAuthStrategy(db));

  return async (request) => {
    for (const strategy of strategies) {
      const viewer = await strategy(request);
      if (viewer) return viewer;
    }
    return null;
  };
}
