/**
 * A real server on a loopback port for a test: the same startApp as `npm start`, with a fresh
 * database of the chosen dialect and a statement counter for N+1 tests.
 */
import { startApp, type App } from '../../src/app.js';
import { loadConfig, type Config, type DatabaseConfig } from '../../src/config.js';
import type { DatabaseDialect } from '../../src/config.js';
import type { JwksOptions } from '../../src/auth/strategies/jwt.js';
import { createLogger } from '../../src/logger.js';
import type { Logger } from 'pino';
import { createTestDatabase, type TestDatabase } from './databases.js';

export interface TestServer {
  app: App;
  url: string;
  config: Config;
  database: TestDatabase;
  /** SQL statements executed since the last reset. */
  statements: string[];
  /** Stops the server; keeps the database unless `drop` is true. */
  stop(options?: { drop?: boolean }): Promise<void>;
}

export interface TestServerOptions {
  dialect?: DatabaseDialect;
  /** Reuse a database (e.g. to restart on the same file); a fresh one otherwise. */
  database?: TestDatabase;
  /** Extra environment, as the server would read it (SKILLMEAT_* variables). */
  env?: Record<string, string>;
  /** JWKS timing for the clerk provider; the defaults are the server's own. */
  jwks?: JwksOptions;
  /** False: every request through Yoga's fetch layer (src/http/graphql-post.ts off). */
  directGraphQLPost?: boolean;
  /** False: every query through the resolvers (src/plugins/sql-execution.ts off). */
  sqlExecution?: boolean;
  /** The server's logger (default: the configured level, to stdout). */
  logger?: Logger;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = options.database ?? (await createTestDatabase(options.dialect ?? 'sqlite'));
  const base = loadConfig({ HOST: '127.0.0.1', PORT: '0', SKILLMEAT_LOG_LEVEL: 'silent', ...options.env });
  const config: Config = { ...base, database: database.config as DatabaseConfig };
  const statements: string[] = [];
  let app: App;
  try {
    app = await startApp(config, {
      logger: options.logger ?? createLogger(config.logLevel),
      onQuery: (sql) => statements.push(sql),
      ...(options.jwks ? { jwks: options.jwks } : {}),
      ...(options.directGraphQLPost === undefined ? {} : { directGraphQLPost: options.directGraphQLPost }),
      ...(options.sqlExecution === undefined ? {} : { sqlExecution: options.sqlExecution }),
    });
  } catch (error) {
    // A database made for this server alone is not left behind when it fails to start.
    if (!options.database) await database.drop().catch(() => {});
    throw error;
  }
  return {
    app,
    url: app.url,
    config,
    database,
    statements,
    stop: async ({ drop = true } = {}) => {
      await app.close(2_000);
      if (drop) await database.drop();
    },
  };
}
