/**
 * loadConfig (src/config.ts) as a unit: every validation fails with one ConfigError line that
 * names the variable at fault, and the defaults are SPEC's.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, MIN_ENTERPRISE_PAT_SECRET_LENGTH } from '../src/config.js';

type Env = Record<string, string | undefined>;

const CLERK: Env = {
  SKILLMEAT_AUTH_ENABLED: 'true',
  SKILLMEAT_AUTH_PROVIDER: 'clerk',
  CLERK_JWKS_URL: 'https://clerk.example.test/.well-known/jwks.json',
  CLERK_ISSUER: 'https://clerk.example.test',
};
const STATIC_KEY = 'static-api-key-0123456789-abcdef';
const ALL_SCOPES = ['artifacts:read', 'artifacts:write', 'artifacts:delete', 'collections:read', 'collections:write', 'admin:users', 'admin:settings'];

/** The ConfigError loadConfig throws for `env`; fails the test when it does not throw one. */
function configError(env: Env): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

/** Refused with one line that names `variable` (and whatever else must be in it). */
function expectRefused(env: Env, variable: string, ...mentions: (string | RegExp)[]): void {
  const error = configError(env);
  expect(error.message).toContain(variable);
  expect(error.message).not.toMatch(/[\r\n]/);
  for (const mention of mentions) expect(error.message).toMatch(mention);
}

describe('loadConfig defaults', () => {
  it('are SPEC\'s: 127.0.0.1:8080, ./data/skillmeat.db, zero-auth, provider local, no keys', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      database: { dialect: 'sqlite', url: './data/skillmeat.db' },
      logLevel: 'info',
      authEnabled: false,
      authProvider: 'local',
      clerk: null,
      enterprisePatSecret: null,
      staticApiKey: null,
      allowPublicZeroAuth: false,
    });
  });

  it('is frozen', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.database)).toBe(true);
  });

  it('empty values count as unset', () => {
    const config = loadConfig({ PORT: '', HOST: '', SKILLMEAT_AUTH_ENABLED: '', SKILLMEAT_AUTH_PROVIDER: '', SKILLMEAT_ENTERPRISE_PAT_SECRET: '' });
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', authEnabled: false, authProvider: 'local', enterprisePatSecret: null });
  });

  it('the static API key gets SPEC\'s default scopes', () => {
    const config = loadConfig({ SKILLMEAT_API_KEY_ENABLED: 'true', SKILLMEAT_API_KEY: STATIC_KEY });
    expect(config.staticApiKey?.key).toBe(STATIC_KEY);
    expect([...(config.staticApiKey?.scopes ?? [])].sort()).toEqual(['artifacts:read', 'artifacts:write', 'collections:read', 'collections:write']);
  });
});

