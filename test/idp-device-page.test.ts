/**
 * The /device verification page in a real browser: Debian's chromium driven by playwright-core
 * (never a downloaded browser). `.ci/run` installs chromium when it is missing.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollToken, startDevice, signUp, startLocalIdpServer, PASSWORD } from './support/idp.js';
import type { TestServer } from './support/server.js';

const CHROMIUM = '/usr/bin/chromium';

describe.skipIf(!existsSync(CHROMIUM))('the /device page in chromium', () => {
  let server: TestServer;
  let browser: Browser;
  const shots = mkdtempSync(join(tmpdir(), 'skillmeat-shots-'));

  beforeAll(async () => {
    server = await startLocalIdpServer();
    await signUp(server.url, 'page@example.com');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(shots, { recursive: true, force: true });
  });

  it('signs in, shows the pre-filled code, approves; the device then gets tokens', async () => {
    const start = await startDevice(server.url);
    const page = await browser.newPage();
    const response = await page.goto(start.verification_uri_complete);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
    expect(response?.headers()['x-frame-options']).toBe('DENY');
    expect(await page.inputValue('#user_code')).toBe(start.user_code);
    await page.fill('#email', 'page@example.com');
    await page.fill('#password', 'not my password');
    await page.click('#sign-in');
    expect(await page.textContent('#notice')).toContain('Invalid email or password');
    await page.fill('#email', 'page@example.com');
    await page.fill('#password', PASSWORD);
    await page.click('#sign-in');
    expect(await page.textContent('#who')).toBe('page@example.com');
    expect(await page.inputValue('#user_code')).toBe(start.user_code);
    const shot = join(shots, 'decision.png');
    await page.screenshot({ path: shot });
    expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
    await page.click('#approve');
    expect(await page.textContent('h1')).toBe('Device approved');
    const tokens = await pollToken(server.url, start.device_code);
    expect(tokens.status).toBe(200);
    expect(tokens.body.access_token).toEqual(expect.any(String));
    await page.close();
  });

  it('deny in the page → access_denied for the device', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const start = await startDevice(server.url);
    await page.goto(`${server.url}/device`);
    await page.fill('#user_code', start.user_code.toLowerCase());
    await page.fill('#email', 'page@example.com');
    await page.fill('#password', PASSWORD);
    await page.click('#sign-in');
    await page.fill('#user_code', start.user_code.toLowerCase());
    await page.click('#deny');
    expect(await page.textContent('h1')).toBe('Device denied');
    expect(await pollToken(server.url, start.device_code)).toMatchObject({ status: 400, body: { error: 'access_denied' } });
    await context.close();
  });

  it('refuses a form post without the CSRF token, or from another site', async () => {
    const page = await fetch(`${server.url}/device`);
    const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    const post = (body: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(`${server.url}/device/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, ...headers },
        body: new URLSearchParams(body).toString(),
      });
    expect((await post({ email: 'page@example.com', password: PASSWORD })).status).toBe(403);
    expect((await post({ email: 'page@example.com', password: PASSWORD, csrf }, { origin: 'http://evil.example' })).status).toBe(403);
    const ok = await post({ email: 'page@example.com', password: PASSWORD, csrf });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
  });
});
