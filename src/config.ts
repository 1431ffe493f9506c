/**
 * The one place that reads process.env: parses and validates the environment into a typed,
 * frozen Config. A mistake throws ConfigError naming the variable, so the process can print
 * one clear line and exit.
 */
import { isIP } from 'node:net';
import { isScope, type Scope } from './vocabulary/scopes.js';
import { ManifestError, readManifest, type TrustedDocuments } from './persisted-documents.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type DatabaseDialect = 'sqlite' | 'postgres';

export interface DatabaseConfig {
  readonly dialect: DatabaseDialect;
  /** A filesystem path (or ':memory:') for sqlite; the connection string for postgres. */
  readonly url: string;
  /** For postgres: the schema to use (tests run each suite in its own schema). */
  readonly schema?: string;
}

/** PostgreSQL only: how long a statement, and getting a connection, may take (0: no limit). */
export interface DatabaseTimeouts {
  /** SKILLMEAT_DB_STATEMENT_TIMEOUT_MS: each statement, and the /health/ready probe. */
  readonly statementMs: number;
  /** SKILLMEAT_DB_CONNECT_TIMEOUT_MS: opening a connection, or waiting for a free one in the pool. */
  readonly connectMs: number;
}

export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = Object.freeze({ statementMs: 5000, connectMs: 5000 });

export type AuthProvider = 'local' | 'clerk';

export interface ClerkConfig {
  readonly jwksUrl: string;
  readonly issuer: string;
  /** When set, a token's `aud` must contain it. */
  readonly audience: string | null;
}

export interface StaticApiKeyConfig {
  readonly key: string;
  readonly scopes: readonly Scope[];
}

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly database: DatabaseConfig;
  /** SKILLMEAT_DB_STATEMENT_TIMEOUT_MS, SKILLMEAT_DB_CONNECT_TIMEOUT_MS (PostgreSQL). */
  readonly databaseTimeouts: DatabaseTimeouts;
  readonly logLevel: LogLevel;
  readonly authEnabled: boolean;
  readonly authProvider: AuthProvider;
  /** Present when the provider is clerk. */
  readonly clerk: ClerkConfig | null;
  readonly enterprisePatSecret: string | null;
  /** Present when SKILLMEAT_API_KEY_ENABLED is true. */
  readonly staticApiKey: StaticApiKeyConfig | null;
  readonly allowPublicZeroAuth: boolean;
  /** Provider local: whether signUp is open (SKILLMEAT_SIGNUP_ENABLED, default true). */
  readonly signupEnabled: boolean;
  /**
   * The URL people and clients reach this server at (SKILLMEAT_PUBLIC_URL): the issuer of local
   * tokens and the base of the device verification URI. Null: derived from HOST and the port.
   */
  readonly publicUrl: string | null;
  /** SKILLMEAT_WORKERS: processes serving the port (node:cluster); 1 = this process alone. */
  readonly workers: number;
  /**
   * SKILLMEAT_SQL_EXECUTION (default true): read queries the fast path can plan are answered from
   * rows, on either database (src/plugins/sql-execution.ts); false runs every query through the resolvers.
   */
  readonly sqlExecution: boolean;
  /**
   * SKILLMEAT_CORS_ORIGINS: the exact origins (`https://app.example`) whose pages may call this
   * server from a browser, with credentials (src/http/cors.ts). Empty: CORS is off.
   */
  readonly corsOrigins: readonly string[];
  /**
   * SKILLMEAT_ALLOWED_HOSTS: Host header names (`name` or `name:port`, lowercased) served beside
   * the loopback names, HOST and the public URL's host (src/http/allowed-hosts.ts). Null when unset:
   * zero-auth then serves those alone, auth enabled serves any Host.
   */
  readonly allowedHosts: readonly string[] | null;
  /**
   * SKILLMEAT_TRUSTED_DOCUMENTS: a persisted-documents.json manifest; when set, only its documents
   * run, except for SYSTEM_ADMIN and LOCAL_ADMIN callers (src/plugins/trusted-documents.ts). Null
   * when unset: any document runs, and the built-in manifest's by documentId too.
   */
  readonly trustedDocuments: TrustedDocumentsConfig | null;
  /**
   * SKILLMEAT_JWT_CLOCK_SKEW_SECONDS (default 60, 0–300): the one allowance for clocks that
   * disagree, applied to a JWT's exp, nbf and iat alike (src/auth/strategies/jwt.ts).
   */
  readonly jwtClockSkewSeconds: number;
}

