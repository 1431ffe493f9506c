/**
 * The skillmeat-admin commands. Each acts on the database of the server's configuration
 * (DATABASE_URL and the rest of src/config.ts), through the server's own modules: the scope
 * table, createApiKey, the auth strategy chain, the migrations. Secrets are printed once, when
 * made, and never logged.
 */
import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { sql } from 'kysely';
import { createAuthChain } from '../auth/chain.js';
import { LocalSigningKeys } from '../auth/local/signing-keys.js';
import { isRole, ROLE_SCOPES, ROLES, SCOPES, type Role } from '../vocabulary/scopes.js';
import { constantTimeEqual, sha256Hex } from '../secrets.js';
import { LOCAL_TEAM, makeViewer, type Viewer } from '../vocabulary/viewer.js';
import { authError, usageError } from '../cli/exit-codes.js';
import { say } from '../cli/terminal.js';
import { environmentSnapshot, type Config } from '../config.js';
import { createAccountAs } from '../auth/local/accounts.js';
import { userById } from '../db/accounts.js';
import { handOverLocalTeam, holdsData } from '../db/adoption.js';
import { API_KEY_KIND, createApiKey, findApiKeyBySecret } from '../db/api-keys.js';
import { audit } from '../db/audit.js';
import { migrateToLatest, pendingMigrations } from '../db/migrate.js';
import { findPersonalAccessToken } from '../db/personal-access-tokens.js';
import { errorCode } from '../errors.js';
import { createLogger } from '../logger.js';
import { adminConfig, asUnreachable, describeTarget, withDatabase } from './database.js';
import { answer, fromServerError, type OutputOptions } from './output.js';
import { timestampOf } from '../datetime.js';

/** Who the audit log names as acting for these commands. */
const STRATEGY = 'skillmeat-admin';

// ---------------------------------------------------------------- init

export async function init(options: OutputOptions): Promise<void> {
  const config = adminConfig();
  const applied = await withDatabase(config, (database) => migrateToLatest(database.db, config.database.schema), { migrate: false });
  let signingKey: 'created' | 'present' | 'not used' = 'not used';
  if (config.authEnabled && config.authProvider === 'local') {
    signingKey = await withDatabase(config, async (database) => {
      const had = await database.db.selectFrom('signing_keys').select('kid').where('retired_at', 'is', null).executeTakeFirst();
      await new LocalSigningKeys(database.db).ensureKey();
      return had ? 'present' : 'created';
    });
  }
  answer(options, { database: describeTarget(config), migrationsApplied: applied, signingKey }, [
    `database: ${describeTarget(config)}`,
    applied.length > 0 ? `migrations applied: ${applied.join(', ')}` : 'migrations: already current',
    ...(signingKey === 'not used' ? [] : [`signing key: ${signingKey}`]),
  ]);
}

// ---------------------------------------------------------------- roles and users

export function listRoles(options: OutputOptions): void {
  const roles = ROLES.map((role) => ({ role, scopes: [...ROLE_SCOPES[role]] }));
  const width = Math.max(...ROLES.map((r) => r.length));
  answer(options, { roles, scopes: [...SCOPES] }, roles.map(({ role, scopes }) => `${role.padEnd(width)}  ${scopes.join(' ')}`));
}

/** Roles an account can be given here: every role but LOCAL_ADMIN, which only zero-auth is. */
const ACCOUNT_ROLES = ROLES.filter((r) => r !== 'LOCAL_ADMIN');
/** Roles that act in one team, so need one. */
const TEAM_ROLES: readonly Role[] = ['TEAM_MEMBER', 'TEAM_ADMIN'];

function parseRole(value: string, allowed: readonly Role[]): Role {
  const role = value.trim().toUpperCase();
  if (!isRole(role) || !allowed.includes(role)) throw usageError(`--role must be one of ${allowed.join(', ')}, got "${value}".`);
  return role;
}

