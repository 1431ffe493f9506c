/**
 * The configuration and database skillmeat-admin acts on: the server's own (src/config.ts reads
 * the same environment, DATABASE_URL first), opened like the server opens it.
 */
import { CliError, ExitCode, usageError } from '../cli/exit-codes.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { createDatabase, type Database } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';

export function adminConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) throw usageError(`configuration error: ${error.message}`);
    throw error;
  }
}

/** Error codes that mean the database could not be reached or opened at all. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'SQLITE_CANTOPEN',
  'SQLITE_NOTADB',
  'SQLITE_READONLY',
  '28P01', // PostgreSQL: password authentication failed
  '28000', // invalid authorization
  '3D000', // database does not exist
  '3F000', // schema does not exist
]);

export function describeTarget(config: Config): string {
  if (config.database.dialect === 'sqlite') return `SQLite ${config.database.url}`;
  const url = new URL(config.database.url);
  return `PostgreSQL ${url.host}${url.pathname}`;
}

/** A failure to reach the database as exit 4; anything else as it is. */
export function asUnreachable(error: unknown, config: Config): unknown {
  if (error instanceof CliError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  // migrateToLatest reports a failure to connect in its message, without the code.
  const named = [...UNREACHABLE_CODES].some((c) => /^[A-Z_]+$/.test(c) && message.includes(c));
  if ((typeof code === 'string' && UNREACHABLE_CODES.has(code)) || named || /timeout exceeded when trying to connect|Connection terminated|password authentication failed|database ".*" does not exist/i.test(message)) {
    return new CliError(`cannot reach the database (${describeTarget(config)}): ${message}`, ExitCode.UNREACHABLE);
  }
  return error;
}

/**
 * Opens the database, migrates it to the latest version as the server does on start (unless
 * `migrate` is false), runs `work`, and closes it whatever happens.
 */
export async function withDatabase<T>(config: Config, work: (database: Database) => Promise<T>, options: { migrate?: boolean } = {}): Promise<T> {
  let database: Database;
  try {
    database = createDatabase(config.database);
  } catch (error) {
    throw asUnreachable(error, config);
  }
  try {
    if (options.migrate !== false) {
      await migrateToLatest(database.db, config.database.schema);
    }
    return await work(database);
  } catch (error) {
    throw asUnreachable(error, config);
  } finally {
    await database.close().catch(() => {});
  }
}
