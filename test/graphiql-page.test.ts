/**
 * GraphiQL at /graphql (src/http/graphiql.ts): served from node_modules, under a strict CSP, in a
 * real browser (Debian's chromium driven by playwright-core, never a downloaded browser) that may
 * reach nothing but the server's own loopback origin. Takes the README's screenshot: into
 * docs/graphiql.png with `npm run screenshots` (UPDATE_SCREENSHOTS=1), else into a temporary
 * file, so that `npm test` leaves the checkout as it found it.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { css as bundleCss, js as bundleJs } from '@graphql-yoga/render-graphiql/graphiql';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, signUp, startLocalIdpServer } from './support/idp.js';
import { createArtifact } from './support/seed.js';
import { startTestServer, type TestServer } from './support/server.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = process.env.UPDATE_SCREENSHOTS
  ? fileURLToPath(new URL('../docs/graphiql.png', import.meta.url))
  : join(mkdtempSync(join(tmpdir(), 'graphiql-screenshot-')), 'graphiql.png');

/** The page's CSP as directive → sources. */
function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

function expectStrictCsp(csp: string | null | undefined): void {
  expect(csp).toEqual(expect.any(String));
  const policy = directives(csp!);
  expect(policy.get('default-src')).toEqual(["'none'"]);
  expect(policy.get('script-src')).toEqual(["'self'"]);
  expect(policy.get('worker-src')).toEqual(["'self'"]);
  expect(policy.get('connect-src')).toEqual(["'self'"]);
  expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
  // Inline styles only (Monaco's theme): never an inline script, never eval, never another host.
  for (const [name, sources] of policy) {
    for (const source of sources) {
      const allowed = ["'self'", "'none'", 'data:', ...(name === 'style-src' ? ["'unsafe-inline'"] : [])];
      expect(allowed, `${name} ${source}`).toContain(source);
    }
  }
}

