/**
 * Fields whose rule is decided once per request (Artifact.owner: isAuthenticated) skip shield's
 * awaited middleware once shield has allowed the rule for the request, and only then. The
 * wrapper is checked on its own, and against the real schema: the owners resolve, and shield's
 * cache holds the `true` the wrapper reads, so a shield that kept its cache elsewhere (and made
 * the fast path dead code) fails here rather than going unnoticed.
 */
import { execute, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decidedOncePerRequest } from '../src/auth/permissions.js';
import { isAuthenticated, isSignedInUser, perRequestCacheKey, hasScope } from '../src/auth/rules.js';
import { makeViewer } from '../src/auth/viewer.js';
import { createContext } from '../src/context/context.js';
import type { Database } from '../src/db/database.js';
import { protectedSchema } from '../src/schema/index.js';
import { createTestDatabase, openMigrated, type TestDatabase } from './support/databases.js';

describe('decidedOncePerRequest', () => {
  const calls: string[] = [];
  const guarded = (resolve: (...args: unknown[]) => unknown, ...rest: unknown[]) => {
    calls.push('shield');
    return resolve(...rest);
  };
  const resolve = () => {
    calls.push('resolver');
    return 'value';
  };
  const field = decidedOncePerRequest('isAuthenticated', guarded);

  it('calls the resolver at once when shield has allowed the rule for this request', () => {
    calls.length = 0;
    expect(field(resolve, {}, {}, { _shield: { cache: { isAuthenticated: true } } }, {})).toBe('value');
    expect(calls).toEqual(['resolver']);
  });

  it('goes through shield when the rule is undecided, denied, failed, or decided for another rule', () => {
    const contexts = [
      {},
      null,
      { _shield: { cache: {} } },
      { _shield: { cache: { isAuthenticated: false } } },
      { _shield: { cache: { isAuthenticated: new Error('UNAUTHENTICATED') } } },
      { _shield: { cache: { isAuthenticated: Promise.resolve(true) } } },
      { _shield: { cache: { isSignedInUser: true } } },
    ];
    for (const ctx of contexts) {
      calls.length = 0;
      field(resolve, {}, {}, ctx, {});
      expect(calls).toEqual(['shield', 'resolver']);
    }
  });

  it('applies to the rules that depend on the caller alone, not to per-field ones', () => {
    expect(perRequestCacheKey(isAuthenticated)).toBe('isAuthenticated');
    expect(perRequestCacheKey(isSignedInUser)).toBe('isSignedInUser');
    // hasScope notes denied root fields per field, so shield decides it on every field.
    expect(perRequestCacheKey(hasScope('artifacts:read'))).toBeUndefined();
  });
});

describe('Artifact.owner through the permission layer', () => {
  let testDatabase: TestDatabase;
  let database: Database;

  beforeAll(async () => {
    testDatabase = await createTestDatabase('sqlite');
    database = await openMigrated(testDatabase);
    const at = new Date().toISOString();
    const owner = await database.db
      .insertInto('users')
      .values({ subject: 'owner-1', email: 'owner@test', name: 'Owner One', role: 'TEAM_MEMBER', team_id: 'team-a', created_at: at, updated_at: at })
      .returning('id')
      .executeTakeFirstOrThrow();
    await database.db
      .insertInto('artifacts')
      .values(
        [1, 2, 3].map((n) => ({
          name: `artifact-${n}`,
          type: 'SKILL',
          tags: '[]',
          visibility: 'TEAM',
          team_id: 'team-a',
          owner_id: owner.id,
          created_at: at,
          updated_at: at,
        })),
      )
      .execute();
  });
  afterAll(async () => {
    await database?.close();
    await testDatabase?.drop();
  });

  it('resolves every owner, with shield’s own cache holding the answer the fast path reads', async () => {
    const viewer = makeViewer({ role: 'TEAM_MEMBER', teamId: 'team-a', authMethod: 'JWT', userId: null });
    const context = createContext(database.db, viewer, '127.0.0.1');
    const result = await execute({
      schema: protectedSchema,
      document: parse('{ artifacts(first: 3) { edges { node { name owner { name } } } } }'),
      contextValue: context,
    });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      artifacts: { edges: [1, 2, 3].map((n) => ({ node: { name: `artifact-${n}`, owner: { name: 'Owner One' } } })) },
    });
    expect((context as unknown as { _shield: { cache: Record<string, unknown> } })._shield.cache.isAuthenticated).toBe(true);
  });
});
