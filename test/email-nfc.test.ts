/**
 * Issue 21, item 7: look-alike accounts. `josé@example.com` typed with é (NFC) and with
 * e + U+0301 (NFD) is one address: signed up once, logged in by either form, rate-limited as
 * one. Accounts made before migration 0006 in both forms are not merged: both keep logging in
 * (each by the form it signed up with), the start-up log names them by id with the address
 * masked, and no new sign-up can add a third. Real HTTP, real SQLite and PostgreSQL.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../src/app.js';
import { foldEmail } from '../src/auth/local/passwords.js';
import { LIMITS } from '../src/auth/local/rate-limits.js';
import { hashPassword } from '../src/auth/local/passwords.js';
import { loadConfig, type DatabaseConfig } from '../src/config.js';
import { createDatabase } from '../src/db/database.js';
import { now } from '../src/datetime.js';
import { migrateTo } from '../src/db/migrate.js';
import { FlowLogInDocument, FlowSignUpDocument } from './operations/generated/graphql.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from './support/databases.js';
import { codes, graphql } from './support/graphql.js';
import { logIn, PASSWORD, signUp, startLocalIdpServer } from './support/idp.js';
import type { TestServer } from './support/server.js';

const NFC = 'jos\u00e9@example.com';
const NFD = 'jose\u0301@example.com';

describe('foldEmail', () => {
  it('makes NFC and NFD one form, lower-cases, and is idempotent', () => {
    expect(NFC).not.toBe(NFD);
    expect(foldEmail(NFD)).toBe(NFC);
    expect(foldEmail(' JOSE\u0301@Example.COM ')).toBe(NFC);
    // Kelvin sign and Angstrom sign are canonical singletons: NFC turns them into K and Å.
    for (const tricky of ['\u212a@x.io', '\u212b@x.io', 'I\u0307@x.io', '\u0130@x.io', '\u1e9e@x.io', '\u03a3\u03a3@x.io', NFD, 'A\u030a@x.io']) {
      expect(foldEmail(foldEmail(tricky))).toBe(foldEmail(tricky));
    }
    expect(foldEmail('\u212a@x.io')).toBe('k@x.io');
  });
});

describe.each(DIALECTS)('look-alike emails, new accounts ($dialect)', ({ dialect, skip }) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!skip) server = await startLocalIdpServer(dialect);
  });
  afterAll(async () => server?.stop());

  it.skipIf(skip)('an address signs up once, whichever Unicode form it is typed in, and logs in by either', async () => {
    const first = await signUp(server.url, NFD);
    expect(first.user.email).toBe(NFC);
    const again = await graphql(server.url, FlowSignUpDocument, { input: { email: NFC, password: PASSWORD } });
    expect(codes(again)).toEqual(['BAD_USER_INPUT']);
    expect(again.errors![0]!.message).toMatch(/already exists/);
    expect((await logIn(server.url, NFC)).user.id).toBe(first.user.id);
    expect((await logIn(server.url, NFD.toUpperCase())).user.id).toBe(first.user.id);
  });

  it.skipIf(skip)('a long address (up to the 320 characters allowed) is counted too, not a 500', async () => {
    const long = `${'a'.repeat(60)}@${'b'.repeat(200)}.com`;
    await signUp(server.url, long);
    const wrong = await graphql(server.url, FlowLogInDocument, { input: { email: long.toUpperCase(), password: 'wrong password!' } });
    expect(codes(wrong)).toEqual(['UNAUTHENTICATED']);
    expect((await logIn(server.url, long)).user.email).toBe(long);
  });

  it.skipIf(skip)('the /device page signs in by either form too', async () => {
    const page = await fetch(`${server.url}/device`, { signal: AbortSignal.timeout(15_000) });
    const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    // The account above was signed up in NFD; sign in with NFC.
    const answer = await fetch(`${server.url}/device/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({ email: NFC, password: PASSWORD, csrf }).toString(),
      signal: AbortSignal.timeout(15_000),
    });
    expect(answer.status).toBe(303);
    expect(answer.headers.get('set-cookie')).toMatch(/HttpOnly/);
  });

  it.skipIf(skip)('two sign-ups racing in the two forms: one account, the other told it exists', async () => {
    const [a, b] = ['ren\u00e9@example.com', 'rene\u0301@example.com'];
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => graphql(server.url, FlowSignUpDocument, { input: { email: i % 2 ? a : b, password: PASSWORD } })),
    );
    expect(results.filter((r) => !r.errors).length).toBe(1);
    expect(results.filter((r) => r.errors).map((r) => codes(r)[0])).toEqual(Array(5).fill('BAD_USER_INPUT'));
  });

  it.skipIf(skip)('failed logins in either form count against the one account', async () => {
    const email = 'zo\u00eb@example.com';
    const other = 'zoe\u0308@example.com';
    await signUp(server.url, email);
    const { points } = LIMITS.loginPerAccount;
    for (let i = 0; i < points; i++) {
      const wrong = await graphql(server.url, FlowLogInDocument, { input: { email: i % 2 ? email : other, password: 'wrong password!' } });
      expect(codes(wrong)).toEqual(['UNAUTHENTICATED']);
    }
    const limited = await graphql(server.url, FlowLogInDocument, { input: { email: other, password: PASSWORD } });
    expect(codes(limited)).toEqual(['RATE_LIMITED']);
  });
});

describe.each(DIALECTS)('look-alike emails made before migration 0006 ($dialect)', ({ dialect, skip }) => {
  let testDatabase: TestDatabase;
  let app: App;
  const lines: Record<string, unknown>[] = [];
  const ids: Record<'nfc' | 'nfd' | 'lone', number> = { nfc: 0, nfd: 0, lone: 0 };
  const LONE_NFD = 'ame\u0301lie@example.com';

  beforeAll(async () => {
    if (skip) return;
    testDatabase = await createTestDatabase(dialect);
    // The database as the previous release left it, with rows only the old rule could make.
    const database = createDatabase(testDatabase.config);
    try {
      await migrateTo(database.db, '0004-rate-limits', testDatabase.config.schema);
      const insert = async (email: string, password: string) => {
        const at = now();
        const user = await database.db
          .insertInto('users')
          .values({ subject: `local:${email}`, email, name: null, role: 'VIEWER', team_id: null, created_at: at, updated_at: at })
          .returning('id')
          .executeTakeFirstOrThrow();
        await database.db
          // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the accounts table before 0006 had no email_key
          .insertInto('accounts' as any)
          .values({ user_id: user.id, email, password_hash: await hashPassword(password), created_at: at, password_changed_at: at })
          .execute();
        return user.id;
      };
      ids.nfc = await insert(NFC, 'nfc password 1');
      ids.nfd = await insert(NFD, 'nfd password 2');
      ids.lone = await insert(LONE_NFD, 'lone password 3');
    } finally {
      await database.close();
    }
    const config = {
      ...loadConfig({ HOST: '127.0.0.1', PORT: '0', SKILLMEAT_AUTH_ENABLED: 'true', SKILLMEAT_AUTH_PROVIDER: 'local' }),
      database: testDatabase.config as DatabaseConfig,
    };
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    app = await startApp(config, { logger });
  });
  afterAll(async () => {
    await app?.close(2_000);
    await testDatabase?.drop();
  });

  const login = (email: string, password: string) => graphql(app.url, FlowLogInDocument, { input: { email, password } });

  it.skipIf(skip)('an address with no look-alike is rewritten to NFC and logs in by either form', async () => {
    for (const form of [LONE_NFD, LONE_NFD.normalize('NFC')]) {
      const result = await login(form, 'lone password 3');
      expect(result.errors).toBeUndefined();
      expect(result.data?.logIn.session.user).toMatchObject({ email: LONE_NFD.normalize('NFC') });
    }
  });

  it.skipIf(skip)('look-alikes are not merged: each logs in with its own password by the form it signed up with', async () => {
    const nfc = await login(NFC, 'nfc password 1');
    expect(nfc.errors).toBeUndefined();
    expect(nfc.data?.logIn.session.user.email).toBe(NFC);
    const nfd = await login(NFD, 'nfd password 2');
    expect(nfd.errors).toBeUndefined();
    expect(nfd.data?.logIn.session.user.email).toBe(NFD);
    expect(codes(await login(NFC, 'nfd password 2'))).toEqual(['UNAUTHENTICATED']);
  });

  it.skipIf(skip)('the start-up log names them by id, without the address in full', () => {
    const warnings = lines.filter((line) => line.level === 40 && Array.isArray(line.userIds));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ userIds: [ids.nfc, ids.nfd], email: 'j***@example.com' });
    const all = JSON.stringify(lines);
    for (const address of [NFC, NFD, 'jos']) expect(all).not.toContain(address);
  });

  it.skipIf(skip)('no new sign-up can make a third look-alike, in either form', async () => {
    for (const email of [NFC, NFD]) {
      const result = await graphql(app.url, FlowSignUpDocument, { input: { email, password: PASSWORD } });
      expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    }
  });
});