describe('loadConfig accepts good configuration', () => {
  it('clerk with a JWKS URL and an issuer; the audience is optional', () => {
    const config = loadConfig(CLERK);
    expect(config).toMatchObject({ authEnabled: true, authProvider: 'clerk' });
    expect(config.clerk).toEqual({ jwksUrl: CLERK.CLERK_JWKS_URL, issuer: CLERK.CLERK_ISSUER, audience: null });
    expect(loadConfig({ ...CLERK, CLERK_AUDIENCE: 'skillmeat-api' }).clerk?.audience).toBe('skillmeat-api');
    expect(loadConfig({ ...CLERK, CLERK_JWKS_URL: 'http://127.0.0.1:9999/.well-known/jwks.json' }).clerk?.jwksUrl).toBe(
      'http://127.0.0.1:9999/.well-known/jwks.json',
    );
  });

  it('the provider name is trimmed and case-insensitive', () => {
    expect(loadConfig({ ...CLERK, SKILLMEAT_AUTH_PROVIDER: ' CLERK ' }).authProvider).toBe('clerk');
    expect(loadConfig({ SKILLMEAT_AUTH_PROVIDER: 'Local' }).authProvider).toBe('local');
  });

  it('provider clerk with auth disabled needs no clerk settings (zero-auth ignores them)', () => {
    const config = loadConfig({ SKILLMEAT_AUTH_PROVIDER: 'clerk' });
    expect(config).toMatchObject({ authEnabled: false, authProvider: 'clerk', clerk: null });
  });

  it('an Enterprise PAT secret of exactly the minimum length', () => {
    const secret = 's'.repeat(MIN_ENTERPRISE_PAT_SECRET_LENGTH);
    expect(MIN_ENTERPRISE_PAT_SECRET_LENGTH).toBe(32);
    expect(loadConfig({ SKILLMEAT_ENTERPRISE_PAT_SECRET: secret }).enterprisePatSecret).toBe(secret);
  });

  it('static key scopes separated by spaces, commas or both; duplicates collapse', () => {
    const spaced = loadConfig({ SKILLMEAT_API_KEY_ENABLED: 'true', SKILLMEAT_API_KEY: STATIC_KEY, SKILLMEAT_API_KEY_SCOPES: 'artifacts:read  admin:users' });
    expect([...spaced.staticApiKey!.scopes].sort()).toEqual(['admin:users', 'artifacts:read']);
    const commas = loadConfig({
      SKILLMEAT_API_KEY_ENABLED: 'true',
      SKILLMEAT_API_KEY: STATIC_KEY,
      SKILLMEAT_API_KEY_SCOPES: 'artifacts:read,collections:read, artifacts:read',
    });
    expect([...commas.staticApiKey!.scopes].sort()).toEqual(['artifacts:read', 'collections:read']);
    const all = loadConfig({ SKILLMEAT_API_KEY_ENABLED: 'true', SKILLMEAT_API_KEY: STATIC_KEY, SKILLMEAT_API_KEY_SCOPES: ALL_SCOPES.join(' ') });
    expect([...all.staticApiKey!.scopes].sort()).toEqual([...ALL_SCOPES].sort());
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['yes', true],
    ['on', true],
    ['false', false],
    ['0', false],
    ['no', false],
    ['off', false],
  ])('the boolean %j', (raw, value) => {
    expect(loadConfig({ SKILLMEAT_AUTH_ENABLED: raw }).authEnabled).toBe(value);
  });

  it.each(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'])('zero-auth on the loopback host %s', (host) => {
    expect(loadConfig({ HOST: host }).authEnabled).toBe(false);
  });

  it.each(['0.0.0.0', '::', '192.168.1.10'])('zero-auth on %s with SKILLMEAT_ALLOW_PUBLIC_ZERO_AUTH=true', (host) => {
    expect(loadConfig({ HOST: host, SKILLMEAT_ALLOW_PUBLIC_ZERO_AUTH: 'true' })).toMatchObject({ host, authEnabled: false, allowPublicZeroAuth: true });
  });

  it.each([
    ['provider local', { SKILLMEAT_AUTH_ENABLED: 'true' }],
    ['provider clerk', CLERK],
  ])('any host once auth is enabled (%s)', (_label, env) => {
    expect(loadConfig({ ...env, HOST: '0.0.0.0' })).toMatchObject({ host: '0.0.0.0', authEnabled: true });
  });
});

