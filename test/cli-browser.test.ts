/**
 * `skillmeat auth login` approved by a person in a real browser: the CLI prints the
 * verification URL, Debian's chromium (playwright-core) opens it, signs in and approves.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killCliProcesses, runCli, startCli, tempHome, type TempHome } from './support/cli.js';
import { PASSWORD, signUp, startLocalIdpServer } from './support/idp.js';
import type { TestServer } from './support/server.js';

const CHROMIUM = '/usr/bin/chromium';

describe.skipIf(!existsSync(CHROMIUM))('skillmeat auth login, approved in chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let home: TempHome;

  beforeAll(async () => {
    server = await startLocalIdpServer();
    await signUp(server.url, 'browser@example.com');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
    });
    home = tempHome();
  });
  afterEach(async () => killCliProcesses());
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    home?.remove();
  });

  it('prints the URL, the person approves in the page, the CLI stores the session', async () => {
    const login = startCli(['auth', 'login', '--no-browser'], { env: home.env({ SKILLMEAT_API_URL: server.url }) });
    const [, code] = await login.waitFor(/Code: ([A-Z0-9]{4}-[A-Z0-9]{4})/, 30_000);
    const [url] = await login.waitFor(new RegExp(`${server.url}/device\\?user_code=[A-Z0-9-]+`), 5_000);
    const page = await browser.newPage();
    await page.goto(url!);
    expect(await page.inputValue('#user_code')).toBe(code);
    await page.fill('#email', 'browser@example.com');
    await page.fill('#password', PASSWORD);
    await page.click('#sign-in');
    await page.click('#approve');
    expect(await page.textContent('h1')).toBe('Device approved');
    const result = await login.result(30_000);
    expect(result.code, result.stderr).toBe(0);
    const whoami = await runCli(['auth', 'whoami', '--json'], { env: home.env({ SKILLMEAT_API_URL: server.url }) });
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(whoami.stdout))).toContain('browser@example.com');
  }, 60_000);
});
