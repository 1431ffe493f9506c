/**
 * Issue 21, item 8: a PostgreSQL connection that drops, or a server that stops answering.
 * PostgreSQL only (SQLite runs in the process: there is no connection to lose); skipped
 * without TEST_DATABASE_URL.
 *
 * The real server runs as a child process (as `npm start` does) against the real PostgreSQL
 * through a TCP proxy on 127.0.0.1 that this test controls:
 * - forward: bytes pass both ways;
 * - cut: the moment the server sends a statement carrying a marker (a search term only the test
 *   uses), every socket is destroyed before that statement reaches PostgreSQL, so the request is
 *   provably in flight, mid-query, when its connection drops; new connections are then refused;
 * - blackhole: connections are accepted and kept open, and nothing is forwarded either way.
 * Before the fix the cut killed the server (`Unhandled 'error' event … Connection terminated
 * unexpectedly`), and /health/ready hung for as long as the blackhole lasted.
 */
import { randomBytes } from 'node:crypto';
import { createServer, Socket, type Server } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createDatabase } from '../src/db/database.js';
import { createTestDatabase, POSTGRES_URL, type TestDatabase } from './support/databases.js';
import { killServerProcesses, startServerProcess, type ServerProcess } from './support/process.js';

type Mode = 'forward' | 'refuse' | 'blackhole';

interface Proxy {
  port: number;
  mode: Mode;
  /** Cuts every connection, and refuses new ones, when the server next sends `marker`. */
  cutOn(marker: string): Promise<void>;
  close(): Promise<void>;
}

async function startProxy(target: { host: string; port: number }): Promise<Proxy> {
  const sockets = new Set<Socket>();
  let trigger: { marker: Buffer; fire: () => void } | null = null;
  const cutAll = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  const proxy: Proxy = {
    port: 0,
    mode: 'forward',
    cutOn: (marker) =>
      new Promise<void>((resolve) => {
        trigger = { marker: Buffer.from(marker), fire: resolve };
      }),
    close: () => new Promise<void>((resolve) => {
      cutAll();
      server.close(() => resolve());
    }),
  };
  const server: Server = createServer((client) => {
    if (proxy.mode === 'refuse') {
      client.destroy();
      return;
    }
    const upstream = new Socket();
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    upstream.connect(target.port, target.host);
    // The last bytes of the previous chunk, so a marker split across two chunks is still seen.
    let tail = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      if (trigger) {
        const window = Buffer.concat([tail, chunk]);
        tail = window.subarray(Math.max(0, window.length - trigger.marker.length));
        if (window.includes(trigger.marker)) {
          const { fire } = trigger;
          trigger = null;
          proxy.mode = 'refuse';
          cutAll();
          fire();
          return;
        }
      }
      if (proxy.mode === 'forward') upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (proxy.mode === 'forward') client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  proxy.port = (server.address() as { port: number }).port;
  return proxy;
}

const CLIENT_LIMIT_MS = 10_000;

async function get(url: string): Promise<number> {
  const response = await fetch(url, { signal: AbortSignal.timeout(CLIENT_LIMIT_MS) });
  await response.arrayBuffer();
  return response.status;
}

async function gql(url: string, query: string): Promise<{ status: number; text: string; body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query }),
    signal: AbortSignal.timeout(CLIENT_LIMIT_MS + 5_000),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as never };
}

/** Polls /health/ready until it is 200, at most `tries` times a quarter second apart. */
async function readyAgain(url: string, tries = 60): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if ((await get(`${url}/health/ready`).catch(() => 0)) === 200) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

const expectMasked = (answer: Awaited<ReturnType<typeof gql>>) => {
  expect([200, 500, 503]).toContain(answer.status);
  expect(answer.body.errors?.[0]?.extensions?.code).toMatch(/^(INTERNAL_SERVER_ERROR|DATABASE_UNAVAILABLE)$/);
  expect(answer.text).not.toMatch(/terminated|ECONN|timeout|postgres/i);
};

