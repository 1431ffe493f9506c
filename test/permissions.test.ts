/**
 * The permission matrix, generated from the permission table: every identity × every root
 * field, asserting allowed vs FORBIDDEN/UNAUTHENTICATED and the HTTP status. The role → scopes
 * oracle is written out here from the contract, independently of the server's own table.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { buildSchema, isObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readContract } from '../scripts/contract-copy.js';
import { deny } from 'graphql-shield';
import { passesForCaller, requirementFor, ROOT_PERMISSIONS, TYPE_PERMISSIONS, type Requirement } from '../src/auth/permission-table.js';
import { ruleOf, type ShieldRule } from '../src/auth/rules.js';
import { ROLES } from '../src/vocabulary/scopes.js';
import { makeViewer, type Viewer } from '../src/vocabulary/viewer.js';
import { schema } from '../src/schema/index.js';
import * as ops from './operations/generated/graphql.js';
import { claimsFor, startFakeOidc, type FakeOidc } from './support/fake-oidc.js';
import { graphql } from './support/graphql.js';
import { startTestServer, type TestServer } from './support/server.js';

const ENTERPRISE_SECRET = 'enterprise-secret-for-tests-0123456789';
const gid = (type: string, id: number) => Buffer.from(`${type}:${id}`).toString('base64');

// From contract.graphql's header, not from src/vocabulary/scopes.ts.
const READ = ['artifacts:read', 'collections:read'];
const MEMBER = [...READ, 'artifacts:write', 'collections:write'];
const TEAM_ADMIN = [...MEMBER, 'artifacts:delete', 'admin:users'];
const ALL = [...TEAM_ADMIN, 'admin:settings'];

interface Identity {
  name: string;
  scopes: string[] | null; // null: anonymous
  /** A person signed in with a JWT (what isSignedInUser asks for). */
  signedIn: boolean;
  /** Whether its server runs the local identity provider. */
  local: boolean;
  headers: () => Promise<Record<string, string>>;
  server: () => TestServer;
}

type Variables = Record<string, unknown> | (() => Record<string, unknown>);
/** localOnly: the field exists only with the local identity provider; elsewhere it is FORBIDDEN. */
type Operation = { document: TypedDocumentNode<unknown, Record<string, unknown>>; variables?: Variables; localOnly?: boolean };
const op = <V>(document: TypedDocumentNode<unknown, V>, variables?: V | (() => V), localOnly = false): Operation =>
  ({ document, variables, localOnly }) as unknown as Operation;

// The first account on the local server (TEAM_ADMIN); signUp in the matrix uses this password too.
const LOCAL_ADMIN_LOGIN = { email: 'first@example.test', password: 'matrix password 1' };
let signUps = 0;