describe('loadConfig refuses bad configuration with one line naming the variable', () => {
  it('clerk without CLERK_JWKS_URL', () => {
    expectRefused({ ...CLERK, CLERK_JWKS_URL: undefined }, 'CLERK_JWKS_URL');
    expectRefused({ ...CLERK, CLERK_JWKS_URL: '   ' }, 'CLERK_JWKS_URL');
  });

  it('clerk without CLERK_ISSUER', () => {
    expectRefused({ ...CLERK, CLERK_ISSUER: undefined }, 'CLERK_ISSUER');
    expectRefused({ ...CLERK, CLERK_ISSUER: ' ' }, 'CLERK_ISSUER');
  });

  it('clerk with neither names a missing variable', () => {
    const error = configError({ SKILLMEAT_AUTH_ENABLED: 'true', SKILLMEAT_AUTH_PROVIDER: 'clerk' });
    expect(error.message).toMatch(/CLERK_JWKS_URL|CLERK_ISSUER/);
  });

  it.each(['not a url', 'clerk.example.test/jwks.json', '/.well-known/jwks.json', 'ftp://clerk.example.test/jwks.json', 'file:///etc/passwd'])(
    'a CLERK_JWKS_URL that is not an http(s) URL: %j',
    (url) => {
      expectRefused({ ...CLERK, CLERK_JWKS_URL: url }, 'CLERK_JWKS_URL');
    },
  );

  it.each([1, 16, MIN_ENTERPRISE_PAT_SECRET_LENGTH - 1])('an Enterprise PAT secret of %i characters', (length) => {
    expectRefused({ SKILLMEAT_ENTERPRISE_PAT_SECRET: 'x'.repeat(length) }, 'SKILLMEAT_ENTERPRISE_PAT_SECRET', /32/);
    expectRefused({ ...CLERK, SKILLMEAT_ENTERPRISE_PAT_SECRET: 'x'.repeat(length) }, 'SKILLMEAT_ENTERPRISE_PAT_SECRET');
  });

  it('never repeats the secret in the error', () => {
    const secret = 'tooshort-secret-value';
    expect(configError({ SKILLMEAT_ENTERPRISE_PAT_SECRET: secret }).message).not.toContain(secret);
  });

  it.each(['artifacts:admin', 'ARTIFACTS:READ', 'admin', 'artifacts:read admin:everything', 'artifacts:read,root'])(
    'an unknown scope in SKILLMEAT_API_KEY_SCOPES: %j',
    (scopes) => {
      expectRefused(
        { SKILLMEAT_API_KEY_ENABLED: 'true', SKILLMEAT_API_KEY: STATIC_KEY, SKILLMEAT_API_KEY_SCOPES: scopes },
        'SKILLMEAT_API_KEY_SCOPES',
      );
    },
  );

  it('an unknown scope in SKILLMEAT_API_KEY_SCOPES even while the static key is disabled', () => {
    expectRefused({ SKILLMEAT_API_KEY_SCOPES: 'artifacts:read artifacts:everything' }, 'SKILLMEAT_API_KEY_SCOPES', /artifacts:everything/);
  });

  it('SKILLMEAT_API_KEY_ENABLED without a key, or with a short one', () => {
    expectRefused({ SKILLMEAT_API_KEY_ENABLED: 'true' }, 'SKILLMEAT_API_KEY');
    expectRefused({ SKILLMEAT_API_KEY_ENABLED: 'true', SKILLMEAT_API_KEY: '' }, 'SKILLMEAT_API_KEY');
    expectRefused({ SKILLMEAT_API_KEY_ENABLED: 'true', SKILLMEAT_API_KEY: 'short' }, 'SKILLMEAT_API_KEY');
  });

  it.each(['SKILLMEAT_AUTH_ENABLED', 'SKILLMEAT_API_KEY_ENABLED', 'SKILLMEAT_ALLOW_PUBLIC_ZERO_AUTH', 'SKILLMEAT_SIGNUP_ENABLED'])(
    'a bad boolean in %s',
    (variable) => {
      for (const raw of ['maybe', 'enabled', '2', 'truee', 'y']) expectRefused({ [variable]: raw }, variable, raw);
    },
  );

  it.each(['auth0', 'oidc', 'none', 'local,clerk'])('a bad SKILLMEAT_AUTH_PROVIDER: %j', (provider) => {
    expectRefused({ SKILLMEAT_AUTH_PROVIDER: provider }, 'SKILLMEAT_AUTH_PROVIDER', provider);
    expectRefused({ SKILLMEAT_AUTH_ENABLED: 'true', SKILLMEAT_AUTH_PROVIDER: provider }, 'SKILLMEAT_AUTH_PROVIDER');
  });

  it.each(['0.0.0.0', '::', '[::]', '192.168.1.10', 'example.com', '128.0.0.1'])('zero-auth on the non-loopback host %s', (host) => {
    expectRefused({ HOST: host }, 'SKILLMEAT_ALLOW_PUBLIC_ZERO_AUTH', /HOST/, /SKILLMEAT_AUTH_ENABLED/);
    expectRefused({ HOST: host, SKILLMEAT_AUTH_ENABLED: 'false' }, 'SKILLMEAT_ALLOW_PUBLIC_ZERO_AUTH');
    expectRefused({ HOST: host, SKILLMEAT_ALLOW_PUBLIC_ZERO_AUTH: 'false' }, 'SKILLMEAT_ALLOW_PUBLIC_ZERO_AUTH');
  });

  it.each(['-1', '65536', 'http', '80a', '8080.5'])('a bad PORT: %j', (port) => {
    expectRefused({ PORT: port }, 'PORT');
  });

  it.each(['verbose', 'INFO!', 'warning'])('a bad SKILLMEAT_LOG_LEVEL: %j', (level) => {
    expectRefused({ SKILLMEAT_LOG_LEVEL: level }, 'SKILLMEAT_LOG_LEVEL');
  });

  it.each(['mysql://db.example.test/skillmeat', 'http://example.test/db', 'postgres://bad url with spaces'])(
    'a bad DATABASE_URL: %j',
    (url) => {
      expectRefused({ DATABASE_URL: url }, 'DATABASE_URL');
    },
  );

  it.each(['0', '65', 'two', '1.5'])('a bad SKILLMEAT_WORKERS: %j', (workers) => {
    expectRefused({ SKILLMEAT_WORKERS: workers }, 'SKILLMEAT_WORKERS');
  });

  it.each(['-1', '1.5', 'soon', '3600001'])('a bad SKILLMEAT_DB_STATEMENT_TIMEOUT_MS or SKILLMEAT_DB_CONNECT_TIMEOUT_MS: %j', (ms) => {
    expectRefused({ SKILLMEAT_DB_STATEMENT_TIMEOUT_MS: ms }, 'SKILLMEAT_DB_STATEMENT_TIMEOUT_MS');
    expectRefused({ SKILLMEAT_DB_CONNECT_TIMEOUT_MS: ms }, 'SKILLMEAT_DB_CONNECT_TIMEOUT_MS');
  });

  it('the database timeouts default to 5 s each; 0 turns one off', () => {
    expect(loadConfig({}).databaseTimeouts).toEqual({ statementMs: 5000, connectMs: 5000 });
    expect(loadConfig({ SKILLMEAT_DB_STATEMENT_TIMEOUT_MS: '0', SKILLMEAT_DB_CONNECT_TIMEOUT_MS: '1500' }).databaseTimeouts).toEqual({
      statementMs: 0,
      connectMs: 1500,
    });
  });

  it.each(['not a url', 'ftp://example.test'])('a bad SKILLMEAT_PUBLIC_URL: %j', (url) => {
    expectRefused({ SKILLMEAT_PUBLIC_URL: url }, 'SKILLMEAT_PUBLIC_URL');
  });
});