export interface TrustedDocumentsConfig {
  /** The manifest's path, as given. */
  readonly path: string;
  readonly documents: TrustedDocuments;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

type Env = Readonly<Record<string, string | undefined>>;

function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

function readPort(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) {
    throw new ConfigError(`${name} must be a port number between 0 and 65535, got "${raw}"`);
  }
  return port;
}

/** `postgres://…` → PostgreSQL; a path, `file:` URL or `:memory:` → SQLite. */
export function parseDatabaseUrl(raw: string | undefined, name = 'DATABASE_URL'): DatabaseConfig {
  const value = raw?.trim();
  if (value === undefined || value === '') return { dialect: 'sqlite', url: './data/skillmeat.db' };
  if (/^postgres(ql)?:\/\//i.test(value)) {
    try {
      new URL(value);
    } catch {
      throw new ConfigError(`${name} is not a valid postgres:// URL`);
    }
    return { dialect: 'postgres', url: value };
  }
  if (value.startsWith('file:')) {
    const path = value.startsWith('file://') ? new URL(value).pathname : value.slice('file:'.length);
    if (path === '') throw new ConfigError(`${name} file: URL has no path`);
    return { dialect: 'sqlite', url: decodeURIComponent(path) };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new ConfigError(`${name} must be a SQLite path, a file: URL or a postgres:// URL`);
  }
  return { dialect: 'sqlite', url: value };
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

export const MIN_ENTERPRISE_PAT_SECRET_LENGTH = 32;
export const MIN_STATIC_API_KEY_LENGTH = 24;
const DEFAULT_STATIC_KEY_SCOPES = 'artifacts:read artifacts:write collections:read collections:write';

function readScopes(env: Env, name: string, fallback: string): Scope[] {
  const raw = env[name]?.trim() || fallback;
  const scopes = raw.split(/[\s,]+/).filter(Boolean);
  const unknown = scopes.filter((s) => !isScope(s));
  if (unknown.length > 0) throw new ConfigError(`${name} has an unknown scope "${unknown[0]}"`);
  if (scopes.length === 0) throw new ConfigError(`${name} must name at least one scope`);
  return [...new Set(scopes)] as Scope[];
}

function readUrl(env: Env, name: string): string {
  const raw = env[name]?.trim();
  if (!raw) throw new ConfigError(`${name} is required when SKILLMEAT_AUTH_PROVIDER is clerk and auth is enabled`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an absolute URL, got "${raw}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(`${name} must be an http(s) URL`);
  return raw;
}

function readAuth(env: Env, authEnabled: boolean) {
  const provider = (env.SKILLMEAT_AUTH_PROVIDER?.trim().toLowerCase() || 'local') as AuthProvider;
  if (provider !== 'local' && provider !== 'clerk') {
    throw new ConfigError(`SKILLMEAT_AUTH_PROVIDER must be local or clerk, got "${env.SKILLMEAT_AUTH_PROVIDER}"`);
  }
  const clerk: ClerkConfig | null =
    authEnabled && provider === 'clerk'
      ? {
          jwksUrl: readUrl(env, 'CLERK_JWKS_URL'),
          issuer: env.CLERK_ISSUER?.trim() || (() => {
            throw new ConfigError('CLERK_ISSUER is required when SKILLMEAT_AUTH_PROVIDER is clerk and auth is enabled');
          })(),
          audience: env.CLERK_AUDIENCE?.trim() || null,
        }
      : null;
  const secret = env.SKILLMEAT_ENTERPRISE_PAT_SECRET;
  if (secret !== undefined && secret !== '' && secret.length < MIN_ENTERPRISE_PAT_SECRET_LENGTH) {
    throw new ConfigError(
      `SKILLMEAT_ENTERPRISE_PAT_SECRET must be at least ${MIN_ENTERPRISE_PAT_SECRET_LENGTH} characters, got ${secret.length}`,
    );
  }
  let staticApiKey: StaticApiKeyConfig | null = null;
  if (readBoolean(env, 'SKILLMEAT_API_KEY_ENABLED', false)) {
    const key = env.SKILLMEAT_API_KEY ?? '';
    if (key.length < MIN_STATIC_API_KEY_LENGTH) {
      throw new ConfigError(
        `SKILLMEAT_API_KEY must be set to at least ${MIN_STATIC_API_KEY_LENGTH} characters when SKILLMEAT_API_KEY_ENABLED is true`,
      );
    }
    staticApiKey = { key, scopes: readScopes(env, 'SKILLMEAT_API_KEY_SCOPES', DEFAULT_STATIC_KEY_SCOPES) };
  } else if (env.SKILLMEAT_API_KEY_SCOPES) {
    readScopes(env, 'SKILLMEAT_API_KEY_SCOPES', DEFAULT_STATIC_KEY_SCOPES);
  }
  return { authProvider: provider, clerk, enterprisePatSecret: secret || null, staticApiKey };
}

function readWorkers(env: Env): number {
  const raw = env.SKILLMEAT_WORKERS?.trim();
  if (!raw) return 1;
  const workers = Number(raw);
  if (!/^\d+$/.test(raw) || workers < 1 || workers > 64) {
    throw new ConfigError(`SKILLMEAT_WORKERS must be a whole number from 1 to 64, got "${raw}"`);
  }
  return workers;
}

export const DEFAULT_JWT_CLOCK_SKEW_SECONDS = 60;

function readClockSkew(env: Env): number {
  const name = 'SKILLMEAT_JWT_CLOCK_SKEW_SECONDS';
  const raw = env[name]?.trim();
  if (!raw) return DEFAULT_JWT_CLOCK_SKEW_SECONDS;
  const seconds = Number(raw);
  if (!/^\d+$/.test(raw) || seconds > 300) throw new ConfigError(`${name} must be a whole number of seconds from 0 to 300, got "${raw}"`);
  return seconds;
}

function readMilliseconds(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const ms = Number(raw);
  if (!/^\d+$/.test(raw) || ms > 3_600_000) throw new ConfigError(`${name} must be a whole number of milliseconds from 0 to 3600000, got "${raw}"`);
  return ms;
}

function readDatabaseTimeouts(env: Env): DatabaseTimeouts {
  return Object.freeze({
    statementMs: readMilliseconds(env, 'SKILLMEAT_DB_STATEMENT_TIMEOUT_MS', DEFAULT_DATABASE_TIMEOUTS.statementMs),
    connectMs: readMilliseconds(env, 'SKILLMEAT_DB_CONNECT_TIMEOUT_MS', DEFAULT_DATABASE_TIMEOUTS.connectMs),
  });
}

function readPublicUrl(env: Env): string | null {
  const raw = env.SKILLMEAT_PUBLIC_URL?.trim();
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`SKILLMEAT_PUBLIC_URL must be an absolute http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError('SKILLMEAT_PUBLIC_URL must be an http(s) URL');
  return raw.replace(/\/+$/, '');
}

function listOf(env: Env, name: string): string[] | null {
  const raw = env[name]?.trim();
  if (!raw) return null;
  return raw.split(',').map((entry) => entry.trim()).filter(Boolean);
}

/** Exact origins, as a browser sends them in Origin: scheme://host[:port], no path, no `*`. */
function readCorsOrigins(env: Env): readonly string[] {
  const name = 'SKILLMEAT_CORS_ORIGINS';
  const origins = listOf(env, name) ?? [];
  for (const origin of origins) {
    if (origin.includes('*')) throw new ConfigError(`${name} must list exact origins; "*" is not allowed (credentials are sent to every origin listed)`);
    let url: URL | null = null;
    try {
      url = new URL(origin);
    } catch {
      // reported below
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      throw new ConfigError(`${name} entry "${origin}" must be an origin like https://app.example (scheme://host[:port])`);
    }
    if (url.origin !== origin) {
      throw new ConfigError(`${name} entry "${origin}" must be an origin like https://app.example (scheme://host[:port], lowercase, no path or trailing slash): did you mean "${url.origin}"?`);
    }
  }
  return Object.freeze([...new Set(origins)]);
}

