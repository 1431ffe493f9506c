/**
 * The CLI's credentials in the OS keyring, against a real Linux Secret Service: Debian's
 * gnome-keyring-daemon inside its own `dbus-run-session`, unlocked with a test password, with
 * HOME and the XDG folders in a temp folder (the keyring's data persists there between
 * sessions, so every CLI call may run in a session of its own). And the fallback to the file:
 * no D-Bus session at all, and a D-Bus address whose socket accepts but never answers (a hung
 * bus: the CLI must not hang). Every CLI call is the real bin as a child process against a real
 * server with the local identity provider. .ci/run installs gnome-keyring; the keyring tests
 * skip only where dbus-run-session or gnome-keyring-daemon is missing.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as ops from './operations/generated/graphql.js';
import { CLI, killCliProcesses, runCli, runProgram, tempHome, type TempHome } from './support/cli.js';
import { graphqlOk } from './support/graphql.js';
import { startTestServer, type TestServer } from './support/server.js';

vi.setConfig({ testTimeout: 90_000 });

const HAVE_KEYRING = existsSync('/usr/bin/dbus-run-session') && existsSync('/usr/bin/gnome-keyring-daemon');
const KEYRING_PASSWORD = 'keyring test password';
let server: TestServer;
let home: TempHome;
let accounts = 0;

async function patFor(): Promise<string> {
  const email = `keyring-${++accounts}@example.test`;
  const { signUp } = await graphqlOk(server.url, ops.CliSignUpDocument, { email, password: 'keyring test pw 1', name: 'Kay' });
  const { createPersonalAccessToken } = await graphqlOk(
    server.url,
    ops.CliCreatePersonalAccessTokenDocument,
    { name: `keyring ${accounts}`, scopes: ['artifacts:read'] },
    { headers: { authorization: `Bearer ${signUp.session.accessToken}` } },
  );
  return createPersonalAccessToken.token;
}

function xdgEnv(): Record<string, string> {
  const runtime = join(home.home, 'run');
  mkdirSync(runtime, { recursive: true, mode: 0o700 });
  return { XDG_DATA_HOME: join(home.home, 'data'), XDG_CONFIG_HOME: join(home.home, 'xdg-config'), XDG_RUNTIME_DIR: runtime };
}

/** The CLI inside a fresh D-Bus session with gnome-keyring's Secret Service unlocked. */
function cliWithKeyring(args: string[]) {
  const script = `printf %s "$KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; exec "$@"`;
  return runProgram('/usr/bin/dbus-run-session', ['--', 'sh', '-c', script, 'sh', process.execPath, CLI, ...args], {
    ...home.env({ SKILLMEAT_API_URL: server.url }),
    ...xdgEnv(),
    KEYRING_PASSWORD,
    DBUS_SESSION_BUS_ADDRESS: undefined,
  });
}

/** The CLI with no D-Bus session (or the given address). */
const cliWithout = (args: string[], env: Record<string, string | undefined> = {}) =>
  runCli(args, { env: { ...home.env({ SKILLMEAT_API_URL: server.url }), ...xdgEnv(), DBUS_SESSION_BUS_ADDRESS: undefined, ...env } });

beforeAll(async () => {
  server = await startTestServer({ env: { SKILLMEAT_AUTH_ENABLED: 'true', SKILLMEAT_AUTH_PROVIDER: 'local' } });
});
afterAll(async () => {
  await server?.stop();
});
beforeEach(() => {
  home = tempHome();
});
afterEach(async () => {
  await killCliProcesses();
  home.remove();
});