const MISSING = { artifact: gid('Artifact', 999_999), collection: gid('Collection', 999_999), user: gid('User', 999_999) };
const OPERATIONS: Record<'Query' | 'Mutation', Record<string, Operation>> = {
  Query: {
    me: op(ops.PermMeDocument),
    node: op(ops.PermNodeDocument, { id: MISSING.artifact }),
    artifact: op(ops.PermArtifactDocument, { id: MISSING.artifact }),
    artifacts: op(ops.PermArtifactsDocument),
    collection: op(ops.PermCollectionDocument, { id: MISSING.collection }),
    collections: op(ops.PermCollectionsDocument),
    users: op(ops.PermUsersDocument),
    apiKeys: op(ops.PermApiKeysDocument),
    settings: op(ops.PermSettingsDocument),
    personalAccessTokens: op(ops.PermPersonalAccessTokensDocument),
  },
  Mutation: {
    createArtifact: op(ops.PermCreateArtifactDocument),
    updateArtifact: op(ops.PermUpdateArtifactDocument, { id: MISSING.artifact }),
    deleteArtifact: op(ops.PermDeleteArtifactDocument, { id: MISSING.artifact }),
    createCollection: op(ops.PermCreateCollectionDocument),
    updateCollection: op(ops.PermUpdateCollectionDocument, { id: MISSING.collection }),
    addArtifactToCollection: op(ops.PermAddArtifactToCollectionDocument, { collectionId: MISSING.collection, artifactId: MISSING.artifact }),
    removeArtifactFromCollection: op(ops.PermRemoveArtifactFromCollectionDocument, {
      collectionId: MISSING.collection,
      artifactId: MISSING.artifact,
    }),
    setUserRole: op(ops.PermSetUserRoleDocument, { userId: MISSING.user }),
    updateSettings: op(ops.PermUpdateSettingsDocument),
    createApiKey: op(ops.PermCreateApiKeyDocument),
    revokeApiKey: op(ops.PermRevokeApiKeyDocument, { id: gid('ApiKey', 999_999) }),
    signUp: op(ops.PermSignUpDocument, () => ({ email: `matrix-${++signUps}@example.test` }), true),
    logIn: op(ops.PermLogInDocument, LOCAL_ADMIN_LOGIN, true),
    logOut: op(ops.PermLogOutDocument),
    changePassword: op(ops.PermChangePasswordDocument, undefined, true),
    createPersonalAccessToken: op(ops.PermCreatePersonalAccessTokenDocument),
    revokePersonalAccessToken: op(ops.PermRevokePersonalAccessTokenDocument, { id: gid('PersonalAccessToken', 999_999) }),
    approveDevice: op(ops.PermApproveDeviceDocument, undefined, true),
    denyDevice: op(ops.PermDenyDeviceDocument, undefined, true),
  },
};

/** FORBIDDEN_HERE: allowed by the rule, refused because the server does not run the local provider. */
type Outcome = 'allowed' | 'FORBIDDEN' | 'FORBIDDEN_HERE' | 'UNAUTHENTICATED';

function expected(identity: Identity, type: 'Query' | 'Mutation', field: string): Outcome {
  const requirement = requirementFor(type, field);
  if (!requirement) throw new Error(`${type}.${field} is not in the permission table`);
  const allowedHere = (): Outcome => (OPERATIONS[type][field]!.localOnly && !identity.local ? 'FORBIDDEN_HERE' : 'allowed');
  if (requirement.kind === 'public') return allowedHere();
  if (identity.scopes === null) return 'UNAUTHENTICATED';
  if (requirement.kind === 'authenticated') return allowedHere();
  if (requirement.kind === 'signed-in-user') return identity.signedIn ? allowedHere() : 'FORBIDDEN';
  if (requirement.kind === 'scopes') return requirement.scopes.every((s) => identity.scopes!.includes(s)) ? 'allowed' : 'FORBIDDEN';
  throw new Error(`${type}.${field}: a root field cannot use ${requirement.kind}`);
}

