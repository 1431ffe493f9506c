/**
 * The server as a process, the way `npm start` runs it: it creates and migrates its SQLite
 * file, stops gracefully on SIGTERM/SIGINT (also under `npm start` and with SKILLMEAT_WORKERS),
 * keeps its data across a restart, writes JSON log lines without secrets, and refuses bad
 * configuration with one clear line.
 */
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import SQLite from 'better-sqlite3';
import { print } from 'graphql';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config.js';
import { ProcArtifactPageDocument, ProcCreateArtifactDocument, ProcCreateCollectionDocument } from './operations/generated/graphql.js';
import { graphql, graphqlOk } from './support/graphql.js';
import {
  connectionRefused,
  heldRequest,
  killServerProcesses,
  spawnServer,
  startServerProcess,
  type ServerProcess,
} from './support/process.js';

// Each test starts one or more servers, each loading the whole module graph through tsx (about
// 4 s of CPU, far more on a busy machine); these are bounds on the setup, not timings.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'skillmeat-process-'));
});
afterEach(async () => {
  await killServerProcesses();
  rmSync(dir, { recursive: true, force: true });
});
afterAll(killServerProcesses);

/** Sends `signal` and waits for the exit; the issue's bound is 10 s from the signal. */
async function stopWith(proc: ServerProcess, signal: NodeJS.Signals) {
  const sentAt = Date.now();
  proc.child.kill(signal);
  const exit = await proc.exited(15_000);
  return { ...exit, ms: Date.now() - sentAt };
}