function parseTeam(value: string | undefined): string | null {
  if (value === undefined) return null;
  const team = value.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/.test(team)) {
    throw usageError(`--team must be a team id (letters, digits, "_", "-", ".", ":"; at most 200), got "${value}".`);
  }
  return team;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function createUser(options: OutputOptions & { email: string; role: string; team?: string; name?: string }): Promise<void> {
  const config = adminConfig();
  const role = parseRole(options.role, ACCOUNT_ROLES);
  const team = parseTeam(options.team);
  if (TEAM_ROLES.includes(role) && team === null) throw usageError(`--role ${role} acts in a team: give --team.`);
  const piped = (await readStdin()).replace(/\r?\n$/, '');
  const generated = piped === '';
  const password = generated ? randomBytes(18).toString('base64url') : piped;
  const user = await withDatabase(config, async (database) => {
    try {
      const created = await createAccountAs(database.db, { email: options.email, password, role, teamId: team, name: options.name ?? null });
      await audit(database.db, { event: 'account.created', outcome: 'success', strategy: STRATEGY, actorUserId: created.id, teamId: created.teamId, target: `user:${created.id} ${created.role}` });
      return created;
    } catch (error) {
      throw fromServerError(error);
    }
  });
  if (config.authProvider !== 'local' || !config.authEnabled) {
    say('note: this account signs in with provider local (SKILLMEAT_AUTH_ENABLED=true, SKILLMEAT_AUTH_PROVIDER=local); the configuration in effect does not use it now.');
  }
  answer(options, { user: { id: user.id, email: user.email, role: user.role, teamId: user.teamId }, ...(generated ? { password } : {}) }, [
    `created user ${user.id} ${user.email} ${user.role}${user.teamId ? ` of team ${user.teamId}` : ' (no team)'}`,
    ...(generated ? [`password (shown once): ${password}`] : ['password: as given on stdin']),
  ]);
}

// ---------------------------------------------------------------- API keys

const DURATION_UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

export function parseDuration(value: string): number {
  const match = /^(\d{1,6})([smhdw])$/.exec(value.trim());
  const ms = match ? Number(match[1]) * DURATION_UNITS[match[2]!]! : 0;
  if (!match || ms <= 0) throw usageError(`--expires-in must be a duration like 30m, 12h, 90d or 2w, got "${value}".`);
  return ms;
}

export async function generateApiKey(
  options: OutputOptions & { name: string; scopes: string; team?: string; role?: string; expiresIn?: string },
): Promise<void> {
  const config = adminConfig();
  const role = parseRole(options.role ?? 'TEAM_ADMIN', ['VIEWER', 'TEAM_MEMBER', 'TEAM_ADMIN', 'SYSTEM_ADMIN']);
  const team = parseTeam(options.team);
  if (team === null && role !== 'SYSTEM_ADMIN') throw usageError('give --team: the key acts in that team (only --role SYSTEM_ADMIN acts in every team).');
  const scopes = options.scopes.split(/[\s,]+/).filter(Boolean);
  const expiresAt = options.expiresIn === undefined ? null : new Date(Date.now() + parseDuration(options.expiresIn));
  // The operator, who holds the database, mints it: a key of `role` in `team`, owned by no user,
  // with at most that role's scopes (the same check as createApiKey over GraphQL).
  const minter: Viewer = makeViewer({ role, teamId: team, authMethod: 'API_KEY', userId: null });
  const { apiKey, secret } = await withDatabase(config, async (database) => {
    try {
      const created = await createApiKey(database.db, minter, { name: options.name, scopes, expiresAt });
      await audit(database.db, { event: 'api_key.created', outcome: 'success', strategy: STRATEGY, teamId: team, target: `api_key:${created.apiKey.id}` });
      return created;
    } catch (error) {
      throw fromServerError(error);
    }
  });
  if (!config.authEnabled) say('note: auth is disabled (zero-auth) in the configuration in effect; the server ignores keys until SKILLMEAT_AUTH_ENABLED=true.');
  answer(
    options,
    {
      apiKey: { id: apiKey.id, name: apiKey.name, prefix: apiKey.prefix, role, teamId: apiKey.teamId, scopes: apiKey.scopes, expiresAt: apiKey.expiresAt },
      secret,
    },
    [
      `created API key ${apiKey.id} "${apiKey.name}" (${apiKey.prefix}…): ${role}${apiKey.teamId ? ` in team ${apiKey.teamId}` : ''}, scopes ${apiKey.scopes.join(' ')}, expires ${apiKey.expiresAt ?? 'never'}`,
      `secret (shown once; send it as X-API-Key): ${secret}`,
    ],
  );
}

