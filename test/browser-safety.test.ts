/**
 * Browser safety (SPEC: a page on another origin can neither run an operation nor read an
 * answer; zero-auth serves loopback Host names only), black-box over real HTTP:
 * - CSRF (src/plugins/csrf-prevention.ts): forms, multipart, text/plain and body-less POSTs are
 *   415 UNSUPPORTED_MEDIA_TYPE on the direct path and through Yoga alike, and nothing runs; a
 *   GraphQL GET needs a header only a script can set (403 CSRF_PREFLIGHT_REQUIRED without one);
 * - CORS (src/http/cors.ts): no Access-Control-* header for a foreign origin; the origins named
 *   in SKILLMEAT_CORS_ORIGINS get exactly their origin back, with credentials;
 * - Host (src/http/allowed-hosts.ts): a rebound Host is 421 HOST_NOT_ALLOWED on every path
 *   but /health; loopback names, HOST, the public URL's host and SKILLMEAT_ALLOWED_HOSTS pass;
 * - and the same in chromium: a page on a second loopback origin tries a cross-site form, a
 *   credentialed JSON fetch and a simple GET, and a rebound name (--host-resolver-rules) is
 *   refused; nothing is created and the page reads nothing.
 */
import { existsSync } from 'node:fs';
import { createServer, request, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlOk } from './support/graphql.js';
import { postForm, startLocalIdpServer } from './support/idp.js';
import { startTestServer, type TestServer } from './support/server.js';

const EVIL = 'https://evil.example';
const createArtifact = (name: string) => `mutation { createArtifact(input: { name: "${name}", type: SKILL }) { artifact { id name } } }`;
const COUNT_QUERY = '{ artifacts(first: 1) { totalCount } }';
let markers = 0;
const marker = () => `browser-safety-${process.pid}-${++markers}`;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request on a raw socket to the server's own address, with whatever Host header the test wants. */
function send(baseUrl: string, options: { method?: string; path?: string; headers?: OutgoingHttpHeaders; body?: string | Buffer }): Promise<Answer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method: options.method ?? 'GET', path: options.path ?? '/graphql', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(15_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(options.body);
  });
}

const codeOf = (answer: Answer): unknown => (JSON.parse(answer.body) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code;
const corsHeaders = (answer: Answer) => Object.keys(answer.headers).filter((name) => name.startsWith('access-control-'));
const jsonPost = (query: string, headers: OutgoingHttpHeaders = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify({ query }),
});

/** How many artifacts are named `name` (searched over a JSON POST, which is always allowed). */
async function countNamed(url: string, name: string): Promise<number> {
  const data = await graphqlOk<{ artifacts: { totalCount: number } }, Record<string, never>>(url, `{ artifacts(filter: { search: "${name}" }) { totalCount } }`);
  return data.artifacts.totalCount;
}

