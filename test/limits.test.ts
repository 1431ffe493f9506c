/**
 * Request limits and the HTTP surface: query depth, aliases and tokens, body size (declared
 * and chunked), GET semantics, GraphiQL, health and version endpoints.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CollectionsWithArtifactsDocument,
  CollectionsWithArtifactsLiteralDocument,
  GetSettingsDocument,
  UpdateSettingsDocument,
} from './operations/generated/graphql.js';
import { DIALECTS } from './support/databases.js';
import { codes, graphql, graphqlOk } from './support/graphql.js';
import { addToCollection, createArtifact, createCollection } from './support/seed.js';
import { startTestServer, type TestServer } from './support/server.js';

const MIB = 1024 * 1024;

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One request over node:http, the body written as the given chunks (chunked unless
 * Content-Length is set), all of them even after an early answer: a 413 leaves the connection
 * open until the body is in (body-limit.ts), so any write error here fails the test.
 */
function rawPost(url: string, headers: Record<string, string>, chunks: Buffer[]): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/graphql`, { method: 'POST', headers, timeout: 15_000 }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    void (async () => {
      for (const chunk of chunks) {
        if (req.destroyed) return;
        if (!req.write(chunk)) {
          // One listener of each at a time: drain or close, whichever comes, removes both.
          await new Promise<void>((done) => {
            const settle = () => {
              req.off('drain', settle).off('close', settle);
              done();
            };
            req.once('drain', settle).once('close', settle);
          });
        }
      }
      req.end();
    })();
  });
}

/** A JSON body of `{ query, variables: { padding } }` about `size` bytes long. */
function paddedBody(size: number): Buffer {
  const skeleton = JSON.stringify({ query: print(GetSettingsDocument), variables: { padding: '' } });
  return Buffer.from(skeleton.replace('"padding":""', `"padding":"${'x'.repeat(size - skeleton.length)}"`));
}

function chunksOf(body: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < body.length; at += size) chunks.push(body.subarray(at, at + size));
  return chunks;
}

/**
 * `{ collections { edges { node { artifacts { edges { node { collections … } } } } } } }` cut so
 * the selection is `depth` fields deep, ending on a scalar that exists at that level.
 */
function nestedQuery(depth: number): string {
  const cycle = ['collections(first: 1)', 'edges', 'node', 'artifacts(first: 1)', 'edges', 'node'];
  const path = Array.from({ length: depth - 1 }, (_, i) => cycle[i % cycle.length]!);
  const last = path.at(-1)!;
  const leaf = last === 'edges' ? 'cursor' : last === 'node' ? 'id' : 'totalCount';
  return `{ ${path.join(' { ')} { ${leaf} }${' }'.repeat(path.length - 1)} }`;
}

/** `n` aliased root fields, each selecting `role` `repeat` times. (`__typename` aliases are exempt from the limit.) */
const aliases = (n: number, repeat = 1) =>
  `{ ${Array.from({ length: n }, (_, i) => `a${i}: me { ${'role '.repeat(repeat)}}`).join(' ')} }`;

describe.each(DIALECTS)('limits and the HTTP surface ($dialect)', ({ dialect, skip }) => {
  let server: TestServer;
  beforeAll(async () => {
    if (skip) return;
    server = await startTestServer({ dialect });
    const collection = await createCollection(server.url, { name: 'Deep' });
    const artifact = await createArtifact(server.url, { name: 'Deep artifact', type: 'SKILL' });
    await addToCollection(server.url, collection.id, artifact.id);
  });
  afterAll(async () => server?.stop());

  it.skipIf(skip)('a query 13 fields deep is refused with 400; 12 deep is served', async () => {
    const refused = await graphql(server.url, nestedQuery(13));
    expect(refused.status).toBe(400);
    expect(codes(refused)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(refused.data).toBeUndefined();

    const served = await graphql(server.url, nestedQuery(12));
    expect(served.status).toBe(200);
    expect(served.errors).toBeUndefined();
    expect(JSON.stringify(served.data)).toContain('"collections"');
  });

  it.skipIf(skip)('the realistic depth-8 query (collections → artifacts → owner) is served', async () => {
    const { collections } = await graphqlOk(server.url, CollectionsWithArtifactsDocument, { first: 20, artifactsFirst: 10 });
    expect(collections.edges[0]?.node.artifacts).toEqual({
      totalCount: 1,
      edges: [{ node: { name: 'Deep artifact', owner: { name: 'Local admin' } } }],
    });
  });

  it.skipIf(skip)('the same query with literal page sizes (first: 20, first: 10) is served too', async () => {
    // Issue #2's query, written as clients write it. The cost limit must not refuse what the
    // depth-8 query above accepts just because the page sizes are literals, not variables.
    const result = await graphql(server.url, CollectionsWithArtifactsLiteralDocument);
    expect(result.errors).toBeUndefined();
    expect(result.status).toBe(200);
    expect(result.data?.collections.edges[0]?.node.artifacts.totalCount).toBe(1);
  });

  it.skipIf(skip)('31 aliases are refused with 400; 30 are served', async () => {
    const refused = await graphql(server.url, aliases(31));
    expect(refused.status).toBe(400);
    expect(codes(refused)).toEqual(['GRAPHQL_VALIDATION_FAILED']);

    const served = await graphql<Record<string, { role: string }>, never>(server.url, aliases(30));
    expect(served.status).toBe(200);
    expect(Object.keys(served.data ?? {})).toHaveLength(30);
    expect(served.data?.a29).toEqual({ role: 'LOCAL_ADMIN' });
  });

  it.skipIf(skip)('a document over 3000 tokens is refused with 400; one just under is served', async () => {
    const refused = await graphql(server.url, `{ me { ${'role '.repeat(3000)}} }`);
    expect(refused.status).toBe(400);
    expect(codes(refused)).toEqual(['GRAPHQL_PARSE_FAILED']);

    // 30 aliases × (4 + 90 + 1) tokens + 2 = 2852 tokens, within every other limit too.
    const served = await graphql(server.url, aliases(30, 90));
    expect(served.status).toBe(200);
    expect(served.errors).toBeUndefined();
  });

  it.skipIf(skip)('a body over 1 MiB with a Content-Length is 413', async () => {
    const body = paddedBody(MIB + 1024);
    const response = await rawPost(server.url, { 'content-type': 'application/json', 'content-length': String(body.length) }, chunksOf(body, 64 * 1024));
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toMatchObject({ errors: [{ extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
  });

  it.skipIf(skip)('a chunked body over 1 MiB is 413', async () => {
    const body = paddedBody(MIB + 1024);
    const response = await rawPost(server.url, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, chunksOf(body, 64 * 1024));
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toMatchObject({ errors: [{ extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
  });

  it.skipIf(skip)('bodies just under 1 MiB are served, declared or chunked', async () => {
    const body = paddedBody(MIB - 1024);
    const declared = await rawPost(server.url, { 'content-type': 'application/json', 'content-length': String(body.length) }, [body]);
    expect(declared.status).toBe(200);
    expect(JSON.parse(declared.body)).toEqual({ data: { settings: { registryName: 'SkillMeat' } } });

    const chunked = await rawPost(server.url, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, chunksOf(body, 64 * 1024));
    expect(chunked.status).toBe(200);
    expect(JSON.parse(chunked.body)).toEqual({ data: { settings: { registryName: 'SkillMeat' } } });
  });

  it.skipIf(skip)('a mutation over GET is refused with 405 and changes nothing', async () => {
    const url = new URL(`${server.url}/graphql`);
    url.searchParams.set('query', print(UpdateSettingsDocument));
    url.searchParams.set('variables', JSON.stringify({ input: { registryName: 'Changed over GET' } }));
    const response = await fetch(url, { headers: { accept: 'application/json', 'graphql-require-preflight': '1' }, signal: AbortSignal.timeout(15_000) });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toContain('POST');
    const { settings } = await graphqlOk(server.url, GetSettingsDocument);
    expect(settings.registryName).toBe('SkillMeat');
  });

  it.skipIf(skip)('a query over GET is served', async () => {
    const url = new URL(`${server.url}/graphql`);
    url.searchParams.set('query', print(CollectionsWithArtifactsDocument));
    url.searchParams.set('variables', JSON.stringify({ first: 5, artifactsFirst: 5 }));
    const response = await fetch(url, { headers: { accept: 'application/json', 'graphql-require-preflight': '1' }, signal: AbortSignal.timeout(15_000) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data?: { collections: { edges: { node: { name: string } }[] } } };
    expect(body.data?.collections.edges.map((e) => e.node.name)).toEqual(['Deep']);
  });

  it.skipIf(skip)('GraphiQL is served on GET /graphql to a browser', async () => {
    const response = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' }, signal: AbortSignal.timeout(15_000) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('SkillMeat GraphQL API');
    expect(html.toLowerCase()).toContain('graphiql');
  });

  it.skipIf(skip)('/health and /health/ready answer 200', async () => {
    for (const path of ['/health', '/health/ready']) {
      const response = await fetch(`${server.url}${path}`, { signal: AbortSignal.timeout(15_000) });
      expect(response.status, path).toBe(200);
      await response.body?.cancel();
    }
  });

  it.skipIf(skip)('/version tells the version, the auth mode and the database', async () => {
    const response = await fetch(`${server.url}/version`, { signal: AbortSignal.timeout(15_000) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await response.json()).toEqual({ version, authMode: 'zero-auth', database: dialect });
  });
});
