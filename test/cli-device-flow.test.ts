/**
 * The CLI's RFC 8628 client against a scripted token endpoint (test/support/fake-device-server):
 * polling honours `interval` and adds 5 s on slow_down, expired_token / invalid_grant / code
 * expiry / --timeout end with exit 3 and the message a person needs, and the browser is opened
 * (or the CLI says why it could not). The real server's flow is in cli.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deviceLogin } from '../src/cli/device-login.js';
import { CLI, hasStackTrace, killCliProcesses, runCli, runProgram, tempHome, unsignedJwt, type TempHome } from './support/cli.js';
import { startFakeDeviceServer, type FakeDeviceServer, type TokenAnswer } from './support/fake-device-server.js';

// Every CLI call is a node process that compiles TypeScript on start: give slow machines room.
vi.setConfig({ testTimeout: 90_000 });

let home: TempHome;
let fake: FakeDeviceServer | undefined;

const tokens = (): TokenAnswer => ({ tokens: { access_token: unsignedJwt(900), refresh_token: 'smr_fake-refresh', expires_in: 900 } });

async function login(script: TokenAnswer[], args: string[] = ['--no-browser'], options: { interval?: number; expiresIn?: number; env?: Record<string, string | undefined> } = {}) {
  fake = await startFakeDeviceServer({ script, ...options });
  const result = await runCli(['auth', 'login', ...args], { env: home.env({ SKILLMEAT_API_URL: fake.url, ...options.env }) });
  return { result, fake };
}

beforeEach(() => {
  home = tempHome();
});

afterEach(async () => {
  await killCliProcesses();
  await fake?.close();
  fake = undefined;
  home.remove();
});

describe('polling the token endpoint', () => {
  it('waits `interval` before each poll and 5 s more after slow_down (the waits it asks for, no clock read)', async () => {
    fake = await startFakeDeviceServer({ script: ['authorization_pending', 'slow_down', 'authorization_pending', tokens()], interval: 2 });
    const waits: number[] = [];
    const pollsAtWait: number[] = [];
    const session = await deviceLogin({
      registry: fake.url,
      browser: false,
      hasDisplay: false,
      sleep: async (ms) => {
        waits.push(ms);
        pollsAtWait.push(fake!.polls.length);
      },
    });
    expect(session).toMatchObject({ type: 'session', refreshToken: 'smr_fake-refresh' });
    // 2 s before the first poll and after authorization_pending; 2 + 5 s after slow_down, and it stays.
    expect(waits).toEqual([2_000, 2_000, 7_000, 7_000]);
    // Each wait comes before its poll: no poll without a wait first.
    expect(pollsAtWait).toEqual([0, 1, 2, 3]);
    expect(fake.polls).toHaveLength(4);
  });

  it('polls through the real CLI until approved, then stores the tokens', async () => {
    const { result, fake } = await login(['authorization_pending', 'slow_down', tokens()]);
    expect(result.code, result.stderr).toBe(0);
    expect(fake.polls).toHaveLength(3);
    expect(Object.fromEntries(fake.polls[0]!.form)).toEqual({
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      device_code: 'fake-device-code',
      client_id: 'skillmeat-cli',
    });
    expect(result.stderr).toContain(`Logged in to ${fake.url}.`);
    const stored = JSON.parse(readFileSync(home.credentialsFile, 'utf8')) as { registries: Record<string, { type: string; refreshToken: string }> };
    expect(stored.registries[fake.url]).toMatchObject({ type: 'session', refreshToken: 'smr_fake-refresh' });
  });

  it('expired_token: says the code expired and to log in again (exit 3)', async () => {
    const { result, fake } = await login(['authorization_pending', 'expired_token']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`error: The code expired before it was approved. Run \`skillmeat auth login --registry ${fake.url}\` to get a new one.`);
    expect(hasStackTrace(result.stderr)).toBe(false);
    expect(existsSync(home.credentialsFile)).toBe(false);
  });

  it('invalid_grant: the request is no longer accepted (exit 3)', async () => {
    const { result } = await login(['invalid_grant']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('no longer accepts this login request (scripted invalid_grant)');
  });

  it('stops when the code expires (expires_in) without approval', async () => {
    const { result, fake } = await login(['authorization_pending'], ['--no-browser'], { expiresIn: 2 });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('The code expired before it was approved.');
    expect(fake.polls.length).toBeLessThanOrEqual(2);
  });

  it('--timeout shorter than the interval: gives up without polling', async () => {
    const { result, fake } = await login(['authorization_pending'], ['--no-browser', '--timeout', '1'], { interval: 5 });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('No approval within 1 s (--timeout); nothing was stored.');
    expect(fake.polls).toHaveLength(0);
  });
});

describe('opening the browser', () => {
  it('runs xdg-open with the verification URL (code filled in) and says so', async () => {
    const bin = join(home.home, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\necho "$@" > '${join(home.home, 'opened.txt')}'\n`);
    chmodSync(join(bin, 'xdg-open'), 0o755);
    const { result, fake } = await login(['access_denied'], [], { env: { PATH: bin, DISPLAY: ':99' } });
    expect(result.stderr).toContain('Opened the page in your browser.');
    expect(readFileSync(join(home.home, 'opened.txt'), 'utf8').trim()).toBe(`${fake.url}/device?user_code=FAKE-CODE`);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('The login request was denied.');
  });

  it('says when it cannot: no opener installed, or no display', async () => {
    const empty = join(home.home, 'empty');
    mkdirSync(empty);
    const missing = await login(['access_denied'], [], { env: { PATH: empty, DISPLAY: ':99' } });
    expect(missing.result.stderr).toContain('Could not open a browser: xdg-open is not installed. Open the URL above yourself.');
    await fake?.close();
    const headless = await login(['access_denied'], []);
    expect(headless.result.stderr).toContain('Could not open a browser: there is no graphical display (DISPLAY and WAYLAND_DISPLAY are unset).');
    expect(headless.result.stderr).toContain('Code: FAKE-CODE');
  });

  it('--no-browser does not try', async () => {
    const { result } = await login(['access_denied'], ['--no-browser'], { env: { DISPLAY: ':99' } });
    expect(result.stderr).not.toMatch(/Opened the page|Could not open a browser/);
  });
});

const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

describe('the spinner', () => {
  it.skipIf(!hasScript)('runs while waiting when stderr is a terminal, and is cleared before the result', async () => {
    fake = await startFakeDeviceServer({ script: ['authorization_pending', 'access_denied'] });
    // util-linux script(1) gives the CLI a pseudo-terminal; its output comes back on stdout.
    const result = await runProgram('script', ['-qefc', `${process.execPath} ${CLI} auth login --no-browser`, '/dev/null'], home.env({ SKILLMEAT_API_URL: fake.url }));
    const clearLine = '\r\u001b[2K';
    expect(result.stdout).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Waiting for approval… \(the code expires in \d+:\d\d\)/);
    expect(result.stdout).toContain(`${clearLine}error: The login request was denied.`);
    expect(result.stdout.split(clearLine).length).toBeGreaterThan(3);
    expect(result.code).toBe(3);
  });
});
