/**
 * The auth strategy chain: the ordered list of strategies, and how it is run. The first
 * strategy that recognises its credential decides; a bad credential stops the chain with 401,
 * and a credential no strategy recognises is a 401 too — never a fall-through to a weaker one.
 */
import type { Config } from '../config.js';
import { recordApiKeyUse } from '../db/api-keys.js';
import { audit } from '../db/audit.js';
import type { Db } from '../db/database.js';
import { unauthenticated } from '../errors.js';
import type { Logger } from '../logger.js';
import { LastUsedRecorder } from './last-used.js';
import { configuredMinters } from './minting-secrets.js';
import { apiKeyStrategy } from './strategies/api-key.js';
import { enterprisePatStrategy } from './strategies/enterprise-pat.js';
import { recordPersonalAccessTokenUse } from '../db/personal-access-tokens.js';
import { localVerification } from './local/local-verification.js';
import type { LocalSigningKeys } from './local/signing-keys.js';
import { clerkVerification, jwtStrategy, type JwksOptions, type JwtVerification } from './strategies/jwt.js';
import { personalAccessTokenStrategy } from './strategies/personal-access-token.js';
import { zeroAuthStrategy } from './strategies/zero-auth.js';
import { CredentialRejected, type AuthStrategy } from './strategy.js';
import type { Viewer } from '../vocabulary/viewer.js';

export interface AuthChain {
  /** The Viewer, or null for a request with no credential when auth is enabled. Throws UNAUTHENTICATED. */
  resolve(request: Request, address: string | null): Promise<Viewer | null>;
  /** Waits for background writes (last-used stamps, audit rows). */
  flush(): Promise<void>;
}

export interface ChainOptions {
  jwks?: JwksOptions;
  /** Provider local: this server's signing keys and issuer. */
  local?: { keys: LocalSigningKeys; issuer: () => string };
}

const CLERK_VIEWER_CACHE_MS = 5_000;

interface Recorders {
  apiKeys: LastUsedRecorder;
  personalAccessTokens: LastUsedRecorder;
}

function jwtVerificationFor(config: Config, db: Db, options: ChainOptions): JwtVerification | null {
  if (config.clerk) return clerkVerification(db, config.clerk, options.jwks);
  if (config.authProvider === 'local' && options.local) return localVerification(db, options.local.keys, options.local.issuer);
  return null;
}

async function strategiesFor(config: Config, db: Db, recorders: Recorders, options: ChainOptions): Promise<AuthStrategy[]> {
  if (!config.authEnabled) return [await zeroAuthStrategy(db)];
  const jwt = jwtVerificationFor(config, db, options);
  return [
    apiKeyStrategy(db, config.staticApiKey, recorders.apiKeys, configuredMinters(config)),
    ...(config.enterprisePatSecret ? [enterprisePatStrategy(config.enterprisePatSecret)] : []),
    personalAccessTokenStrategy(db, recorders.personalAccessTokens),
    // Tokens of an outside issuer are claims-only: their Viewer is reused for a few seconds.
    ...(jwt ? [jwtStrategy(jwt, config.jwtClockSkewSeconds, config.clerk ? CLERK_VIEWER_CACHE_MS : 0)] : []),
  ];
}

export async function createAuthChain(config: Config, db: Db, logger: Logger, options: ChainOptions = {}): Promise<AuthChain> {
  const background = new Set<Promise<unknown>>();
  const inBackground = (work: Promise<unknown>) => {
    const tracked = work.catch((error: unknown) => logger.warn({ err: error }, 'auth background write failed'));
    background.add(tracked);
    void tracked.finally(() => background.delete(tracked));
  };
  const recorders: Recorders = {
    apiKeys: new LastUsedRecorder(
      (id, at) =>
        recordApiKeyUse(db, id, at).then(() =>
          audit(db, { event: 'api_key.used', outcome: 'success', strategy: 'api-key', target: `api_key:${id}` }),
        ),
      logger,
    ),
    personalAccessTokens: new LastUsedRecorder(
      (id, at) =>
        recordPersonalAccessTokenUse(db, id, at).then(() =>
          audit(db, { event: 'pat.used', outcome: 'success', strategy: 'personal-access-token', target: `pat:${id}` }),
        ),
      logger,
    ),
  };
  const strategies = await strategiesFor(config, db, recorders, options);

  const debugEnabled = () => logger.isLevelEnabled('debug');
  const reject = (strategy: string, reason: string, address: string | null) => {
    logger.debug({ strategy, outcome: 'rejected', reason }, 'auth decision');
    inBackground(audit(db, { event: 'auth.failure', outcome: 'failure', strategy, reason, address }));
    return unauthenticated(reason, { invalidToken: true });
  };

  return {
    async resolve(request, address) {
      try {
        for (const strategy of strategies) {
          // A strategy that answers at once (no credential of its kind, a cached Viewer) is not awaited.
          const answer = strategy.authenticate(request);
          const viewer = answer instanceof Promise ? await answer : answer;
          if (viewer) {
            // The line's fields are only built when it is written (not at the default level).
            if (debugEnabled()) {
              logger.debug(
                { strategy: strategy.name, outcome: 'accepted', role: viewer.role, teamId: viewer.teamId, scopes: [...viewer.scopes] },
                'auth decision',
              );
            }
            return viewer;
          }
        }
      } catch (error) {
        if (error instanceof CredentialRejected) throw reject(error.strategy, error.reason, address);
        throw error;
      }
      if (request.headers.has('authorization') || request.headers.has('x-api-key')) {
        throw reject('bearer', 'The bearer token is not one this server accepts.', address);
      }
      logger.debug({ outcome: 'anonymous' }, 'auth decision');
      return null;
    },
    flush: async () => {
      await recorders.apiKeys.flush();
      await recorders.personalAccessTokens.flush();
      await Promise.all([...background]);
    },
  };
}