// ---------------------------------------------------------------- verify-token

interface Identity {
  valid: true;
  authMode: string;
  method: string;
  role: string;
  teamId: string | null;
  scopes: string[];
  expiresAt: string | null;
  user: { id: number; subject: string; email: string | null } | null;
  note?: string;
}

async function expiryOf(config: Config, viewer: Viewer, token: string, db: Parameters<typeof findApiKeyBySecret>[0]): Promise<string | null> {
  switch (viewer.authMethod) {
    case 'JWT': {
      const exp = decodeJwt(token).exp;
      return typeof exp === 'number' ? timestampOf(exp * 1000) : null;
    }
    case 'API_KEY':
      return config.staticApiKey && constantTimeEqual(token, config.staticApiKey.key) ? null : ((await findApiKeyBySecret(db, token))?.key.expiresAt ?? null);
    case 'PERSONAL_ACCESS_TOKEN':
      return (await findPersonalAccessToken(db, token))?.expiresAt ?? null;
    default:
      return null;
  }
}

/**
 * Resolves `token` with the strategy chain the running configuration builds, exactly as a
 * request carrying it would be: as X-API-Key when it is an issued key (`smk_…`) or the static
 * key, as a Bearer token otherwise. Like a request, a use is stamped and a rejection audited.
 */
export async function verifyToken(tokenArgument: string | undefined, options: OutputOptions): Promise<void> {
  const config = adminConfig();
  const raw = tokenArgument === undefined || tokenArgument === '-' ? await readStdin() : tokenArgument;
  const token = raw.trim().replace(/^Bearer\s+/i, '');
  if (token === '') throw usageError('give the token as an argument or on stdin.');
  const asApiKey = token.startsWith(`${API_KEY_KIND}_`) || (config.staticApiKey !== null && constantTimeEqual(token, config.staticApiKey.key));
  const headers = new Headers(asApiKey ? { 'x-api-key': token } : { authorization: `Bearer ${token}` });
  const authMode = config.authEnabled ? config.authProvider : 'zero-auth';
  const outcome = await withDatabase(config, async (database) => {
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const issuer = config.publicUrl ?? `http://${host}:${config.port}`;
    const logger = createLogger('silent');
    const chain = await createAuthChain(config, database.db, logger, {
      ...(config.authEnabled && config.authProvider === 'local' ? { local: { keys: new LocalSigningKeys(database.db), issuer: () => issuer } } : {}),
    });
    try {
      const viewer = await chain.resolve(new Request('http://skillmeat-admin.invalid/graphql', { headers }), null);
      if (viewer === null) return { valid: false as const, reason: 'No credential.' };
      const user = viewer.userId === null ? null : await userById(database.db, viewer.userId);
      const identity: Identity = {
        valid: true,
        authMode,
        method: viewer.authMethod,
        role: viewer.role,
        teamId: viewer.teamId,
        scopes: [...viewer.scopes],
        expiresAt: await expiryOf(config, viewer, token, database.db),
        user: user ? { id: user.id, subject: user.subject, email: user.email } : null,
        ...(config.authEnabled ? {} : { note: 'auth is disabled (zero-auth): every request is LOCAL_ADMIN of team local, whatever it carries' }),
      };
      return identity;
    } catch (error) {
      if (errorCode(error) === 'UNAUTHENTICATED') return { valid: false as const, reason: (error as Error).message };
      throw asUnreachable(error, config);
    } finally {
      await chain.flush();
    }
  });
  if (!outcome.valid) {
    answer(options, { valid: false, authMode, reason: outcome.reason }, [`rejected (${authMode}): ${outcome.reason}`]);
    throw authError(`the token is rejected: ${outcome.reason}`);
  }
  answer(options, outcome, [
    `method:  ${outcome.method}`,
    `role:    ${outcome.role}`,
    `team:    ${outcome.teamId ?? '(none: every team)'}`,
    `scopes:  ${outcome.scopes.join(' ')}`,
    `expires: ${outcome.expiresAt ?? 'never'}`,
    `user:    ${outcome.user ? `${outcome.user.id} ${outcome.user.email ?? outcome.user.subject}` : '(none)'}`,
    ...(outcome.note ? [`note:    ${outcome.note}`] : []),
  ]);
}