describe('SKILLMEAT_CORS_ORIGINS and SKILLMEAT_ALLOWED_HOSTS', () => {
  it('default to CORS off and no allow-list', () => {
    expect(loadConfig({})).toMatchObject({ corsOrigins: [], allowedHosts: null });
    expect(loadConfig({ SKILLMEAT_CORS_ORIGINS: ' ', SKILLMEAT_ALLOWED_HOSTS: '' })).toMatchObject({ corsOrigins: [], allowedHosts: null });
  });

  it('take comma-separated exact origins and host names, trimmed, frozen, duplicates collapsed', () => {
    const config = loadConfig({
      SKILLMEAT_CORS_ORIGINS: 'https://app.example, http://localhost:5173,https://app.example',
      SKILLMEAT_ALLOWED_HOSTS: 'Registry.Example.com , registry.example.com:8443, [::1]:8080, 10.0.0.5, my_service, host.example.',
    });
    expect(config.corsOrigins).toEqual(['https://app.example', 'http://localhost:5173']);
    expect(config.allowedHosts).toEqual(['registry.example.com', 'registry.example.com:8443', '[::1]:8080', '10.0.0.5', 'my_service', 'host.example']);
    expect(Object.isFrozen(config.corsOrigins)).toBe(true);
    expect(Object.isFrozen(config.allowedHosts)).toBe(true);
  });

  it.each(['*', 'https://*.example', 'null', 'app.example', 'https://app.example/', 'https://app.example/path', 'https://App.Example', 'https://app.example:443', 'ftp://app.example', 'https://user@app.example'])(
    'refuses the CORS origin %j',
    (origin) => {
      expectRefused({ SKILLMEAT_CORS_ORIGINS: `https://ok.example,${origin}` }, 'SKILLMEAT_CORS_ORIGINS');
    },
  );

  it('says what the origin would be', () => {
    expectRefused({ SKILLMEAT_CORS_ORIGINS: 'https://app.example/' }, 'SKILLMEAT_CORS_ORIGINS', /did you mean "https:\/\/app\.example"/);
    expectRefused({ SKILLMEAT_CORS_ORIGINS: '*' }, 'SKILLMEAT_CORS_ORIGINS', /"\*" is not allowed/);
  });

  it.each(['*', '*.example.com', 'https://registry.example.com', 'registry.example.com/path', 'registry.example.com:99999', 'registry.example.com:', 'a b', '::1', '[not-ipv6]', '-bad.example', 'user@host'])(
    'refuses the allowed host %j',
    (host) => {
      expectRefused({ SKILLMEAT_ALLOWED_HOSTS: `ok.example,${host}` }, 'SKILLMEAT_ALLOWED_HOSTS');
    },
  );
});