describe.skipIf(!POSTGRES_URL)('PostgreSQL connection lost (postgres; SQLite has no connection to lose)', () => {
  let database: TestDatabase;
  let proxy: Proxy;
  let viaProxy: URL;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    const upstream = new URL(POSTGRES_URL!);
    proxy = await startProxy({ host: upstream.hostname, port: Number(upstream.port || 5432) });
    viaProxy = new URL(POSTGRES_URL!);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    // The suite's own schema: pg passes `options` to PostgreSQL, and the server (migrations
    // included) works in the connection's current schema.
    viaProxy.searchParams.set('options', `-c search_path=${database.config.schema}`);
  });

  /** A server of its own for each test (so each fails on its own before the fix), with one artifact. */
  async function start(name: string): Promise<ServerProcess> {
    proxy.mode = 'forward';
    const server = await startServerProcess({
      databaseUrl: viaProxy.toString(),
      env: { SKILLMEAT_DB_STATEMENT_TIMEOUT_MS: '1000', SKILLMEAT_DB_CONNECT_TIMEOUT_MS: '1000' },
    });
    const created = await gql(server.url, `mutation { createArtifact(input: { name: "${name}", type: SKILL }) { artifact { id } } }`);
    expect(created.body.errors).toBeUndefined();
    return server;
  }

  afterEach(async () => killServerProcesses());

  afterAll(async () => {
    await killServerProcesses();
    await proxy?.close();
    await database?.drop();
  });

  it('a connection cut mid-query: the request gets a masked error, the server lives, is 503 while the database is away and recovers by itself', async () => {
    const server = await start('survivor');
    expect(await get(`${server.url}/health/ready`)).toBe(200);
    const marker = `cut-${randomBytes(6).toString('hex')}`;
    const cut = proxy.cutOn(marker);
    const inFlight = gql(server.url, `{ artifacts(first: 5, filter: { search: "${marker}" }) { totalCount } }`);
    await cut;
    expectMasked(await inFlight);

    expect(server.running()).toBe(true);
    expect(await get(`${server.url}/health`)).toBe(200);
    expect(await get(`${server.url}/health/ready`)).toBe(503);
    expectMasked(await gql(server.url, '{ artifacts(first: 5) { totalCount } }'));

    proxy.mode = 'forward';
    expect(await readyAgain(server.url)).toBe(true);
    const after = await gql(server.url, '{ artifacts(first: 5, filter: { search: "survivor" }) { edges { node { name } } } }');
    expect(after.body).toEqual({ data: { artifacts: { edges: [{ node: { name: 'survivor' } }] } } });
    expect(server.running()).toBe(true);
    expect(server.stderr()).not.toMatch(/Unhandled|uncaught/i);
    expect(server.stdout.some((line) => line.includes('database connection failed'))).toBe(true);
  }, 60_000);

  it('a database that keeps the connection open but stops answering: /health/ready is 503 (not a hang), and the server recovers', async () => {
    const server = await start('patient');
    expect(await get(`${server.url}/health/ready`)).toBe(200);
    proxy.mode = 'blackhole';
    // Within the client's 10 s: the configured 1 s statement timeout bounds it. A hang fails here.
    expect(await get(`${server.url}/health/ready`)).toBe(503);
    expectMasked(await gql(server.url, '{ artifacts(first: 5) { totalCount } }'));
    expect(server.running()).toBe(true);

    proxy.mode = 'forward';
    expect(await readyAgain(server.url)).toBe(true);
    // Ten at once need ten connections: none of them may be one the blackhole left waiting for
    // an answer that will never come (those are closed, not lent again).
    const after = await Promise.all(
      Array.from({ length: 10 }, () => gql(server.url, '{ artifacts(first: 5, filter: { search: "patient" }) { edges { node { name } } } }')),
    );
    for (const answer of after) expect(answer.body).toEqual({ data: { artifacts: { edges: [{ node: { name: 'patient' } }] } } });
  }, 60_000);

  it('a connection whose statement got no answer is closed, not lent again to the next statement', async () => {
    proxy.mode = 'forward';
    const database = createDatabase({ dialect: 'postgres', url: viaProxy.toString() }, { timeouts: { statementMs: 300, connectMs: 1000 } });
    try {
      // One connection, opened and back in the pool, idle.
      await sql`select 1`.execute(database.db);
      proxy.mode = 'blackhole';
      await expect(sql`select 1`.execute(database.db)).rejects.toThrow(/timeout/i);
      proxy.mode = 'forward';
      // The pool's only idle client is the one still waiting for that answer: lent again, this
      // statement would queue behind it and time out too.
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(database.db);
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await database.close();
    }
  }, 30_000);
});