describe.skipIf(!HAVE_KEYRING)('credentials in the Secret Service (gnome-keyring)', () => {
  it('auth token stores the token in the keyring, not the file; whoami says so; logout clears it', async () => {
    const token = await patFor();
    const stored = await cliWithKeyring(['auth', 'token', token]);
    expect(stored.code, stored.stderr).toBe(0);
    expect(stored.stderr).toContain('Credentials saved in the Secret Service keyring');
    expect(stored.stderr).not.toContain('no OS keyring answered');
    expect(existsSync(home.credentialsFile)).toBe(false);
    // The secret is on disk only in gnome-keyring's own (encrypted) keyring file.
    expect(existsSync(join(home.home, 'data', 'keyrings'))).toBe(true);

    // A new D-Bus session (the keyring persists under XDG_DATA_HOME): whoami finds it there.
    const who = await cliWithKeyring(['auth', 'whoami', '--json']);
    expect(who.code, who.stderr).toBe(0);
    const answer = JSON.parse(who.stdout) as { authMethod: string; credential: { source: string; store: string } };
    expect(answer.authMethod).toBe('PERSONAL_ACCESS_TOKEN');
    expect(answer.credential.source).toBe('keyring');
    expect(answer.credential.store).toContain('Secret Service keyring');
    const text = await cliWithKeyring(['auth', 'whoami']);
    expect(text.stdout).toMatch(/Credential:\s+keyring: the Secret Service keyring/);

    const out = await cliWithKeyring(['auth', 'logout']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toContain('Removed the stored token');
    const after = await cliWithKeyring(['auth', 'whoami']);
    expect(after.code).toBe(3);
    expect(after.stderr).toContain(`Not logged in to ${server.url}`);
  });

  it('a corrupt keyring entry is a clear message (exit 5); logout removes it', async () => {
    // Another program put something that is not a credential under our service and account.
    const binding = createRequire(import.meta.url).resolve('@napi-rs/keyring');
    const write = `const { Entry } = require(${JSON.stringify(binding)}); new Entry('skillmeat', ${JSON.stringify(server.url)}).setPassword('not json');`;
    const script = `printf %s "$KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; exec "$@"`;
    const planted = await runProgram('/usr/bin/dbus-run-session', ['--', 'sh', '-c', script, 'sh', process.execPath, '-e', write], {
      HOME: home.home,
      ...xdgEnv(),
      KEYRING_PASSWORD,
      DBUS_SESSION_BUS_ADDRESS: undefined,
    });
    expect(planted.code, planted.stderr).toBe(0);
    const who = await cliWithKeyring(['auth', 'whoami']);
    expect(who.code).toBe(5);
    // dbus-daemon may add its own lines on stderr (e.g. about the fd limit); the CLI's is one line.
    expect(who.stderr.split('\n').filter((line) => line.startsWith('error: '))).toEqual([
      `error: The Secret Service keyring entry for ${server.url} is corrupt. Run \`skillmeat auth logout\` to remove it, then log in again.`,
    ]);
    const out = await cliWithKeyring(['auth', 'logout']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toContain(`The keyring entry for ${server.url} was unreadable, so it has been removed.`);
    expect((await cliWithKeyring(['auth', 'whoami'])).stderr).toContain(`Not logged in to ${server.url}`);
  });

  it('logout clears both stores: a file entry left from before and the keyring entry', async () => {
    const fileToken = await patFor();
    const inFile = await cliWithout(['auth', 'token', fileToken]);
    expect(inFile.code, inFile.stderr).toBe(0);
    expect(readFileSync(home.credentialsFile, 'utf8')).toContain(fileToken);
    // Storing in the keyring moves the registry's entry out of the file.
    const keyToken = await patFor();
    expect((await cliWithKeyring(['auth', 'token', keyToken])).code).toBe(0);
    expect(existsSync(home.credentialsFile)).toBe(false);
    const out = await cliWithKeyring(['auth', 'logout']);
    expect(out.code, out.stderr).toBe(0);
    expect((await cliWithKeyring(['auth', 'whoami'])).code).toBe(3);
    expect((await cliWithout(['auth', 'whoami'])).code).toBe(3);
  });
});

describe('the file fallback when no keyring answers', () => {
  it('without a D-Bus session: the file (0600), with a one-line note; whoami names the file', async () => {
    const token = await patFor();
    const stored = await cliWithout(['auth', 'token', token]);
    expect(stored.code, stored.stderr).toBe(0);
    const notes = stored.stderr.split('\n').filter((line) => line.includes('no OS keyring answered'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain(`the credentials go to ${home.credentialsFile} (mode 600)`);
    expect(readFileSync(home.credentialsFile, 'utf8')).toContain(token);
    const who = await cliWithout(['auth', 'whoami', '--json']);
    expect(who.code, who.stderr).toBe(0);
    expect((JSON.parse(who.stdout) as { credential: unknown }).credential).toEqual({ source: 'file', path: home.credentialsFile, type: 'token' });
  });

  it('with SKILLMEAT_CREDENTIAL_STORE=file the keyring is not tried (no note)', async () => {
    const token = await patFor();
    const stored = await cliWithout(['auth', 'token', token], { SKILLMEAT_CREDENTIAL_STORE: 'file' });
    expect(stored.code, stored.stderr).toBe(0);
    expect(stored.stderr).not.toContain('no OS keyring answered');
    expect(stored.stderr).toContain(`Credentials saved in ${home.credentialsFile}.`);
  });

  describe('a hung D-Bus', () => {
    let bus: Server;
    const sockets = new Set<Socket>();
    let address: string;
    beforeEach(async () => {
      address = join(home.home, 'hung-bus');
      bus = createServer((socket) => {
        sockets.add(socket); // accepts, reads, never answers
        socket.on('error', () => {});
      });
      await new Promise<void>((resolve) => bus.listen(address, resolve));
    });
    afterEach(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => bus.close(resolve));
    });

    it('does not hang the CLI: the keyring operation is given up and the file used', async () => {
      const token = await patFor();
      const stored = await cliWithout(['auth', 'token', token], { DBUS_SESSION_BUS_ADDRESS: `unix:path=${address}` });
      expect(stored.code, stored.stderr).toBe(0);
      expect(stored.stderr).toMatch(/no OS keyring answered \(it did not answer within \d+ s\)/);
      expect(readFileSync(home.credentialsFile, 'utf8')).toContain(token);
      expect(sockets.size).toBeGreaterThan(0); // the binding really went to the bus
    });
  });
});
