/**
 * Starting and stopping the whole server: open and migrate the database, build the auth chain,
 * listen, and on close stop accepting, let in-flight requests finish, then close the database.
 * Used by src/main.ts and by the tests (which listen on port 0).
 */
import type { AddressInfo } from 'node:net';
import { createAuthChain } from './auth/chain.js';
import { createLocalIdentityProvider } from './auth/local/identity-provider.js';
import type { JwksOptions } from './auth/strategies/jwt.js';
import type { Config } from './config.js';
import { lookAlikeAccounts } from './db/accounts.js';
import { createDatabase, type Database, type DatabaseOptions } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { bindLegacyApiKeys } from './db/api-keys.js';
import { configuredMinters } from './auth/minting-secrets.js';
import { createLogger, type Logger } from './logger.js';
import { createServer, type SkillmeatServer } from './server.js';

const OPTIMIZE_EVERY_MS = 60 * 60 * 1000;

export interface App {
  readonly url: string;
  readonly server: SkillmeatServer;
  readonly database: Database;
  readonly logger: Logger;
  /** Waits for background auth writes (last-used stamps, audit rows). */
  flushBackground(): Promise<void>;
  /** Graceful stop; connections still open after `graceMs` are cut. Idempotent. */
  close(graceMs?: number): Promise<void>;
}

export interface AppOptions extends DatabaseOptions {
  logger?: Logger;
  /** JWKS fetch timing for the clerk provider (tests shorten the cooldown). */
  jwks?: JwksOptions;
  /** False: every request goes through Yoga's fetch layer (see src/http/graphql-post.ts). */
  directGraphQLPost?: boolean;
  /** False: every query through the resolvers (see src/plugins/sql-execution.ts). */
  sqlExecution?: boolean;
}

export async function startApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const database = createDatabase(config.database, {
    timeouts: config.databaseTimeouts,
    onConnectionError: (error) => logger.warn({ err: error }, 'database connection failed; the pool replaces it'),
    ...options,
  });
  let optimizer: NodeJS.Timeout | undefined;
  try {
    const applied = await migrateToLatest(database.db, config.database.schema);
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
    const bound = await bindLegacyApiKeys(database.db, configuredMinters(config));
    if (bound > 0) logger.info({ apiKeys: bound }, 'API keys minted by a configured secret before migration 0005 are now bound to the secrets configured now');
    // Look-alike accounts from before migration 0006 are not merged: named here at every start
    // (ids and a masked address only) until an admin has dealt with them.
    for (const group of await lookAlikeAccounts(database.db)) {
      logger.warn(
        { userIds: group.userIds, email: group.masked },
        'accounts whose emails are one address in different Unicode forms (made before migration 0006); both still log in, by the form each signed up with, until an admin removes or merges them',
      );
    }
    // Planner statistics for the tables as they are now, then hourly as the data grows.
    await database.optimize();
    optimizer = setInterval(() => {
      database.optimize().catch((error: unknown) => logger.warn({ err: error }, 'refreshing planner statistics failed'));
    }, OPTIMIZE_EVERY_MS);
    optimizer.unref();
    // The public URL is known once the server listens (port 0 in tests), unless configured.
    let publicUrl = config.publicUrl ?? '';
    const issuer = () => publicUrl;
    const idp =
      config.authEnabled && config.authProvider === 'local'
        ? await createLocalIdentityProvider(database, { issuer, signupEnabled: config.signupEnabled })
        : null;
    const authChain = await createAuthChain(config, database.db, logger, {
      ...(options.jwks ? { jwks: options.jwks } : {}),
      ...(idp ? { local: { keys: idp.keys, issuer } } : {}),
    });
    const server = createServer({
      config,
      database,
      authChain,
      logger,
      idp,
      ...(options.directGraphQLPost === undefined ? {} : { directGraphQLPost: options.directGraphQLPost }),
      ...(options.sqlExecution === undefined ? {} : { sqlExecution: options.sqlExecution }),
    });
    await new Promise<void>((resolve, reject) => {
      server.http.once('error', reject);
      server.http.listen(config.port, config.host, () => {
        server.http.off('error', reject);
        const { port } = server.http.address() as AddressInfo;
        const host = config.host.includes(':') ? `[${config.host}]` : config.host;
        publicUrl ||= `http://${host}:${port}`;
        resolve();
      });
    });
    const { port } = server.http.address() as AddressInfo;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    logger.info({ url: `${url}/graphql`, database: database.dialect, auth: config.authEnabled }, 'listening');

    let closing: Promise<void> | undefined;
    const close = (graceMs = 10_000) =>
      (closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.http.close(() => resolve()));
        server.http.closeIdleConnections();
        const timer = setTimeout(() => server.http.closeAllConnections(), graceMs);
        await stopped;
        clearTimeout(timer);
        await authChain.flush();
        clearInterval(optimizer);
        await database.close();
        logger.info('stopped');
      })());
    return { url, server, database, logger, flushBackground: () => authChain.flush(), close };
  } catch (error) {
    clearInterval(optimizer);
    await database.close().catch(() => {});
    throw error;
  }
}