const HOST_NAME = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/;

/** Host names (optionally host:port) a Host header may carry. */
function readAllowedHosts(env: Env): readonly string[] | null {
  const name = 'SKILLMEAT_ALLOWED_HOSTS';
  const entries = listOf(env, name);
  if (entries === null) return null;
  const hosts = entries.map((entry) => {
    const match = /^(\[[0-9a-f:.]+\]|[^:]+)(?::(\d{1,5}))?$/i.exec(entry);
    const host = match?.[1]?.toLowerCase() ?? '';
    const port = match?.[2];
    const validName = host.startsWith('[') ? isIP(host.slice(1, -1)) === 6 : HOST_NAME.test(host) && host.length <= 253;
    if (!match || !validName || (port !== undefined && Number(port) > 65535)) {
      throw new ConfigError(
        `${name} entry "${entry}" must be a host name, optionally with a port (registry.example.com, registry.example.com:8443, [::1]:8080): no scheme, path or "*"`,
      );
    }
    const bare = host.replace(/\.$/, '');
    return port === undefined ? bare : `${bare}:${port}`;
  });
  return Object.freeze([...new Set(hosts)]);
}

function readTrustedDocuments(env: Env): TrustedDocumentsConfig | null {
  const name = 'SKILLMEAT_TRUSTED_DOCUMENTS';
  const path = env[name]?.trim();
  if (!path) return null;
  try {
    return Object.freeze({ path, documents: readManifest(path, `${name} manifest ${path}`) });
  } catch (error) {
    if (error instanceof ManifestError) throw new ConfigError(error.message);
    throw error;
  }
}