describe('the GraphiQL page and its files', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('is a page of same-origin scripts only, under a CSP that allows scripts from this origin only', async () => {
    const response = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expectStrictCsp(response.headers.get('content-security-policy'));
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    const html = await response.text();
    expect(html).toContain('<title>SkillMeat GraphQL API</title>');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map((s) => /src="([^"]+)"/.exec(s[1]!)?.[1])).toEqual(['/graphiql/environment.js', '/graphiql/graphiql.js', '/graphiql/start.js']);
    expect(scripts.map((s) => s[2])).toEqual(['', '', '']);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('serves the bundle of node_modules/@graphql-yoga/render-graphiql as files: nosniff, an ETag, 304 when unchanged', async () => {
    const files: [string, string, string | null][] = [
      ['graphiql.js', 'text/javascript; charset=utf-8', bundleJs],
      ['graphiql.css', 'text/css; charset=utf-8', bundleCss],
      ['editor.worker.js', 'text/javascript; charset=utf-8', null],
      ['json.worker.js', 'text/javascript; charset=utf-8', null],
      ['graphql.worker.js', 'text/javascript; charset=utf-8', null],
      ['environment.js', 'text/javascript; charset=utf-8', null],
      ['start.js', 'text/javascript; charset=utf-8', null],
      ['page.css', 'text/css; charset=utf-8', null],
      ['favicon.ico', 'image/x-icon', null],
    ];
    for (const [file, type, body] of files) {
      const response = await fetch(`${server.url}/graphiql/${file}`);
      expect(response.status, file).toBe(200);
      expect(response.headers.get('content-type'), file).toBe(type);
      expect(response.headers.get('x-content-type-options'), file).toBe('nosniff');
      const text = await response.text();
      expect(text.length, file).toBeGreaterThan(0);
      if (body !== null) expect(text === body, `${file} is the bundle's own`).toBe(true);
      const etag = response.headers.get('etag');
      expect(etag, file).toMatch(/^"[A-Za-z0-9_-]+"$/);
      const again = await fetch(`${server.url}/graphiql/${file}`, { headers: { 'if-none-match': etag! } });
      expect(again.status, file).toBe(304);
    }
    const missing = await fetch(`${server.url}/graphiql/nope.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

/** The text an editor shows (lines in the order they are drawn), by the end of its model's URI. */
async function editorText(page: Page, uri: string): Promise<string> {
  return page.locator(`.monaco-editor[data-uri$="${uri}"] .view-lines`).evaluate((lines) =>
    [...lines.querySelectorAll<HTMLElement>('.view-line')]
      .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
      .map((line) => (line.textContent ?? '').replace(/\u00a0/g, ' '))
      .join('\n'),
  );
}

/** Replaces an editor's content the way a person would: click, select all, type. */
async function typeInto(page: Page, uri: string, text: string): Promise<void> {
  await page.locator(`.monaco-editor[data-uri$="${uri}"]`).click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Backspace');
  await page.keyboard.insertText(text);
}

/** Waits for GraphiQL to store the headers: it writes them 500 ms after the last change. */
async function headersStored(page: Page, text: string): Promise<void> {
  await expect.poll(() => page.evaluate(() => localStorage.getItem('graphiql:headers'))).toContain(text);
}

/** Brings up the headers editor (its tab under the operation editor), as a person would. */
async function showHeaders(page: Page): Promise<void> {
  const tab = page.locator('.graphiql-editor-tools button[data-name="headers"]');
  if (!((await tab.getAttribute('class')) ?? '').split(' ').includes('active')) await tab.click();
  await page.locator('.monaco-editor[data-uri$="request-headers.json"] .view-lines').waitFor();
}

async function resultJson(page: Page): Promise<unknown> {
  await expect.poll(() => editorText(page, 'response.json'), { timeout: 10_000 }).toMatch(/^\{/);
  return JSON.parse(await editorText(page, 'response.json'));
}

// Each test loads 9 MB of JavaScript into a fresh browser context, and some twice.
describe.skipIf(!existsSync(CHROMIUM))('GraphiQL in chromium, offline', { timeout: 60_000 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  /**
   * A browser context that can reach `url`'s origin and nothing else: every other request is
   * aborted and recorded. Console errors, page errors and CSP violations are recorded too.
   */
  async function offlineContext(url: string) {
    const origin = new URL(url).origin;
    const foreign: string[] = [];
    const problems: string[] = [];
    const context: BrowserContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.route('**/*', (route) => {
      const requested = route.request().url();
      if (new URL(requested).origin === origin) return route.continue();
      foreign.push(requested);
      return route.abort('blockedbyclient');
    });
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
    });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    const open = async () => {
      const response = await page.goto(`${url}/graphql`);
      await page.locator('.monaco-editor[data-uri$="operation.graphql"] .view-lines').waitFor();
      return response;
    };
    return { context, page, foreign, problems, open };
  }

  describe('zero-auth', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer();
      await createArtifact(server.url, { name: 'code-review', type: 'SKILL', description: 'Reviews a diff' });
      await createArtifact(server.url, { name: 'release-notes', type: 'COMMAND' });
      await createArtifact(server.url, { name: 'docs-search', type: 'MCP' });
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('renders the editor, lists Query.artifacts in the docs, runs a typed query and shows its result', async () => {
      const { context, page, foreign, problems, open } = await offlineContext(server.url);
      const response = await open();
      expectStrictCsp(response?.headers()['content-security-policy']);
      await expect.poll(() => editorText(page, 'operation.graphql')).toContain('Welcome to SkillMeat GraphQL API');

      await page.click('[aria-label="Show Documentation Explorer"]');
      const docs = page.locator('.graphiql-doc-explorer');
      await docs.locator('a.graphiql-doc-explorer-type-name', { hasText: /^Query$/ }).click();
      await expect.poll(() => docs.locator('.graphiql-doc-explorer-title').textContent()).toBe('Query');
      await docs.locator('a.graphiql-doc-explorer-field-name', { hasText: /^artifacts$/ }).waitFor();

      await typeInto(page, 'operation.graphql', '{ artifacts(first: 2) { totalCount edges { node { name type } } } }');
      await page.click('[aria-label="Prettify query (Shift-Ctrl-P)"]');
      await expect.poll(() => editorText(page, 'operation.graphql')).toBe(
        ['{', '  artifacts(first: 2) {', '    totalCount', '    edges {', '      node {', '        name', '        type', '      }', '    }', '  }', '}', ''].join('\n'),
      );
      const sent = page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/graphql' && (r.postData() ?? '').includes('totalCount'));
      await page.click('.graphiql-execute-button');
      await sent;
      expect(await resultJson(page)).toEqual({
        data: { artifacts: { totalCount: 3, edges: [{ node: { name: 'code-review', type: 'SKILL' } }, { node: { name: 'release-notes', type: 'COMMAND' } }] } },
      });

      // The pointer off the editors, so their scrollbars have faded in the picture.
      await page.mouse.move(1000, 700);
      await expect.poll(() => page.locator('.graphiql-query-editor .scrollbar.horizontal').first().getAttribute('class')).toContain('invisible');
      await page.screenshot({ path: SCREENSHOT, animations: 'disabled' });
      const png = readFileSync(SCREENSHOT);
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1280, 800]);

      expect(foreign).toEqual([]);
      expect(problems).toEqual([]);
      await context.close();
    });

    it('keeps the headers across a reload; the button merges Authorization into them, and requests carry it', async () => {
      const { context, page, foreign, problems, open } = await offlineContext(server.url);
      await open();
      await showHeaders(page);
      await typeInto(page, 'request-headers.json', '{"X-Team-Hint": "kept"}');
      await expect.poll(() => editorText(page, 'request-headers.json')).toBe('{"X-Team-Hint": "kept"}');
      await headersStored(page, 'X-Team-Hint');

      await page.reload();
      await page.locator('.monaco-editor[data-uri$="operation.graphql"] .view-lines').waitFor();
      await showHeaders(page);
      await expect.poll(() => editorText(page, 'request-headers.json')).toBe('{"X-Team-Hint": "kept"}');

      // From the Variables tab: the button brings the headers editor up itself.
      await page.click('.graphiql-editor-tools button[data-name="variables"]');
      await page.click('#add-authorization');
      await expect.poll(() => page.locator('.graphiql-editor-tools button[data-name="headers"]').getAttribute('class')).toContain('active');
      await expect.poll(() => page.textContent('#authorization-note')).toContain('Paste your token');
      expect(JSON.parse(await editorText(page, 'request-headers.json'))).toEqual({ 'X-Team-Hint': 'kept', Authorization: 'Bearer <paste token>' });
      // The placeholder is selected: what is typed (or pasted) next replaces it.
      await page.keyboard.insertText('test-token-1');
      await expect.poll(async () => JSON.parse(await editorText(page, 'request-headers.json'))).toEqual({ 'X-Team-Hint': 'kept', Authorization: 'Bearer test-token-1' });

      await typeInto(page, 'operation.graphql', '{ me { role } }');
      const sent = page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/graphql' && (r.postData() ?? '').includes('role'));
      await page.click('.graphiql-execute-button');
      const request = await sent;
      expect(request.headers()['authorization']).toBe('Bearer test-token-1');
      expect(request.headers()['x-team-hint']).toBe('kept');
      expect(await resultJson(page)).toEqual({ data: { me: { role: 'LOCAL_ADMIN' } } });

      // A second click keeps the token that is there.
      await page.click('#add-authorization');
      await expect.poll(() => page.textContent('#authorization-note')).toContain('already set');
      expect(JSON.parse(await editorText(page, 'request-headers.json'))).toEqual({ 'X-Team-Hint': 'kept', Authorization: 'Bearer test-token-1' });
      await headersStored(page, 'test-token-1');

      await page.reload();
      await page.locator('.monaco-editor[data-uri$="operation.graphql"] .view-lines').waitFor();
      await showHeaders(page);
      await expect.poll(() => editorText(page, 'request-headers.json')).toContain('test-token-1');
      expect(JSON.parse(await editorText(page, 'request-headers.json'))).toEqual({ 'X-Team-Hint': 'kept', Authorization: 'Bearer test-token-1' });

      // Headers that are not a JSON object are left alone.
      // (The editor closes the brackets a person opens: compare with what it shows before the click.)
      for (const [broken, shown] of [
        ['{"X-Broken": ', /^\{"X-Broken": \}?$/],
        ['["not", "an", "object"]', /^\["not", "an", "object"\]$/],
      ] as const) {
        await showHeaders(page);
        await typeInto(page, 'request-headers.json', broken);
        const before = await editorText(page, 'request-headers.json');
        expect(before).toMatch(shown);
        await page.click('#add-authorization');
        expect(await page.textContent('#authorization-note')).toContain('nothing was changed');
        expect(await editorText(page, 'request-headers.json')).toBe(before);
      }

      expect(foreign).toEqual([]);
      expect(problems).toEqual([]);
      await context.close();
    });
  });

  describe('auth enabled (local identity provider)', () => {
    let server: TestServer;
    let token: string;
    beforeAll(async () => {
      server = await startLocalIdpServer();
      token = (await signUp(server.url, 'graphiql@example.com', PASSWORD)).accessToken;
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('runs as the person whose token was pasted in place of the placeholder', async () => {
      const { context, page, foreign, open } = await offlineContext(server.url);
      await open();
      await typeInto(page, 'operation.graphql', '{ me { authMethod user { email } } }');
      await page.click('.graphiql-execute-button');
      expect(await resultJson(page)).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });

      await page.click('#add-authorization');
      await expect.poll(() => page.textContent('#authorization-note')).toContain('Paste your token');
      await page.keyboard.insertText(token);
      await page.click('.graphiql-execute-button');
      await expect.poll(async () => JSON.parse(await editorText(page, 'response.json'))).toEqual({
        data: { me: { authMethod: 'JWT', user: { email: 'graphiql@example.com' } } },
      });
      expect(foreign).toEqual([]);
      await context.close();
    });
  });
});
