/**
 * The permission table: every Query and Mutation field, and every object type (with the
 * sensitive fields named), mapped to its rule. Anything missing here is denied (fallback deny),
 * and the permission tests are generated from this table. Tenancy is enforced again in the data
 * functions, so a rule that allows a field never widens what a caller can see.
 */
import type { GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { allow, deny, shield } from 'graphql-shield';
import { forbidden } from '../errors.js';
import { hasScope, hasScopes, isAuthenticated, isPublic, isSelfOrUserAdmin, isSignedInUser, perRequestCacheKey, type ShieldRule } from './rules.js';

export type PermissionTable = Record<string, Record<string, ShieldRule>>;

export const ROOT_PERMISSIONS = {
  Query: {
    me: isAuthenticated,
    node: isAuthenticated,
    artifact: hasScope('artifacts:read'),
    artifacts: hasScope('artifacts:read'),
    collection: hasScope('collections:read'),
    collections: hasScope('collections:read'),
    users: hasScope('admin:users'),
    apiKeys: isAuthenticated,
    settings: hasScope('admin:settings'),
    personalAccessTokens: isAuthenticated,
  },
  Mutation: {
    createArtifact: hasScope('artifacts:write'),
    updateArtifact: hasScope('artifacts:write'),
    deleteArtifact: hasScope('artifacts:delete'),
    createCollection: hasScope('collections:write'),
    updateCollection: hasScope('collections:write'),
    addArtifactToCollection: hasScopes('collections:write', 'artifacts:read'),
    removeArtifactFromCollection: hasScope('collections:write'),
    setUserRole: hasScope('admin:users'),
    updateSettings: hasScope('admin:settings'),
    createApiKey: isAuthenticated,
    revokeApiKey: isAuthenticated,
    signUp: isPublic,
    logIn: isPublic,
    logOut: isAuthenticated,
    changePassword: isSignedInUser,
    createPersonalAccessToken: isSignedInUser,
    revokePersonalAccessToken: isAuthenticated,
    approveDevice: isSignedInUser,
    denyDevice: isSignedInUser,
  },
} satisfies PermissionTable;

/** Object types: '*' is the rule for fields not named; sensitive fields are named. */
export const TYPE_PERMISSIONS = {
  Viewer: { '*': allow },
  User: { '*': allow, email: isSelfOrUserAdmin },
  Artifact: { '*': allow, owner: isAuthenticated, collections: hasScope('collections:read') },
  Collection: { '*': allow, artifacts: hasScope('artifacts:read') },
  ApiKey: { '*': allow },
  Settings: { '*': allow },
  PageInfo: { '*': allow },
  ArtifactConnection: { '*': allow },
  ArtifactEdge: { '*': allow },
  CollectionConnection: { '*': allow },
  CollectionEdge: { '*': allow },
  UserConnection: { '*': allow },
  UserEdge: { '*': allow },
  ApiKeyConnection: { '*': allow },
  ApiKeyEdge: { '*': allow },
  CreateArtifactPayload: { '*': allow },
  UpdateArtifactPayload: { '*': allow },
  DeleteArtifactPayload: { '*': allow },
  CreateCollectionPayload: { '*': allow },
  UpdateCollectionPayload: { '*': allow },
  AddArtifactToCollectionPayload: { '*': allow },
  RemoveArtifactFromCollectionPayload: { '*': allow },
  SetUserRolePayload: { '*': allow },
  UpdateSettingsPayload: { '*': allow },
  CreateApiKeyPayload: { '*': allow },
  RevokeApiKeyPayload: { '*': allow },
  Session: { '*': allow },
  SignUpPayload: { '*': allow },
  LogInPayload: { '*': allow },
  LogOutPayload: { '*': allow },
  ChangePasswordPayload: { '*': allow },
  PersonalAccessToken: { '*': allow },
  PersonalAccessTokenConnection: { '*': allow },
  PersonalAccessTokenEdge: { '*': allow },
  CreatePersonalAccessTokenPayload: { '*': allow },
  RevokePersonalAccessTokenPayload: { '*': allow },
  DeviceDecisionPayload: { '*': allow },
} satisfies PermissionTable;

export const PERMISSIONS: PermissionTable = { ...ROOT_PERMISSIONS, ...TYPE_PERMISSIONS };

/** The rule that applies to Type.field, exactly as shield resolves it. */
export function ruleFor(type: string, field: string): ShieldRule {
  const rules = PERMISSIONS[type];
  if (!rules) return deny;
  return rules[field] ?? rules['*'] ?? deny;
}

type FieldMiddleware = (resolve: (...args: unknown[]) => unknown, parent: unknown, args: unknown, ctx: unknown, info: unknown) => unknown;

/**
 * A field whose rule is decided once per request (perRequestCacheKey): once shield has found
 * the rule true for this request, its answer sits in shield's cache as `true` and the resolver
 * is called at once, without shield's two awaited steps per field (100 `Artifact.owner` fields
 * in a page of pages). Not yet decided, denied or failed: shield's own middleware, as before.
 * Should a later shield keep its cache elsewhere, every field simply goes through shield.
 */
export function decidedOncePerRequest(cacheKey: string, guarded: FieldMiddleware): FieldMiddleware {
  return (resolve, parent, args, ctx, info) =>
    (ctx as { _shield?: { cache?: Record<string, unknown> } } | null)?._shield?.cache?.[cacheKey] === true
      ? resolve(parent, args, ctx, info)
      : guarded(resolve, parent, args, ctx, info);
}

/**
 * The schema with the table enforced. Fields whose rule is a plain allow get no middleware at
 * all, so a list of 100 artifacts does not pay an awaited rule per scalar field; fields whose
 * rule is decided once per request pay it once (decidedOncePerRequest).
 */
export function withPermissions(schema: GraphQLSchema): GraphQLSchema {
  const generator = shield(PERMISSIONS, {
    fallbackRule: deny,
    // A denial is a GraphQLError with a code; shield's default is a plain Error that Yoga masks.
    fallbackError: () => forbidden(),
    // Resolver errors (BAD_USER_INPUT, NOT_FOUND…) pass through as they are; unexpected ones are masked by Yoga.
    allowExternalErrors: true,
    debug: false,
  });
  const middleware = generator.generate(schema) as Record<string, Record<string, unknown>>;
  for (const [type, fields] of Object.entries(middleware)) {
    for (const [field, guarded] of Object.entries(fields)) {
      const rule = ruleFor(type, field);
      const cacheKey = perRequestCacheKey(rule);
      if (rule === allow) delete fields[field];
      else if (cacheKey !== undefined && typeof guarded === 'function') {
        fields[field] = decidedOncePerRequest(cacheKey, guarded as FieldMiddleware);
      }
    }
  }
  return applyMiddleware(schema, middleware as never);
}

