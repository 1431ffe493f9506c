/**
 * The database: one Kysely interface of tables, and the dialect chosen from the config
 * (better-sqlite3 for the embedded default, pg for PostgreSQL).
 */
import type SQLite from 'better-sqlite3';
import { Kysely, type Generated, type Insertable, type LogEvent, type PostgresPool, type PostgresPoolClient, type Selectable } from 'kysely';
import pg from 'pg';
import { DEFAULT_DATABASE_TIMEOUTS, type DatabaseConfig, type DatabaseDialect, type DatabaseTimeouts } from '../config.js';
import { SchemaScopedPostgresDialect } from './postgres-introspector.js';
import { openSqlite, optimizeSqlite, SqliteImmediateDialect, withStatementCache } from './sqlite.js';

import type { Timestamp } from '../datetime.js';

export interface UsersTable {
  id: Generated<number>;
  /** The identity provider's subject (`sub`), or `local` for the zero-auth user. */
  subject: string;
  email: string | null;
  name: string | null;
  /** The role derived from the identity provider's claims (or set at sign-up). */
  role: string;
  /** A role set with setUserRole; wins over `role`. */
  role_override: string | null;
  team_id: string | null;
  /** A team given with setUserRole to a user of no team; used while `team_id` is null. */
  team_override: string | null;
  /** The team `role_override` was granted in; the override holds only there. */
  role_override_team: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ApiKeysTable {
  id: Generated<number>;
  name: string;
  prefix: string;
  secret_hash: string;
  /** JSON array of scope names. */
  scopes: string;
  user_id: number | null;
  creator_role: string;
  team_id: string | null;
  created_at: Timestamp;
  expires_at: Timestamp | null;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  /** The configured secret(s) it was minted by (src/auth/minting-secrets.ts); null: by a user. */
  minted_by: string | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  created_at: Timestamp;
  event: string;
  strategy: string | null;
  outcome: string;
  reason: string | null;
  actor_user_id: number | null;
  team_id: string | null;
  target: string | null;
  address: string | null;
}

export interface ArtifactsTable {
  id: Generated<number>;
  name: string;
  type: string;
  description: string | null;
  /** JSON array of strings, read with the row; artifact_tags mirrors it for filtering. */
  tags: string;
  visibility: string;
  team_id: string | null;
  owner_id: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ArtifactTagsTable {
  artifact_id: number;
  tag: string;
}

export interface CollectionsTable {
  id: Generated<number>;
  name: string;
  description: string | null;
  visibility: string;
  team_id: string | null;
  owner_id: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CollectionArtifactsTable {
  collection_id: number;
  artifact_id: number;
  created_at: Timestamp;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: Timestamp;
}

export interface AccountsTable {
  user_id: number;
  /** The address as stored: foldEmail's form, except for look-alikes migration 0006 left as they were. */
  email: string;
  /** foldEmail(email): what logIn and signUp compare (migration 0006). */
  email_key: string;
  /**
   * 0: the account that holds the address `email_key`; 1, 2, …: a look-alike of it that existed
   * before migration 0006 (the same address in another Unicode form), kept working and named in
   * the start-up log until an admin acts. Unique with email_key, so no new look-alike can be made.
   */
  email_duplicate: Generated<number>;
  password_hash: string;
  created_at: Timestamp;
  password_changed_at: Timestamp;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  public_jwk: string;
  private_jwk: string;
  created_at: Timestamp;
  retired_at: Timestamp | null;
}

export interface RefreshTokensTable {
  id: Generated<number>;
  family_id: string;
  user_id: number;
  token_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  rotated_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface PersonalAccessTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  prefix: string;
  secret_hash: string;
  scopes: string;
  created_at: Timestamp;
  expires_at: Timestamp | null;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface DeviceCodesTable {
  id: Generated<number>;
  device_code_hash: string;
  user_code_hash: string;
  client_id: string;
  status: string;
  user_id: number | null;
  interval_seconds: number;
  created_at: Timestamp;
  expires_at: Timestamp;
  last_polled_at: Timestamp | null;
}

export interface Tables {
  users: UsersTable;
  artifacts: ArtifactsTable;
  artifact_tags: ArtifactTagsTable;
  collections: CollectionsTable;
  collection_artifacts: CollectionArtifactsTable;
  settings: SettingsTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
  accounts: AccountsTable;
  signing_keys: SigningKeysTable;
  refresh_tokens: RefreshTokensTable;
  personal_access_tokens: PersonalAccessTokensTable;
  device_codes: DeviceCodesTable;
}

export type Db = Kysely<Tables>;
export type UserRow = Selectable<UsersTable>;
export type ArtifactRow = Selectable<ArtifactsTable>;
export type NewArtifactRow = Insertable<ArtifactsTable>;
export type CollectionRow = Selectable<CollectionsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type PersonalAccessTokenRow = Selectable<PersonalAccessTokensTable>;
export type DeviceCodeRow = Selectable<DeviceCodesTable>;

/** The driver under Kysely, for the few libraries that take one (the rate limiter's store). */
export type RawClient = { dialect: 'sqlite'; sqlite: SQLite.Database } | { dialect: 'postgres'; pool: pg.Pool };

export interface Database {
  readonly db: Db;
  readonly dialect: DatabaseDialect;
  /** The longest a statement may take (0: no limit); /health/ready waits no longer for `select 1`. */
  readonly statementTimeoutMs: number;
  readonly raw: RawClient;
  /** Refreshes the query planner's statistics where stale (SQLite's PRAGMA optimize). */
  optimize(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** Called once per SQL statement executed (tests count statements with it). */
  onQuery?: (sql: string, parameters: readonly unknown[]) => void;
  /** PostgreSQL: statement and connection timeouts (the config's; DEFAULT_DATABASE_TIMEOUTS otherwise). */
  timeouts?: DatabaseTimeouts;
  /** PostgreSQL: a connection failed (dropped, reset, timed out); the pool replaces it. */
  onConnectionError?: (error: Error) => void;
}

/** Margin past the server-side statement_timeout before the client gives up on an answer itself. */
const CLIENT_TIMEOUT_MARGIN_MS = 1000;

/**
 * The pool as Kysely sees it: a client whose statement failed other than by PostgreSQL's own
 * answer (the connection dropped, or no answer within query_timeout: a hung server or a network
 * that swallows packets) goes back to the pool as broken, so the pool closes it rather than lend
 * it again. pg would otherwise keep a timed-out client, its unanswered query still ahead of
 * whatever is sent next, and every later statement on it would wait out the timeout too.
 */
function discardingBrokenClients(pool: pg.Pool): PostgresPool {
  return {
    connect: async () => {
      const client = await pool.connect();
      let broken: Error | undefined;
      const query = ((...args: [string, unknown[]]) => {
        const result = client.query(...args) as unknown;
        if (result instanceof Promise) {
          return result.catch((error: unknown) => {
            if (!(error instanceof pg.DatabaseError)) broken = error instanceof Error ? error : new Error(String(error));
            throw error;
          });
        }
        return result;
      }) as PostgresPoolClient['query'];
      return { query, release: () => client.release(broken) };
    },
    end: () => pool.end(),
  };
}


export function createDatabase(config: DatabaseConfig, options: DatabaseOptions = {}): Database {
  const log = options.onQuery
    ? (event: LogEvent) => {
        if (event.level === 'query') options.onQuery?.(event.query.sql, event.query.parameters);
      }
    : undefined;
  if (config.dialect === 'postgres') {
    const { statementMs, connectMs } = options.timeouts ?? DEFAULT_DATABASE_TIMEOUTS;
    const pool = new pg.Pool({
      connectionString: config.url,
      max: 10,
      // Opening a connection, and waiting for a free one: a server that accepts but never answers
      // fails here instead of holding the request (0: no limit, pg's own default).
      connectionTimeoutMillis: connectMs,
      keepAlive: true,
      // PostgreSQL cancels a statement past this itself (the connection stays usable); the
      // client stops waiting a moment later when no answer comes at all.
      ...(statementMs > 0 ? { statement_timeout: statementMs, query_timeout: statementMs + CLIENT_TIMEOUT_MARGIN_MS } : {}),
      ...(config.schema ? { options: `-c search_path=${config.schema}` } : {}),
    });
    const failed = (error: Error) => options.onConnectionError?.(error);
    // A connection that drops must not crash the process ("Unhandled 'error' event"): the pool's
    // event covers idle clients, the client's own covers one lent out, mid-query, whose query
    // fails with the same error (the request gets a masked INTERNAL_SERVER_ERROR). The pool then
    // replaces it, so the server recovers by itself once the database is back.
    pool.on('error', failed);
    pool.on('connect', (client) => client.on('error', failed));
    const db = new Kysely<Tables>({
      dialect: new SchemaScopedPostgresDialect({ pool: discardingBrokenClients(pool) }, config.schema),
      ...(log ? { log } : {}),
    });
    // PostgreSQL's autovacuum keeps its planner statistics; nothing to do here.
    return {
      db,
      dialect: 'postgres',
      statementTimeoutMs: statementMs,
      raw: { dialect: 'postgres', pool },
      optimize: async () => {},
      close: () => db.destroy(),
    };
  }
  const sqlite = openSqlite(config.url);
  const dialect = new SqliteImmediateDialect({ database: withStatementCache(sqlite) });
  const db = new Kysely<Tables>({ dialect, ...(log ? { log } : {}) });
  return {
    db,
    dialect: 'sqlite',
    // SQLite runs in this process, synchronously: there is no connection to hang.
    statementTimeoutMs: 0,
    raw: { dialect: 'sqlite', sqlite },
    optimize: async () => optimizeSqlite(sqlite),
    close: () => db.destroy(),
  };
}