// ---------------------------------------------------------------- show-config

/** A secret as the person may see it: whether it is set, and a short fingerprint to compare. */
export function fingerprint(secret: string): string {
  return `sha256:${sha256Hex(secret).slice(0, 8)}`;
}

interface Setting {
  variable: string;
  /** The value in effect (secrets: never; see `secret`). */
  value: string | null;
  source: 'env' | 'default';
  secret?: { set: boolean; fingerprint: string | null };
}

/** The configured secrets: shown only as set/unset and a fingerprint. */
const SECRET_VARIABLES = new Set(['SKILLMEAT_ENTERPRISE_PAT_SECRET', 'SKILLMEAT_API_KEY']);

function databaseUrlShown(raw: string | undefined, config: Config): string {
  if (config.database.dialect === 'sqlite') return config.database.url;
  const url = new URL(raw ?? config.database.url);
  if (url.password !== '') url.password = '***';
  return url.toString();
}

export function settingsInEffect(config: Config, env: Readonly<Record<string, string | undefined>> = environmentSnapshot()): Setting[] {
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const effective: [string, string | null][] = [
    ['PORT', String(config.port)],
    ['HOST', config.host],
    ['DATABASE_URL', databaseUrlShown(env.DATABASE_URL?.trim() || undefined, config)],
    ['SKILLMEAT_AUTH_ENABLED', String(config.authEnabled)],
    ['SKILLMEAT_ALLOW_PUBLIC_ZERO_AUTH', String(config.allowPublicZeroAuth)],
    ['SKILLMEAT_LOG_LEVEL', config.logLevel],
    ['SKILLMEAT_WORKERS', String(config.workers)],
    ['SKILLMEAT_SQL_EXECUTION', String(config.sqlExecution)],
    ['SKILLMEAT_DB_STATEMENT_TIMEOUT_MS', String(config.databaseTimeouts.statementMs)],
    ['SKILLMEAT_DB_CONNECT_TIMEOUT_MS', String(config.databaseTimeouts.connectMs)],
    ['SKILLMEAT_JWT_CLOCK_SKEW_SECONDS', String(config.jwtClockSkewSeconds)],
    ['SKILLMEAT_CORS_ORIGINS', config.corsOrigins.length > 0 ? config.corsOrigins.join(',') : null],
    ['SKILLMEAT_ALLOWED_HOSTS', config.allowedHosts ? config.allowedHosts.join(',') : null],
    ['SKILLMEAT_TRUSTED_DOCUMENTS', config.trustedDocuments?.path ?? null],
    ['SKILLMEAT_AUTH_PROVIDER', config.authProvider],
    ['CLERK_JWKS_URL', config.clerk?.jwksUrl ?? env.CLERK_JWKS_URL?.trim() ?? null],
    ['CLERK_ISSUER', config.clerk?.issuer ?? env.CLERK_ISSUER?.trim() ?? null],
    ['CLERK_AUDIENCE', config.clerk?.audience ?? env.CLERK_AUDIENCE?.trim() ?? null],
    ['SKILLMEAT_ENTERPRISE_PAT_SECRET', config.enterprisePatSecret],
    ['SKILLMEAT_API_KEY_ENABLED', String(config.staticApiKey !== null)],
    ['SKILLMEAT_API_KEY', config.staticApiKey?.key ?? (env.SKILLMEAT_API_KEY || null)],
    ['SKILLMEAT_API_KEY_SCOPES', (config.staticApiKey?.scopes ?? ['artifacts:read', 'artifacts:write', 'collections:read', 'collections:write']).join(' ')],
    ['SKILLMEAT_SIGNUP_ENABLED', String(config.signupEnabled)],
    ['SKILLMEAT_PUBLIC_URL', config.publicUrl ?? `http://${host}:${config.port}`],
  ];
  const known = new Set(effective.map(([name]) => name));
  const settings: Setting[] = effective.map(([variable, value]) => {
    const source = env[variable] !== undefined && env[variable]!.trim() !== '' ? 'env' : 'default';
    if (!SECRET_VARIABLES.has(variable)) return { variable, value, source };
    return { variable, value: null, source, secret: { set: value !== null, fingerprint: value === null ? null : fingerprint(value) } };
  });
  // Any other SKILLMEAT_* or CLERK_* variable is shown as a secret: it may be one this list does not know.
  for (const [variable, value] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    if (known.has(variable) || !/^(SKILLMEAT_|CLERK_)/.test(variable) || value === undefined || value === '') continue;
    settings.push({ variable, value: null, source: 'env', secret: { set: true, fingerprint: fingerprint(value) } });
  }
  return settings;
}

