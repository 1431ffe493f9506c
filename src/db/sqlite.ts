/**
 * The embedded SQLite database under Kysely: opening the file with the pragmas a server needs,
 * a bounded cache of prepared statements, planner statistics, and BEGIN IMMEDIATE transactions.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type SqliteDatabase,
  type SqliteDialectConfig,
  type SqliteStatement,
} from 'kysely';
import { BUSY_TIMEOUT_MS, LOCK_WAIT_MS, whileBusy } from './sqlite-busy.js';

/** Distinct SQL texts kept prepared; IN lists of many lengths make more, the oldest go first. */
export const STATEMENT_CACHE_SIZE = 500;

export function openSqlite(path: string): SQLite.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SQLite(path);
  // WAL lets readers run beside the writer. While the file is opened, busy_timeout makes a
  // second process wait, not fail; once open, waits for the write lock are short and retried
  // from a timer (src/db/sqlite-busy.ts), so the event loop is never held for long.
  sqlite.pragma(`busy_timeout = ${LOCK_WAIT_MS}`);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // SQLite's own lower() folds ASCII only; search must be case-insensitive for "Über" too.
  sqlite.function('lower', { deterministic: true }, (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value));
  optimizeSqlite(sqlite, { onOpen: true });
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
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
 * A reader's rows as better-sqlite3 arrays, made into objects here: better-sqlite3 builds each
 * row object property by property, which costs more than reading the values and building the
 * objects in this loop (docs/performance.md). Column names are read once
 * per schema version (after the statement ran, when SQLite has re-prepared it for a new
 * schema), so a migration, here or in another process, never leaves stale names behind.
 * Duplicate names behave as in better-sqlite3: the last column wins.
 */
class CachedStatement implements SqliteStatement {
  private names: string[] = [];
  private namesAt = -1;

  constructor(
    readonly statement: SQLite.Statement,
    private readonly schemaVersion: () => number,
  ) {}

  get reader(): boolean {
    return this.statement.reader;
  }

  all(parameters: ReadonlyArray<unknown>): unknown[] {
    if (!this.statement.reader) return this.statement.all(parameters);
    const version = this.schemaVersion();
    let rows: unknown[][];
    this.statement.raw(true);
    try {
      rows = this.statement.all(parameters) as unknown[][];
    } finally {
      this.statement.raw(false);
    }
    if (version !== this.namesAt || (rows.length > 0 && rows[0]!.length !== this.names.length)) {
      this.names = this.statement.columns().map((column) => column.name);
      this.namesAt = version;
    }
    const names = this.names;
    const objects = new Array<Record<string, unknown>>(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const values = rows[r]!;
      const row: Record<string, unknown> = {};
      for (let c = 0; c < names.length; c++) row[names[c]!] = values[c];
      objects[r] = row;
    }
    return objects;
  }

  run(parameters: ReadonlyArray<unknown>): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return this.statement.run(parameters);
  }

  iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    return this.statement.iterate(parameters);
  }
}

/**
 * better-sqlite3 behind Kysely, preparing each distinct SQL text once (Kysely asks for a new
 * statement on every query). A statement still being iterated is busy; then a fresh one is made.
 */
export function withStatementCache(sqlite: SQLite.Database, size = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const statements = new Map<string, CachedStatement>();
  const version = sqlite.prepare('pragma schema_version').pluck();
  const schemaVersion = () => version.get() as number;
  return {
    close: () => {
      statements.clear();
      sqlite.close();
    },
    prepare: (sql) => {
      const cached = statements.get(sql);
      if (cached && !cached.statement.busy) {
        // Most recently used last: a Map iterates in insertion order.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = new CachedStatement(sqlite.prepare(sql), schemaVersion);
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
  private waiting: DatabaseConnection | undefined;

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  /** The one connection, its statements retried from a timer while the write lock is taken. */
  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    return (this.waiting ??= {
      executeQuery: (query) => whileBusy(() => connection.executeQuery(query)),
      streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
    });
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
