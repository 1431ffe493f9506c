/**
 * The embedded SQLite database under Kysely: opening the file with the pragmas a server needs,
 * a bounded cache of prepared statements, planner statistics, and BEGIN IMMEDIATE transactions.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type SqliteDatabase, type SqliteDialectConfig } from 'kysely';

/** Distinct SQL texts kept prepared; IN lists of many lengths make more, the oldest go first. */
export const STATEMENT_CACHE_SIZE = 500;

export function openSqlite(path: string): SQLite.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SQLite(path);
  // WAL lets readers run beside the writer; busy_timeout makes a second process wait, not fail.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // SQLite's own lower() folds ASCII only; search must be case-insensitive for "Über" too.
  sqlite.function('lower', { deterministic: true }, (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value));
  optimizeSqlite(sqlite, { onOpen: true });
  return sqlite;
}

/**
 * Refreshes the planner's statistics (sqlite_stat1) where they are missing or stale, as SQLite
 * advises: with 0x10002 when a long-lived connection opens, plainly now and then after. Without
 * them the tenancy filter `visibility = 'PUBLIC' or team_id = ?` is planned as a merge of two
 * index searches and a sort of every visible row, instead of a walk in id order that stops at
 * the page size. Bounded work: optimize samples at most a few thousand rows per index.
 */
export function optimizeSqlite(sqlite: SQLite.Database, { onOpen = false } = {}): void {
  sqlite.pragma(onOpen ? 'optimize = 0x10002' : 'optimize');
}

/**
 * better-sqlite3 behind Kysely, preparing each distinct SQL text once (Kysely asks for a new
 * statement on every query). A statement still being iterated is busy; then a fresh one is made.
 */
export function withStatementCache(sqlite: SQLite.Database, size = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => {
      statements.clear();
      sqlite.close();
    },
    prepare: (sql) => {
      const cached = statements.get(sql);
      if (cached && !cached.busy) {
        // Most recently used last: a Map iterates in insertion order.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = sqlite.prepare(sql);
      if (cached) return statement;
      statements.set(sql, statement);
      if (statements.size > size) statements.delete(statements.keys().next().value!);
      return statement;
    },
  };
}

/**
 * Transactions take SQLite's write lock when they begin (BEGIN IMMEDIATE). With plain BEGIN, two
 * processes on one file (SKILLMEAT_WORKERS, replicas) that both read and then write deadlock on
 * the lock upgrade, and SQLite answers SQLITE_BUSY at once instead of waiting busy_timeout.
 */
class ImmediateTransactionDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

export class SqliteImmediateDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver(): SqliteDriver {
    return new ImmediateTransactionDriver(this.settings);
  }
}
