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
import { hasScope, hasScopes, isAuthenticated, isPublic, isSelfOrUserAdmin, isSignedInUser, type ShieldRule } from './rules.js';

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

/**
 * The schema with the table enforced. Fields whose rule is a plain allow get no middleware at
 * all, so a list of 100 artifacts does not pay an awaited rule per scalar field.
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
    for (const field of Object.keys(fields)) {
      if (ruleFor(type, field) === allow) delete fields[field];
    }
  }
  return applyMiddleware(schema, middleware as never);
}