function logLines(proc: ServerProcess): Record<string, unknown>[] {
  return proc.stdout.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('npm start on a fresh SQLite file', () => {
  it('creates and migrates the file, then serves /health, /health/ready, /version and /graphql', async () => {
    const file = join(dir, 'nested', 'folder', 'x.db');
    expect(existsSync(file)).toBe(false);
    const proc = await startServerProcess({ databaseUrl: file });
    expect(existsSync(file)).toBe(true);
    const migrated = await proc.waitForLog((line) => line.msg === 'database migrated');
    expect(migrated.migrations).toEqual(expect.arrayContaining(['0001-init']));

    const health = await fetch(`${proc.url}/health`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${proc.url}/health/ready`);
    expect(ready.status).toBe(200);
    const version = await fetch(`${proc.url}/version`);
    expect(version.status).toBe(200);
    expect(version.headers.get('content-type')).toContain('application/json');
    expect(await version.json()).toEqual({ version: PACKAGE_VERSION, authMode: 'zero-auth', database: 'sqlite' });

    const graphiql = await fetch(`${proc.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(graphiql.status).toBe(200);
    expect(await graphiql.text()).toContain('<title>SkillMeat GraphQL API</title>');
    const { artifacts } = await graphqlOk(proc.url, ProcArtifactPageDocument, { first: 5 });
    expect(artifacts.totalCount).toBe(0);

    expect(await stopWith(proc, 'SIGTERM')).toMatchObject({ code: 0, signal: null });
    const sqlite = new SQLite(file, { readonly: true });
    try {
      const names = sqlite.prepare('select name from kysely_migration order by name').pluck().all();
      expect(names).toEqual(migrated.migrations);
    } finally {
      sqlite.close();
    }
  });
});

describe.each(['SIGTERM', 'SIGINT'] as const)('graceful shutdown on %s', (signal) => {
  it('finishes 50 in-flight requests with 200, refuses new connections, exits 0 within 10 s', async () => {
    const file = join(dir, 'x.db');
    const proc = await startServerProcess({ databaseUrl: file });
    // Keep-alive connections from an earlier fetch must not hold the shutdown open either.
    expect((await fetch(`${proc.url}/health`)).status).toBe(200);

    const query = print(ProcCreateArtifactDocument);
    const held = Array.from({ length: 50 }, (_, i) =>
      heldRequest(proc.port, '/graphql', JSON.stringify({ query, variables: { input: { name: `in flight ${i}`, type: 'SKILL' } } })),
    );
    await Promise.all(held.map((h) => h.continued));

    const sentAt = Date.now();
    proc.child.kill(signal);
    await proc.waitForLog((line) => line.msg === 'shutting down' && line.signal === signal, 10_000);
    // The listening socket closes right after that line; poll (bounded) until it has.
    let refused = false;
    for (let attempt = 0; attempt < 50 && !refused; attempt++) {
      refused = await connectionRefused(proc.port);
      if (!refused) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(refused).toBe(true);
    expect(proc.running()).toBe(true);

    const responses = await Promise.all(held.map((h) => h.finish()));
    for (const response of responses) {
      expect(response.status).toBe(200);
      const body = JSON.parse(response.body) as { data?: { createArtifact?: { artifact?: { id?: string } } }; errors?: unknown };
      expect(body.errors).toBeUndefined();
      expect(body.data?.createArtifact?.artifact?.id).toEqual(expect.any(String));
    }
    expect(await connectionRefused(proc.port)).toBe(true);

    const exit = await proc.exited(15_000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - sentAt).toBeLessThan(10_000);
    expect(logLines(proc).some((line) => line.msg === 'stopped')).toBe(true);

    // Every write that was answered 200 is in the file, and the file was closed cleanly.
    const sqlite = new SQLite(file, { readonly: true });
    try {
      expect(sqlite.prepare("select count(*) from artifacts where name like 'in flight %'").pluck().get()).toBe(50);
    } finally {
      sqlite.close();
    }
  });

  it('exits 0 within 10 s when idle', async () => {
    const proc = await startServerProcess({ databaseUrl: join(dir, 'x.db') });
    expect((await fetch(`${proc.url}/health/ready`)).status).toBe(200);
    const exit = await stopWith(proc, signal);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(10_000);
  });
});

describe('npm start', () => {
  it('SIGTERM to npm (as a process manager sends it) stops the server: exit 0 within 10 s, port closed', async () => {
    const proc = await startServerProcess({ databaseUrl: join(dir, 'x.db'), via: 'npm' });
    expect((await fetch(`${proc.url}/health`)).status).toBe(200);
    const sentAt = Date.now();
    proc.child.kill('SIGTERM');
    const exit = await proc.exited(15_000);
    // npm has exited; the server under it must be gone too within the same bound.
    let closed = await connectionRefused(proc.port);
    while (!closed && Date.now() - sentAt < 10_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      closed = await connectionRefused(proc.port);
    }
    expect({ code: exit.code, serverStopped: closed }).toEqual({ code: 0, serverStopped: true });
    expect(Date.now() - sentAt).toBeLessThan(10_000);
  });
});

describe('graceful shutdown with a client that never finishes its request', () => {
  it('cuts it and still exits 0 within 10 s', async () => {
    const proc = await startServerProcess({ databaseUrl: join(dir, 'x.db') });
    const stuck = heldRequest(proc.port, '/graphql', JSON.stringify({ query: '{ me { role } }' }));
    await stuck.continued;
    const exit = await stopWith(proc, 'SIGTERM');
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(10_000);
    await expect(stuck.finish()).rejects.toThrow();
  });
});

/** Waits for the second worker's "listening" line (the first one's was awaited already). */
async function bothWorkersListening(proc: ServerProcess): Promise<void> {
  await proc.waitForLog(() => logLines(proc).filter((line) => line.msg === 'listening').length >= 2);
}

describe('SKILLMEAT_WORKERS=2 on one SQLite file', () => {
  it('200 concurrent createArtifact, half into a collection: all succeed, none lost, no SQLITE_BUSY', async () => {
    const proc = await startServerProcess({ databaseUrl: join(dir, 'x.db'), env: { SKILLMEAT_WORKERS: '2' } });
    await bothWorkersListening(proc);
    const { createCollection } = await graphqlOk(proc.url, ProcCreateCollectionDocument, { input: { name: 'Workers' } });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        graphql(proc.url, ProcCreateArtifactDocument, {
          input: { name: `worker burst ${i}`, type: 'SKILL', tags: ['burst'], ...(i % 2 === 0 ? { collectionId: createCollection.collection.id } : {}) },
        }),
      ),
    );
    const failures = results.filter((r) => r.status !== 200 || r.errors !== undefined);
    expect({ failures: failures.length, first: failures[0]?.errors }).toEqual({ failures: 0, first: undefined });
    expect(new Set(results.map((r) => r.data?.createArtifact.artifact.id)).size).toBe(200);
    expect((await graphqlOk(proc.url, ProcArtifactPageDocument, { first: 0 })).artifacts.totalCount).toBe(200);

    expect(await stopWith(proc, 'SIGTERM')).toMatchObject({ code: 0, signal: null });
    expect(proc.stdout.join('\n')).not.toMatch(/SQLITE_BUSY|database is locked/);
  });

  it('drains in-flight requests on SIGTERM and exits 0 within 10 s', async () => {
    const file = join(dir, 'x.db');
    const proc = await startServerProcess({ databaseUrl: file, env: { SKILLMEAT_WORKERS: '2' } });
    await bothWorkersListening(proc);
    const query = print(ProcCreateArtifactDocument);
    const held = Array.from({ length: 20 }, (_, i) =>
      heldRequest(proc.port, '/graphql', JSON.stringify({ query, variables: { input: { name: `worker in flight ${i}`, type: 'SKILL' } } })),
    );
    await Promise.all(held.map((h) => h.continued));

    const sentAt = Date.now();
    proc.child.kill('SIGTERM');
    await proc.waitForLog((line) => line.msg === 'shutting down', 10_000);
    const responses = await Promise.all(held.map((h) => h.finish()));
    expect(responses.map((r) => r.status)).toEqual(held.map(() => 200));
    const exit = await proc.exited(15_000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - sentAt).toBeLessThan(10_000);
    expect(await connectionRefused(proc.port)).toBe(true);
    const sqlite = new SQLite(file, { readonly: true });
    try {
      expect(sqlite.prepare("select count(*) from artifacts where name like 'worker in flight %'").pluck().get()).toBe(20);
    } finally {
      sqlite.close();
    }
  });
});

describe('restart on the same SQLite file', () => {
  it('keeps the data and does not migrate again', async () => {
    const file = join(dir, 'x.db');
    const first = await startServerProcess({ databaseUrl: file });
    const created = [];
    for (const [name, type, tags] of [
      ['restart one', 'SKILL', ['a']],
      ['restart two', 'AGENT', ['b', 'c']],
      ['restart three', 'HOOK', []],
    ] as const) {
      created.push((await graphqlOk(first.url, ProcCreateArtifactDocument, { input: { name, type, tags: [...tags] } })).createArtifact.artifact);
    }
    expect(await stopWith(first, 'SIGTERM')).toMatchObject({ code: 0 });

    const second = await startServerProcess({ databaseUrl: file });
    expect(logLines(second).some((line) => line.msg === 'database migrated')).toBe(false);
    const { artifacts } = await graphqlOk(second.url, ProcArtifactPageDocument, { first: 10 });
    expect(artifacts.totalCount).toBe(3);
    expect(artifacts.edges.map((e) => e.node)).toEqual(created.map(({ id, name, type, tags }) => ({ id, name, type, tags })));

    const fourth = (await graphqlOk(second.url, ProcCreateArtifactDocument, { input: { name: 'restart four', type: 'MCP' } })).createArtifact
      .artifact;
    expect(created.map((a) => a.id)).not.toContain(fourth.id);
    expect((await graphqlOk(second.url, ProcArtifactPageDocument, { first: 10 })).artifacts.totalCount).toBe(4);
    expect(await stopWith(second, 'SIGINT')).toMatchObject({ code: 0 });
  });
});

describe('logs', () => {
  const secretish = () => `sk_live_${randomBytes(18).toString('hex')}`;

  /** Requests that carry the secret and the marker in every place a careless logger would look. */
  async function sendSensitiveRequests(proc: ServerProcess, secret: string, marker: string) {
    const headers = { authorization: `Bearer ${secret}`, cookie: `session=${secret}`, 'x-api-key': secret };
    const create = await graphql(proc.url, ProcCreateArtifactDocument, { input: { name: marker, type: 'SKILL', description: marker } }, { headers });
    const search = await graphql(proc.url, ProcArtifactPageDocument, { filter: { search: marker } }, { headers });
    // A query that does not parse, a variable of the wrong type, and the marker in a URL.
    const broken = await fetch(`${proc.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: `{ artifacts(filter: { search: "${marker}" } ` }),
    });
    const badVariable = await graphql(proc.url, ProcArtifactPageDocument, { first: marker as unknown as number }, { headers });
    const viaGet = await fetch(`${proc.url}/graphql?query=${encodeURIComponent(`{ artifacts(filter: { search: "${marker}" }) { totalCount } }`)}`, {
      headers: { accept: 'application/json', ...headers },
    });
    return { create, search, broken, badVariable, viaGet };
  }

  it('are JSON lines with a request id, method, path and status, and no header value or body', async () => {
    const proc = await startServerProcess({ databaseUrl: join(dir, 'x.db'), logLevel: 'info' });
    const secret = secretish();
    const marker = `MARKER-${randomBytes(8).toString('hex')}`;

    const echoed = await fetch(`${proc.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'proc-req-0042' },
      body: JSON.stringify({ query: '{ me { role } }' }),
    });
    expect(echoed.status).toBe(200);
    expect(echoed.headers.get('x-request-id')).toBe('proc-req-0042');
    const generated = await fetch(`${proc.url}/version`);
    const generatedId = generated.headers.get('x-request-id');
    expect(generatedId).toMatch(/^[A-Za-z0-9._-]{8,}$/);

    // Answers that never reach GraphQL are logged and carry an id too.
    const health = await fetch(`${proc.url}/health`);
    expect(health.status).toBe(200);
    const healthId = health.headers.get('x-request-id');
    expect(healthId).toMatch(/^[A-Za-z0-9._-]{8,}$/);
    const tooLarge = await fetch(`${proc.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'proc-req-413' },
      body: JSON.stringify({ query: `{ me { role } }`, padding: 'x'.repeat(1024 * 1024 + 1) }),
    });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers.get('x-request-id')).toBe('proc-req-413');

    const sent = await sendSensitiveRequests(proc, secret, marker);
    // Zero-auth ignores credentials; the requests themselves are ordinary.
    expect(sent.create.status).toBe(200);
    expect(sent.search.data?.artifacts.totalCount).toBe(1);
    expect(sent.broken.status).toBe(400);
    expect(sent.badVariable.status).toBe(400);
    expect(sent.viaGet.status).toBe(200);

    expect(await stopWith(proc, 'SIGTERM')).toMatchObject({ code: 0 });
    const lines = logLines(proc);
    for (const line of lines) expect(line).toMatchObject({ level: expect.any(Number), time: expect.any(Number), msg: expect.any(String) });
    const requests = lines.filter((line) => line.msg === 'request');
    expect(requests.length).toBeGreaterThanOrEqual(9);
    for (const line of requests) {
      expect(line).toMatchObject({ reqId: expect.any(String), method: expect.any(String), path: expect.any(String), status: expect.any(Number) });
    }
    expect(requests).toContainEqual(expect.objectContaining({ reqId: 'proc-req-0042', method: 'POST', path: '/graphql', status: 200 }));
    expect(requests).toContainEqual(expect.objectContaining({ reqId: generatedId, method: 'GET', path: '/version', status: 200 }));
    expect(requests).toContainEqual(expect.objectContaining({ method: 'POST', path: '/graphql', status: 400 }));
    expect(requests).toContainEqual(expect.objectContaining({ reqId: healthId, method: 'GET', path: '/health', status: 200 }));
    expect(requests).toContainEqual(expect.objectContaining({ reqId: 'proc-req-413', method: 'POST', path: '/graphql', status: 413 }));
    expect(new Set(requests.map((line) => line.reqId)).size).toBe(requests.length);

    const everything = proc.stdout.join('\n') + proc.stderr();
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(marker);
  });

  it('at debug level with auth enabled, log auth decisions but never a token, a secret or a body', async () => {
    const patSecret = secretish();
    const wrong = secretish();
    const marker = `MARKER-${randomBytes(8).toString('hex')}`;
    const proc = await startServerProcess({
      databaseUrl: join(dir, 'x.db'),
      logLevel: 'debug',
      env: { SKILLMEAT_AUTH_ENABLED: 'true', SKILLMEAT_ENTERPRISE_PAT_SECRET: patSecret },
    });
    const accepted = await graphql(proc.url, ProcCreateArtifactDocument, { input: { name: marker, type: 'SKILL' } }, {
      headers: { authorization: `Bearer ${patSecret}` },
    });
    expect(accepted.status).toBe(200);
    expect(accepted.errors).toBeUndefined();
    const rejected = await sendSensitiveRequests(proc, wrong, marker);
    expect(rejected.create.status).toBe(401);

    expect(await stopWith(proc, 'SIGTERM')).toMatchObject({ code: 0 });
    const lines = logLines(proc);
    expect(lines.some((line) => line.msg === 'auth decision' && line.outcome === 'accepted')).toBe(true);
    expect(lines.some((line) => line.msg === 'auth decision' && line.outcome === 'rejected')).toBe(true);
    const everything = proc.stdout.join('\n') + proc.stderr();
    expect(everything).not.toContain(patSecret);
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain(marker);
  });
});

describe('bad configuration', () => {
  it.each<{ name: string; env: Record<string, string> }>([
    { name: 'PORT', env: { PORT: 'abc' } },
    { name: 'HOST', env: { HOST: '0.0.0.0' } },
    { name: 'DATABASE_URL', env: { DATABASE_URL: 'mysql://x' } },
    // Each variable's validation is loadConfig's, unit-tested on its own; what these add is the
    // process: one line on stderr and the exit code, made in one place in src/main.ts.
  ])('$env exits non-zero with one line naming $name and no stack trace', async ({ name, env }) => {
    const file = join(dir, 'x.db');
    const proc = spawnServer({ HOST: '127.0.0.1', PORT: '0', DATABASE_URL: file, SKILLMEAT_LOG_LEVEL: 'info', ...env });
    const exit = await proc.exited(60_000);
    expect(exit.signal).toBeNull();
    expect(exit.code).not.toBe(0);
    const stderr = proc.stderr().trim().split('\n');
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toContain(name);
    expect(stderr[0]).not.toMatch(/\bat .+:\d+:\d+/);
    expect(proc.stdout).toEqual([]);
    expect(existsSync(file)).toBe(false);
  });

  it('zero-auth on a non-loopback HOST is allowed only with SKILLMEAT_ALLOW_PUBLIC_ZERO_AUTH=true', () => {
    // Checked on the config alone: the tests never listen beyond loopback.
    expect(() => loadConfig({ HOST: '0.0.0.0' })).toThrow(/HOST/);
    expect(loadConfig({ HOST: '0.0.0.0', SKILLMEAT_ALLOW_PUBLIC_ZERO_AUTH: 'true' }).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '0.0.0.0', SKILLMEAT_AUTH_ENABLED: 'true' }).host).toBe('0.0.0.0');
  });

  describe('a port already in use', () => {
    let blocker: Server;
    afterEach(async () => {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    });

    it('exits non-zero with one line and no stack trace', async () => {
      blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
      const address = blocker.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const proc = spawnServer({ HOST: '127.0.0.1', PORT: String(port), DATABASE_URL: join(dir, 'x.db') });
      const exit = await proc.exited(60_000);
      expect(exit.code).not.toBe(0);
      const stderr = proc.stderr().trim().split('\n');
      expect(stderr).toHaveLength(1);
      expect(stderr[0]).toMatch(/EADDRINUSE|in use/);
      expect(stderr[0]).not.toMatch(/\bat .+:\d+:\d+/);
    });
  });
});