export function showConfig(options: OutputOptions): void {
  const config = adminConfig();
  const settings = settingsInEffect(config);
  const width = Math.max(...settings.map((s) => s.variable.length));
  const shown = (s: Setting) =>
    s.secret ? (s.secret.set ? `set (${s.secret.fingerprint})` : 'unset') : (s.value ?? '(unset)');
  answer(
    options,
    { authMode: config.authEnabled ? config.authProvider : 'zero-auth', settings },
    settings.map((s) => `${s.variable.padEnd(width)}  ${shown(s)}${s.source === 'default' ? '  [default]' : ''}`),
  );
}

// ---------------------------------------------------------------- health

interface Check {
  check: string;
  ok: boolean;
  detail: string;
}

export async function health(options: OutputOptions): Promise<void> {
  const config = adminConfig();
  const checks: Check[] = [];
  try {
    await withDatabase(
      config,
      async (database) => {
        await sql`select 1`.execute(database.db);
        checks.push({ check: 'database', ok: true, detail: `${describeTarget(config)} answers` });
        const pending = await pendingMigrations(database.db, config.database.schema);
        checks.push({
          check: 'migrations',
          ok: pending.length === 0,
          detail: pending.length === 0 ? 'current' : `${pending.length} not applied: ${pending.join(', ')} (run skillmeat-admin init)`,
        });
        if (config.authEnabled && config.authProvider === 'local') {
          const active =
            pending.includes('0003-local-idp')
              ? 0
              : (await database.db.selectFrom('signing_keys').select('kid').where('retired_at', 'is', null).execute()).length;
          checks.push({
            check: 'signing keys',
            ok: active > 0,
            detail: active > 0 ? `${active} active` : 'none (run skillmeat-admin init, or start the server once)',
          });
        } else {
          checks.push({ check: 'signing keys', ok: true, detail: `not used (${config.authEnabled ? `provider ${config.authProvider}` : 'zero-auth'})` });
        }
      },
      { migrate: false },
    );
  } catch (error) {
    const failure = asUnreachable(error, config);
    checks.push({ check: 'database', ok: false, detail: failure instanceof Error ? failure.message : String(failure) });
  }
  const ok = checks.every((c) => c.ok);
  answer(options, { ok, checks }, [...checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'}  ${c.check}: ${c.detail}`)]);
  if (!ok) {
    const unreachableDb = checks.some((c) => c.check === 'database' && !c.ok);
    process.exitCode = unreachableDb ? 4 : 1;
  }
}

// ---------------------------------------------------------------- adopt-local-team

export async function adoptLocalTeam(options: OutputOptions & { team: string }): Promise<void> {
  const config = adminConfig();
  const team = parseTeam(options.team)!;
  if (team === LOCAL_TEAM) throw usageError('--team must name another team than local.');
  const handover = await withDatabase(config, async (database) => {
    const moved = await handOverLocalTeam(database.db, team);
    if (holdsData(moved)) {
      await audit(database.db, {
        event: 'team.adopted',
        outcome: 'success',
        strategy: STRATEGY,
        teamId: team,
        target: `team:${LOCAL_TEAM}→${team} artifacts:${moved.artifacts} collections:${moved.collections} api_keys:${moved.apiKeys} users:${moved.users}`,
      });
    }
    return moved;
  });
  const moved = holdsData(handover);
  answer(options, { ...handover, moved }, [
    moved
      ? `team local handed to ${team}: ${handover.artifacts} artifacts, ${handover.collections} collections, ${handover.apiKeys} API keys, ${handover.users} users`
      : `team local holds nothing: nothing to move (to ${team})`,
  ]);
}