describe('the permission table', () => {
  it('names every Query and Mutation field of the schema, and nothing else', () => {
    for (const type of ['Query', 'Mutation'] as const) {
      const fields = Object.keys(schema.getType(type) && isObjectType(schema.getType(type)) ? (schema.getType(type) as never as { getFields(): object }).getFields() : {});
      expect(Object.keys(ROOT_PERMISSIONS[type]).sort()).toEqual(fields.sort());
      expect(Object.keys(OPERATIONS[type]).sort()).toEqual(fields.sort());
    }
  });

  it('has an entry for every object type, and each entry is a requirement', () => {
    const objectTypes = Object.values(schema.getTypeMap())
      .filter((t) => isObjectType(t) && !t.name.startsWith('__') && t.name !== 'Query' && t.name !== 'Mutation')
      .map((t) => t.name);
    expect(Object.keys(TYPE_PERMISSIONS).sort()).toEqual(objectTypes.sort());
    const kinds = ['public', 'authenticated', 'scopes', 'self-or-user-admin', 'signed-in-user'];
    for (const fields of [...Object.values(ROOT_PERMISSIONS), ...Object.values(TYPE_PERMISSIONS)]) {
      for (const requirement of Object.values(fields) as Requirement[]) expect(kinds).toContain(requirement.kind);
    }
  });

  it('denies what is not in it', () => {
    expect(requirementFor('Query', 'notAField')).toBeNull();
    expect(requirementFor('NoSuchType', 'x')).toBeNull();
    expect(ruleOf(requirementFor('Query', 'notAField'))).toBe(deny);
    expect(requirementFor('Viewer', 'role')).toEqual({ kind: 'public' });
  });

  it('asks for the scopes the contract documents on each root field', () => {
    const contract = buildSchema(readContract());
    for (const type of ['Query', 'Mutation'] as const) {
      const root = contract.getType(type);
      if (!isObjectType(root)) throw new Error(`contract has no ${type}`);
      for (const field of Object.values(root.getFields())) {
        const documented = /^([a-z]+:[a-z]+)( \(and ([a-z]+:[a-z]+)|;|$)/.exec(field.description ?? '');
        if (!documented || !(field.name in ROOT_PERMISSIONS[type])) continue;
        const scopes = [documented[1], documented[3]].filter(Boolean);
        const requirement = requirementFor(type, field.name);
        expect(requirement, `${type}.${field.name}`).toEqual({ kind: 'scopes', scopes });
      }
    }
  });
});

describe('passesForCaller (the fast read path judges the table with it)', () => {
  /** The rule itself, run as shield runs it, on a row it has no reason to look at. */
  async function ruleSays(rule: ShieldRule, viewer: Viewer | null): Promise<boolean> {
    const ctx = { viewer, signedInUserId: null, deniedRootFields: new Set<string>(), _shield: { cache: {} } };
    const row = { kind: 'User', id: -1, teamId: 'nobody' };
    const options = { debug: false, allowExternalErrors: false, fallbackError: new Error('denied'), hashFunction: JSON.stringify };
    const resolve = (rule as unknown as { resolve(...args: unknown[]): Promise<unknown> }).resolve.bind(rule);
    return (await resolve(row, {}, ctx, { path: { key: 'field', prev: undefined } }, options)) === true;
  }

  it('is true only where the rule itself allows, for every rule of the table and every role (and no identity)', async () => {
    const viewers: (Viewer | null)[] = [
      null,
      ...ROLES.map((role) => makeViewer({ role, teamId: 'team-a', authMethod: 'API_KEY', userId: 7 })),
      makeViewer({ role: 'TEAM_MEMBER', teamId: 'team-a', authMethod: 'API_KEY', userId: 7, scopes: ['artifacts:read'] }),
    ];
    let decided = 0;
    for (const fields of [...Object.values(ROOT_PERMISSIONS), ...Object.values(TYPE_PERMISSIONS)]) {
      for (const [field, requirement] of Object.entries(fields) as [string, Requirement][]) {
        const kind = requirement.kind;
        for (const viewer of viewers) {
          const passes = passesForCaller(requirement, viewer);
          if (kind === 'public' || kind === 'authenticated' || kind === 'scopes') {
            // Requirements of the caller alone: the same answer as running the rule generated from them.
            expect(passes, `${field} as ${viewer?.role ?? 'nobody'}`).toBe(await ruleSays(ruleOf(requirement), viewer));
            decided++;
          } else {
            // Rules that read the row or how the caller signed in: never decided without running them.
            expect(passes, `${field} (${kind ?? 'no requirement'})`).toBe(false);
          }
        }
      }
    }
    expect(decided).toBeGreaterThan(100);
  });
});

describe('the permission matrix over HTTP', () => {
  let oidc: FakeOidc;
  let authServer: TestServer;
  let zeroAuthServer: TestServer;
  let localServer: TestServer;
  let keySecret: string;
  let localAccessToken: string;

  beforeAll(async () => {
    oidc = await startFakeOidc();
    authServer = await startTestServer({
      env: {
        SKILLMEAT_AUTH_ENABLED: 'true',
        SKILLMEAT_AUTH_PROVIDER: 'clerk',
        CLERK_JWKS_URL: oidc.jwksUrl,
        CLERK_ISSUER: oidc.issuer,
        SKILLMEAT_ENTERPRISE_PAT_SECRET: ENTERPRISE_SECRET,
      },
    });
    zeroAuthServer = await startTestServer();
    localServer = await startTestServer({ env: { SKILLMEAT_AUTH_ENABLED: 'true', SKILLMEAT_AUTH_PROVIDER: 'local' } });
    const signedUp = await graphql(localServer.url, ops.PermSignUpDocument, { email: LOCAL_ADMIN_LOGIN.email });
    expect(signedUp.errors).toBeUndefined();
    expect(signedUp.data?.signUp.session.user.role).toBe('TEAM_ADMIN');
    localAccessToken = signedUp.data!.signUp.session.accessToken;
    const created = await graphql(authServer.url, ops.PermCreateApiKeyDocument, {}, { headers: { authorization: `Bearer ${ENTERPRISE_SECRET}` } });
    keySecret = created.data!.createApiKey.secret;
  });
  afterAll(async () => {
    await authServer?.stop();
    await zeroAuthServer?.stop();
    await localServer?.stop();
    await oidc?.close();
  });

  const jwtIdentity = (role: 'VIEWER' | 'TEAM_MEMBER' | 'TEAM_ADMIN', scopes: string[]): Identity => ({
    name: role,
    scopes,
    signedIn: true,
    local: false,
    headers: async () => ({ authorization: `Bearer ${await oidc.mint(claimsFor(role, 'team-a', `user-${role}`))}` }),
    server: () => authServer,
  });
  const identities: Identity[] = [
    { name: 'anonymous', scopes: null, signedIn: false, local: false, headers: async () => ({}), server: () => authServer },
    { name: 'anonymous (local provider)', scopes: null, signedIn: false, local: true, headers: async () => ({}), server: () => localServer },
    {
      name: 'TEAM_ADMIN (local provider)',
      scopes: TEAM_ADMIN,
      signedIn: true,
      local: true,
      headers: async () => ({ authorization: `Bearer ${localAccessToken}` }),
      server: () => localServer,
    },
    jwtIdentity('VIEWER', READ),
    jwtIdentity('TEAM_MEMBER', MEMBER),
    jwtIdentity('TEAM_ADMIN', TEAM_ADMIN),
    { name: 'SYSTEM_ADMIN', scopes: ALL, signedIn: false, local: false, headers: async () => ({ authorization: `Bearer ${ENTERPRISE_SECRET}` }), server: () => authServer },
    { name: 'LOCAL_ADMIN', scopes: ALL, signedIn: false, local: false, headers: async () => ({}), server: () => zeroAuthServer },
    { name: 'API key with artifacts:read', scopes: ['artifacts:read'], signedIn: false, local: false, headers: async () => ({ 'x-api-key': keySecret }), server: () => authServer },
  ];
  const cases = identities.flatMap((identity) =>
    (['Query', 'Mutation'] as const).flatMap((type) => Object.keys(OPERATIONS[type]).map((field) => ({ identity, type, field }))),
  );

  it.each(cases.map((c) => [c.identity.name, `${c.type}.${c.field}`, c] as const))('%s → %s', async (_name, _field, { identity, type, field }) => {
    const want = expected(identity, type, field);
    const { document, variables } = OPERATIONS[type][field]!;
    const vars = typeof variables === 'function' ? variables() : variables;
    const result = await graphql(identity.server().url, document, vars, { headers: await identity.headers() });
    const denials = (result.errors ?? []).filter((e) => e.extensions?.code === 'FORBIDDEN' || e.extensions?.code === 'UNAUTHENTICATED');
    if (want === 'allowed') {
      expect(denials).toEqual([]);
      expect(result.status).toBe(200);
    } else {
      const code = want === 'FORBIDDEN_HERE' ? 'FORBIDDEN' : want;
      expect(denials.map((e) => e.extensions?.code)).toContain(code);
      expect(result.status).toBe(code === 'FORBIDDEN' ? 403 : 401);
      if (want === 'UNAUTHENTICATED') expect(result.headers.get('www-authenticate')).toMatch(/^Bearer realm="skillmeat"/);
      if (want === 'FORBIDDEN_HERE') expect(denials.map((e) => e.message).join(' ')).toMatch(/local identity provider/);
      expect(result.data?.[field as never] ?? null).toBeNull();
    }
  });
});
