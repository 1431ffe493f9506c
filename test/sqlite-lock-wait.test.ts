/**
 * A write that finds SQLite's write lock held by another connection (another process on the
 * file, here a second better-sqlite3 connection that really holds BEGIN IMMEDIATE) waits on a
 * timer (src/db/sqlite-busy.ts), not inside SQLite: the server keeps answering meanwhile, the
 * write lands once the lock is free, and a write that never gets the lock is reported failed
 * and is not in the database. No timing is asserted: only which answer comes first.
 */
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBusy, whileBusy } from '../src/db/sqlite-busy.js';
import * as ops from './operations/generated/graphql.js';
import { graphql, graphqlOk } from './support/graphql.js';
import { startTestServer, type TestServer } from './support/server.js';

const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

describe('whileBusy', () => {
  it('tries again while SQLite answers SQLITE_BUSY, then returns the answer', async () => {
    let tries = 0;
    const answer = await whileBusy(() => {
      tries++;
      if (tries < 4) throw busy();
      return 'done';
    });
    expect(answer).toBe('done');
    expect(tries).toBe(4);
  });

  it('throws any other error at once', async () => {
    let tries = 0;
    const failing = whileBusy(() => {
      tries++;
      throw Object.assign(new Error('constraint'), { code: 'SQLITE_CONSTRAINT' });
    });
    await expect(failing).rejects.toThrow('constraint');
    expect(tries).toBe(1);
  });

  it('gives up with the SQLITE_BUSY error once its wait is over', async () => {
    let tries = 0;
    const failing = whileBusy(
      () => {
        tries++;
        throw busy();
      },
      { waitMs: 30 },
    );
    await expect(failing).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(tries).toBeGreaterThan(1);
  });

  it('knows the extended busy codes and nothing else', () => {
    expect(isBusy({ code: 'SQLITE_BUSY_SNAPSHOT' })).toBe(true);
    expect(isBusy({ code: 'SQLITE_BUSY' })).toBe(true);
    expect(isBusy({ code: 'SQLITE_LOCKED' })).toBe(false);
    expect(isBusy(null)).toBe(false);
  });
});

describe('a write waiting for the lock another connection holds', () => {
  let server: TestServer;
  let other: SQLite.Database;

  beforeAll(async () => {
    server = await startTestServer();
    other = new SQLite(server.database.config.url);
  });
  afterAll(async () => {
    if (other.inTransaction) other.exec('rollback');
    other.close();
    await server.stop();
  });

  const names = async () =>
    (await graphqlOk(server.url, ops.ListArtifactsDocument, { first: 50 })).artifacts.edges.map((edge) => edge.node.name);

  it('leaves the server answering, and lands once the lock is free', async () => {
    other.exec('begin immediate');
    let settled = false;
    const write = graphql(server.url, ops.CreateArtifactDocument, { input: { name: 'waited-for', type: 'SKILL' } }).finally(() => {
      settled = true;
    });
    // Let the request reach the server and find the lock taken.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const health = await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(4_000) });
    expect(health.status).toBe(200);
    const version = await fetch(`${server.url}/version`, { signal: AbortSignal.timeout(4_000) });
    expect(version.status).toBe(200);
    // Both answered while the write was still waiting (before, SQLite slept inside the call).
    expect(settled).toBe(false);
    other.exec('commit');
    const created = await write;
    expect(created.errors).toBeUndefined();
    expect(created.data?.createArtifact.artifact.name).toBe('waited-for');
    expect(await names()).toContain('waited-for');
  });

  it('is reported failed, and is not written, when the lock never comes', async () => {
    other.exec('begin immediate');
    const write = await graphql(server.url, ops.CreateArtifactDocument, { input: { name: 'never-written', type: 'SKILL' } });
    other.exec('rollback');
    expect(write.data?.createArtifact ?? null).toBeNull();
    expect(write.status).toBe(503);
    expect(write.errors?.map((e) => e.extensions?.code)).toEqual(['DATABASE_BUSY']);
    expect(write.headers.get('retry-after')).toBe('1');
    expect(JSON.stringify(write.errors)).not.toMatch(/SQLITE|locked|select|insert/i);
    expect(await names()).not.toContain('never-written');
  }, 20_000);
});