describe.each([
  ['the direct path', true],
  ["Yoga's fetch layer", false],
])('CSRF and CORS defaults, on %s', (_path, directGraphQLPost) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ directGraphQLPost });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('runs a JSON POST (the one form of POST a page on another site cannot send unpreflighted)', async () => {
    const name = marker();
    const before = server.app.server.directAnswers();
    for (const type of ['application/json', 'application/json; charset=utf-8', 'application/graphql+json']) {
      const answer = await send(server.url, jsonPost(createArtifact(`${name}-${type.length}`), { 'content-type': type }));
      expect(answer.status, type).toBe(200);
      expect(JSON.parse(answer.body), type).toMatchObject({ data: { createArtifact: { artifact: { name: `${name}-${type.length}` } } } });
    }
    expect(await countNamed(server.url, name)).toBe(3);
    // The direct path answered the plain application/json ones itself; the other server never does.
    expect(server.app.server.directAnswers() > before).toBe(directGraphQLPost);
  });

  it('refuses forms, multipart, text/plain and a body with no type: 415 UNSUPPORTED_MEDIA_TYPE, nothing created', async () => {
    const name = marker();
    const query = createArtifact(name);
    const multipart = new Response(
      (() => {
        const form = new FormData();
        form.set('operations', JSON.stringify({ query }));
        form.set('query', query);
        return form;
      })(),
    );
    const multipartType = multipart.headers.get('content-type')!;
    const multipartBody = Buffer.from(await multipart.arrayBuffer());
    const attempts: [string, OutgoingHttpHeaders, string | Buffer][] = [
      ['a url-encoded form', { 'content-type': 'application/x-www-form-urlencoded' }, new URLSearchParams({ query }).toString()],
      ['a multipart form', { 'content-type': multipartType }, multipartBody],
      ['text/plain', { 'content-type': 'text/plain' }, JSON.stringify({ query })],
      ['text/plain as fetch sends a string', { 'content-type': 'text/plain;charset=UTF-8' }, JSON.stringify({ query })],
      ['Text/Plain', { 'content-type': 'Text/Plain' }, JSON.stringify({ query })],
      ['no Content-Type', {}, JSON.stringify({ query })],
      ['application/graphql', { 'content-type': 'application/graphql' }, query],
    ];
    for (const [what, headers, body] of attempts) {
      const answer = await send(server.url, { method: 'POST', headers: { origin: EVIL, ...headers }, body });
      expect(answer.status, what).toBe(415);
      expect(codeOf(answer), what).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(corsHeaders(answer), what).toEqual([]);
    }
    expect(await countNamed(server.url, name)).toBe(0);
  });

  it('gives a foreign origin no CORS header: preflight, GET or POST', async () => {
    const preflight = await send(server.url, {
      method: 'OPTIONS',
      headers: { origin: EVIL, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(corsHeaders(preflight)).toEqual([]);
    const post = await send(server.url, jsonPost(COUNT_QUERY, { origin: EVIL }));
    expect(post.status).toBe(200);
    expect(corsHeaders(post)).toEqual([]);
    const get = await send(server.url, { path: `/graphql?query=${encodeURIComponent(COUNT_QUERY)}`, headers: { origin: EVIL, 'graphql-require-preflight': '1' } });
    expect(get.status).toBe(200);
    expect(corsHeaders(get)).toEqual([]);
  });
});

describe('GraphQL over GET', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  const get = (query: string, headers: OutgoingHttpHeaders = {}) =>
    send(server.url, { path: `/graphql?query=${encodeURIComponent(query)}`, headers: { accept: 'application/json', ...headers } });

  it('is refused with 403 CSRF_PREFLIGHT_REQUIRED unless it carries a header only a script can set', async () => {
    const refused: [string, OutgoingHttpHeaders][] = [
      ['no header', {}],
      ['an Authorization header (a browser sends cached Basic credentials by itself)', { authorization: 'Basic dXNlcjpwYXNz' }],
      ['a simple Content-Type', { 'content-type': 'text/plain' }],
      ['an empty GraphQL-Require-Preflight', { 'graphql-require-preflight': '' }],
    ];
    for (const [what, headers] of refused) {
      const answer = await get(COUNT_QUERY, headers);
      expect(answer.status, what).toBe(403);
      expect(codeOf(answer), what).toBe('CSRF_PREFLIGHT_REQUIRED');
      expect(JSON.parse(answer.body).data, what).toBeUndefined();
    }
    const served: [string, OutgoingHttpHeaders][] = [
      ['GraphQL-Require-Preflight', { 'graphql-require-preflight': '1' }],
      ['X-GraphQL-Yoga-CSRF', { 'x-graphql-yoga-csrf': 'yes' }],
      ['Apollo-Require-Preflight', { 'apollo-require-preflight': 'true' }],
      ['X-API-Key', { 'x-api-key': 'whatever' }],
      ['a JSON Content-Type', { 'content-type': 'application/json' }],
    ];
    for (const [what, headers] of served) {
      const answer = await get(COUNT_QUERY, headers);
      expect(answer.status, what).toBe(200);
      expect(JSON.parse(answer.body), what).toEqual({ data: { artifacts: { totalCount: expect.any(Number) } } });
    }
  });

  it('still refuses a mutation (405) with the header, and still serves GraphiQL to a browser', async () => {
    const name = marker();
    const mutation = await get(createArtifact(name), { 'graphql-require-preflight': '1' });
    expect(mutation.status).toBe(405);
    expect(await countNamed(server.url, name)).toBe(0);
    const graphiql = await send(server.url, { headers: { accept: 'text/html' } });
    expect(graphiql.status).toBe(200);
    expect(graphiql.headers['content-type']).toMatch(/^text\/html/);
  });
});

