/**
 * The one place that reads process.env: parses and validates the environment into a typed,
 * frozen Config. A mistake throws ConfigError naming the variable, so the process can print
 * one clear line and exit.
 */
import { isIP } from 'node:net';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type DatabaseDialect = 'sqlite' | 'postgres';

export interface DatabaseConfig {
  readonly dialect: DatabaseDialect;
  /** A filesystem path (or ':memory:') for sqlite; the connection string for postgres. */
  readonly url: string;
  /** For postgres: the schema to use (tests run each suite in its own schema). */
  readonly schema?: string;
}

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly database: DatabaseConfig;
  readonly logLevel: LogLevel;
  readonly authEnabled: boolean;
  readonly allowPublicZeroAuth: boolean;
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
    logLevel,
    authEnabled,
    allowPublicZeroAuth,
  });
}