export function loadConfig(env: Env = process.env): Config {
  const logLevel = (env.SKILLMEAT_LOG_LEVEL?.trim().toLowerCase() || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`SKILLMEAT_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${env.SKILLMEAT_LOG_LEVEL}"`);
  }
  const host = env.HOST?.trim() || '127.0.0.1';
  const authEnabled = readBoolean(env, 'SKILLMEAT_AUTH_ENABLED', false);
  const allowPublicZeroAuth = readBoolean(env, 'SKILLMEAT_ALLOW_PUBLIC_ZERO_AUTH', false);
  if (!authEnabled && !allowPublicZeroAuth && !isLoopbackHost(host)) {
    throw new ConfigError(
      `HOST=${host} is not loopback and SKILLMEAT_AUTH_ENABLED is false: zero-auth gives every caller full admin. ` +
        'Enable auth, or set SKILLMEAT_ALLOW_PUBLIC_ZERO_AUTH=true if you really mean it',
    );
  }
  return Object.freeze({
    port: readPort(env, 'PORT', 8080),
    host,
    database: Object.freeze(parseDatabaseUrl(env.DATABASE_URL)),
    databaseTimeouts: readDatabaseTimeouts(env),
    logLevel,
    authEnabled,
    ...readAuth(env, authEnabled),
    allowPublicZeroAuth,
    signupEnabled: readBoolean(env, 'SKILLMEAT_SIGNUP_ENABLED', true),
    publicUrl: readPublicUrl(env),
    workers: readWorkers(env),
    sqlExecution: readBoolean(env, 'SKILLMEAT_SQL_EXECUTION', true),
    corsOrigins: readCorsOrigins(env),
    allowedHosts: readAllowedHosts(env),
    trustedDocuments: readTrustedDocuments(env),
    jwtClockSkewSeconds: readClockSkew(env),
  });
}

/**
 * The environment as the process was given it, for `skillmeat-admin show-config`, which tells
 * the variables set from their defaults (and shows any it does not know, as secrets).
 */
export function environmentSnapshot(env: Env = process.env): Env {
  return Object.freeze({ ...env });
}