describe('SKILLMEAT_CORS_ORIGINS', () => {
  const APP = 'https://app.example';
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { SKILLMEAT_CORS_ORIGINS: `${APP}, http://localhost:5173` } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('gives a named origin exactly its origin back, with credentials, on the preflight and the answer', async () => {
    const preflight = await send(server.url, {
      method: 'OPTIONS',
      headers: { origin: APP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(APP);
    expect(preflight.headers['access-control-allow-credentials']).toBe('true');
    expect(preflight.headers['access-control-allow-methods']).toContain('POST');
    expect(preflight.headers['access-control-allow-headers']).toBe('content-type');
    for (const origin of [APP, 'http://localhost:5173']) {
      const post = await send(server.url, jsonPost(COUNT_QUERY, { origin }));
      expect(post.status).toBe(200);
      expect(post.headers['access-control-allow-origin']).toBe(origin);
      expect(post.headers['access-control-allow-credentials']).toBe('true');
    }
  });

  it('gives any other origin nothing, never `*`', async () => {
    for (const origin of [EVIL, 'http://app.example', 'https://app.example.evil.example', 'https://app.example:8443', 'null', 'http://localhost:5174']) {
      for (const answer of [
        await send(server.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } }),
        await send(server.url, jsonPost(COUNT_QUERY, { origin })),
      ]) {
        expect(corsHeaders(answer), origin).toEqual([]);
      }
    }
  });
});

describe('the Host header (DNS rebinding)', () => {
  describe('zero-auth', () => {
    let server: TestServer;
    let port: string;
    beforeAll(async () => {
      server = await startTestServer();
      port = new URL(server.url).port;
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('refuses a rebound name with 421 HOST_NOT_ALLOWED on every path but /health, and runs nothing', async () => {
      const name = marker();
      for (const host of [`rebind.attacker.example:${port}`, 'rebind.attacker.example', `localhost.attacker.example:${port}`, `127.0.0.1.nip.io:${port}`]) {
        const attempts: [string, Parameters<typeof send>[1]][] = [
          ['a JSON POST', jsonPost(createArtifact(name))],
          ['GraphiQL', { headers: { accept: 'text/html' } }],
          ['/version', { path: '/version' }],
          ['a preflight', { method: 'OPTIONS', headers: { origin: `http://${host}`, 'access-control-request-method': 'POST' } }],
          ['an unknown path', { path: '/nope' }],
        ];
        for (const [what, options] of attempts) {
          const answer = await send(server.url, { ...options, headers: { ...options.headers, host } });
          expect(answer.status, `${what} for Host ${host}`).toBe(421);
          expect(codeOf(answer), `${what} for Host ${host}`).toBe('HOST_NOT_ALLOWED');
          expect(answer.headers['content-type']).toMatch(/^application\/json/);
        }
        expect((await send(server.url, { path: '/health', headers: { host } })).status).toBe(200);
      }
      expect(await countNamed(server.url, name)).toBe(0);
    });

    it('serves the loopback names, on any port', async () => {
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LocalHost:${port}`, '[::1]:8080', '127.0.0.1', 'localhost', `127.0.0.2:${port}`]) {
        const answer = await send(server.url, { ...jsonPost(COUNT_QUERY), headers: { ...jsonPost(COUNT_QUERY).headers, host } });
        expect(answer.status, host).toBe(200);
        expect(JSON.parse(answer.body), host).toMatchObject({ data: { artifacts: { totalCount: expect.any(Number) } } });
      }
    });
  });

  it('SKILLMEAT_ALLOWED_HOSTS adds names (any port) and name:port pairs', async () => {
    const server = await startTestServer({ env: { SKILLMEAT_ALLOWED_HOSTS: 'registry.internal, other.example:8443' } });
    try {
      const status = async (host: string) => (await send(server.url, { path: '/version', headers: { host } })).status;
      expect(await status('registry.internal')).toBe(200);
      expect(await status('Registry.Internal:9000')).toBe(200);
      expect(await status('other.example:8443')).toBe(200);
      expect(await status('other.example:9999')).toBe(421);
      expect(await status('other.example')).toBe(421);
      expect(await status('sub.registry.internal')).toBe(421);
      expect(await status('localhost:1')).toBe(200);
      expect(await status('rebind.attacker.example')).toBe(421);
    } finally {
      await server.stop();
    }
  });

  it('auth enabled, no allow-list: any Host is served; OAuth still takes forms, GraphQL still refuses them', async () => {
    const server = await startLocalIdpServer();
    try {
      const version = await send(server.url, { path: '/version', headers: { host: 'lb-1234.internal.example' } });
      expect(version.status).toBe(200);
      expect((await postForm(`${server.url}/oauth/device/code`, { client_id: 'skillmeat-cli' })).status).toBe(200);
      const form = await send(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: EVIL },
        body: new URLSearchParams({ query: '{ __typename }' }).toString(),
      });
      expect(form.status).toBe(415);
      expect(codeOf(form)).toBe('UNSUPPORTED_MEDIA_TYPE');
    } finally {
      await server.stop();
    }
  });

  it('auth enabled with an allow-list: it, the loopback names and SKILLMEAT_PUBLIC_URL\'s host are served', async () => {
    const server = await startLocalIdpServer('sqlite', { SKILLMEAT_ALLOWED_HOSTS: 'api.example', SKILLMEAT_PUBLIC_URL: 'https://registry.example:8443' });
    try {
      const status = async (host: string) => (await send(server.url, { path: '/.well-known/openid-configuration', headers: { host } })).status;
      expect(await status('api.example')).toBe(200);
      expect(await status('registry.example:8443')).toBe(200);
      expect(await status('registry.example:9443')).toBe(421);
      expect(await status('localhost')).toBe(200);
      expect(await status('lb-1234.internal.example')).toBe(421);
    } finally {
      await server.stop();
    }
  });
});

const CHROMIUM = '/usr/bin/chromium';

describe.skipIf(!existsSync(CHROMIUM))('in chromium: a page on another loopback origin', () => {
  let server: TestServer;
  /** The same registry, but with the attacker's origin named in SKILLMEAT_CORS_ORIGINS: shows the page would see an effect. */
  let trusting: TestServer;
  let attacker: Server;
  let attackerOrigin: string;
  let browser: Browser;

  beforeAll(async () => {
    attacker = createServer((req, res) => {
      // The attacker's page: whatever HTML the test puts after `?html=`; its scripts run in page.evaluate.
      const html = new URL(req.url ?? '/', 'http://x').searchParams.get('html') ?? '<!doctype html><title>attacker</title>';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    });
    await new Promise<void>((done) => attacker.listen(0, '127.0.0.1', done));
    attackerOrigin = `http://localhost:${(attacker.address() as AddressInfo).port}`;
    server = await startTestServer();
    trusting = await startTestServer({ env: { SKILLMEAT_CORS_ORIGINS: attackerOrigin } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
        '--disable-quic',
        '--host-resolver-rules=MAP rebind.attacker.example 127.0.0.1',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await trusting?.stop();
    await server?.stop();
    await new Promise((done) => attacker?.close(done));
  });

  it('can neither create an artifact (forms, a credentialed fetch, no-cors) nor read an answer', async () => {
    const name = marker();
    const query = createArtifact(name);
    const target = `${server.url}/graphql`;
    const forms = [
      ['application/x-www-form-urlencoded', `<input name="query" value='${query}'>`],
      ['multipart/form-data', `<input name="query" value='${query}'><input name="operations" value='${JSON.stringify({ query })}'>`],
      // The classic trick: a text/plain form whose one field spells a JSON body.
      ['text/plain', `<input name='{"query":${JSON.stringify(query).replace(/'/g, '&#39;')},"x":"' value='"}'>`],
    ] as const;
    const html =
      '<!doctype html><title>attacker</title>' +
      forms
        .map(([enctype, fields], i) => `<iframe name="sink${i}"></iframe><form id="f${i}" method="POST" action="${target}" enctype="${enctype}" target="sink${i}">${fields}</form>`)
        .join('');
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${attackerOrigin}/?html=${encodeURIComponent(html)}`);
    expect(new URL(page.url()).origin).toBe(attackerOrigin);

    const statuses: number[] = [];
    for (let i = 0; i < forms.length; i++) {
      const answered = page.waitForResponse((response) => response.url() === target && response.request().method() === 'POST');
      await page.evaluate((id) => (document.getElementById(id) as HTMLFormElement).submit(), `f${i}`);
      statuses.push((await answered).status());
    }
    expect(statuses).toEqual([415, 415, 415]);

    const tried = await page.evaluate(
      async ({ target, query }) => {
        const body = JSON.stringify({ query });
        const attempt = async (run: () => Promise<Response>) => {
          try {
            const response = await run();
            return { read: true, status: response.status, type: response.type, text: await response.text() };
          } catch (error) {
            return { read: false, error: String(error) };
          }
        };
        return {
          json: await attempt(() => fetch(target, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body })),
          noCors: await attempt(() => fetch(target, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'application/json' }, body })),
          get: await attempt(() => fetch(`${target}?query=${encodeURIComponent('{ artifacts(first: 1) { totalCount } }')}`, { credentials: 'include' })),
        };
      },
      { target, query },
    );
    // The JSON POST's preflight got no CORS header, so the browser never sent it; the simple GET
    // went out (and was refused) but its answer is not the page's to read; no-cors is opaque.
    expect(tried.json).toMatchObject({ read: false, error: expect.stringContaining('TypeError') });
    expect(tried.get).toMatchObject({ read: false, error: expect.stringContaining('TypeError') });
    expect(tried.noCors).toMatchObject({ read: true, type: 'opaque', status: 0, text: '' });
    expect(await countNamed(server.url, name)).toBe(0);

    // Control: the same fetch from the same page to a server that names this origin works and is read.
    const trusted = await page.evaluate(
      async ({ target, query }) => {
        const response = await fetch(target, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
        return { status: response.status, body: (await response.json()) as unknown };
      },
      { target: `${trusting.url}/graphql`, query },
    );
    expect(trusted).toMatchObject({ status: 200, body: { data: { createArtifact: { artifact: { name } } } } });
    expect(await countNamed(trusting.url, name)).toBe(1);
    await context.close();
  });

  it('a rebound name is refused, and so is the rebound page\'s same-origin fetch', async () => {
    const name = marker();
    const port = new URL(server.url).port;
    const context = await browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(`http://rebind.attacker.example:${port}/graphql`);
    expect(response?.status()).toBe(421);
    expect(await page.textContent('body')).toContain('HOST_NOT_ALLOWED');
    // The page's origin is now http://rebind.attacker.example:PORT, the server's socket: same-origin, readable.
    const tried = await page.evaluate(async (query) => {
      const response = await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      return { status: response.status, body: (await response.json()) as { errors?: { extensions?: { code?: string } }[] } };
    }, createArtifact(name));
    expect(tried.status).toBe(421);
    expect(tried.body.errors?.[0]?.extensions?.code).toBe('HOST_NOT_ALLOWED');
    expect(await countNamed(server.url, name)).toBe(0);
    // The same browser reaching the server by a loopback name is served.
    const served = await page.goto(`http://localhost:${port}/graphql`, { waitUntil: 'commit' });
    expect(served?.status()).toBe(200);
    await context.close();
  });
});
