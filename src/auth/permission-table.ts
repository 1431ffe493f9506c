/**
 * The permission table, as data: every Query and Mutation field, and every object type (with
 * its sensitive fields named), mapped to what it requires of the caller. Anything missing here
 * is denied. The shield rules are generated from it (src/auth/permissions.ts), and the fast read
 * path (passesForCaller), the 401/403 status plugin and the generated permission tests read the
 * same entries. Tenancy is enforced again in the data functions, so a field this table allows
 * never widens what a caller can see.
 */
import type { Scope } from '../vocabulary/scopes.js';
import { hasScope, type Viewer } from '../vocabulary/viewer.js';

/** What a field asks of the caller. */
export type Requirement =
  /** Open to every caller, signed in or not (on an object type: no check beyond its parent's). */
  | { readonly kind: 'public' }
  /** Any identity. */
  | { readonly kind: 'authenticated' }
  /** An identity holding every one of these scopes. */
  | { readonly kind: 'scopes'; readonly scopes: readonly Scope[] }
  /** On a User: the user themself, or an admin:users holder of the user's team (or of every team). */
  | { readonly kind: 'self-or-user-admin' }
  /** A person signed in with a JWT (not a key, a PAT or a service secret). */
  | { readonly kind: 'signed-in-user' };

export const PUBLIC: Requirement = { kind: 'public' };
export const AUTHENTICATED: Requirement = { kind: 'authenticated' };
export const SIGNED_IN_USER: Requirement = { kind: 'signed-in-user' };
export const SELF_OR_USER_ADMIN: Requirement = { kind: 'self-or-user-admin' };
export const scopes = (...needed: Scope[]): Requirement => ({ kind: 'scopes', scopes: needed });

export type PermissionTable = Readonly<Record<string, Readonly<Record<string, Requirement>>>>;

export const ROOT_PERMISSIONS = {
  Query: {
    me: AUTHENTICATED,
    node: AUTHENTICATED,
    artifact: scopes('artifacts:read'),
    artifacts: scopes('artifacts:read'),
    collection: scopes('collections:read'),
    collections: scopes('collections:read'),
    users: scopes('admin:users'),
    apiKeys: AUTHENTICATED,
    settings: scopes('admin:settings'),
    personalAccessTokens: AUTHENTICATED,
  },
  Mutation: {
    createArtifact: scopes('artifacts:write'),
    updateArtifact: scopes('artifacts:write'),
    deleteArtifact: scopes('artifacts:delete'),
    createCollection: scopes('collections:write'),
    updateCollection: scopes('collections:write'),
    addArtifactToCollection: scopes('collections:write', 'artifacts:read'),
    removeArtifactFromCollection: scopes('collections:write'),
    setUserRole: scopes('admin:users'),
    updateSettings: scopes('admin:settings'),
    createApiKey: AUTHENTICATED,
    revokeApiKey: AUTHENTICATED,
    signUp: PUBLIC,
    logIn: PUBLIC,
    logOut: AUTHENTICATED,
    changePassword: SIGNED_IN_USER,
    createPersonalAccessToken: SIGNED_IN_USER,
    revokePersonalAccessToken: AUTHENTICATED,
    approveDevice: SIGNED_IN_USER,
    denyDevice: SIGNED_IN_USER,
  },
} satisfies PermissionTable;

/** Object types: '*' is the requirement of fields not named; sensitive fields are named. */
export const TYPE_PERMISSIONS = {
  Viewer: { '*': PUBLIC },
  User: { '*': PUBLIC, email: SELF_OR_USER_ADMIN },
  Artifact: { '*': PUBLIC, owner: AUTHENTICATED, collections: scopes('collections:read') },
  Collection: { '*': PUBLIC, artifacts: scopes('artifacts:read') },
  ApiKey: { '*': PUBLIC },
  Settings: { '*': PUBLIC },
  PageInfo: { '*': PUBLIC },
  ArtifactConnection: { '*': PUBLIC },
  ArtifactEdge: { '*': PUBLIC },
  CollectionConnection: { '*': PUBLIC },
  CollectionEdge: { '*': PUBLIC },
  UserConnection: { '*': PUBLIC },
  UserEdge: { '*': PUBLIC },
  ApiKeyConnection: { '*': PUBLIC },
  ApiKeyEdge: { '*': PUBLIC },
  CreateArtifactPayload: { '*': PUBLIC },
  UpdateArtifactPayload: { '*': PUBLIC },
  DeleteArtifactPayload: { '*': PUBLIC },
  CreateCollectionPayload: { '*': PUBLIC },
  UpdateCollectionPayload: { '*': PUBLIC },
  AddArtifactToCollectionPayload: { '*': PUBLIC },
  RemoveArtifactFromCollectionPayload: { '*': PUBLIC },
  SetUserRolePayload: { '*': PUBLIC },
  UpdateSettingsPayload: { '*': PUBLIC },
  CreateApiKeyPayload: { '*': PUBLIC },
  RevokeApiKeyPayload: { '*': PUBLIC },
  Session: { '*': PUBLIC },
  SignUpPayload: { '*': PUBLIC },
  LogInPayload: { '*': PUBLIC },
  LogOutPayload: { '*': PUBLIC },
  ChangePasswordPayload: { '*': PUBLIC },
  PersonalAccessToken: { '*': PUBLIC },
  PersonalAccessTokenConnection: { '*': PUBLIC },
  PersonalAccessTokenEdge: { '*': PUBLIC },
  CreatePersonalAccessTokenPayload: { '*': PUBLIC },
  RevokePersonalAccessTokenPayload: { '*': PUBLIC },
  DeviceDecisionPayload: { '*': PUBLIC },
} satisfies PermissionTable;

export const PERMISSIONS: PermissionTable = { ...ROOT_PERMISSIONS, ...TYPE_PERMISSIONS };

/** What Type.field requires, as shield resolves the table ('*' for fields not named); null: denied. */
export function requirementFor(type: string, field: string): Requirement | null {
  const fields = PERMISSIONS[type];
  if (!fields) return null;
  return fields[field] ?? fields['*'] ?? null;
}

/**
 * Whether `viewer` meets `requirement` whatever the row it guards: true only for requirements
 * that read the caller alone (public, authenticated, scopes) and that this caller meets, exactly
 * as their generated rules decide. One that reads the row (self-or-user-admin), or how the caller
 * signed in, and a denied field, are false: only running the rule can tell.
 */
export function passesForCaller(requirement: Requirement | null, viewer: Viewer | null): boolean {
  switch (requirement?.kind) {
    case 'public':
      return true;
    case 'authenticated':
      return viewer !== null;
    case 'scopes':
      return viewer !== null && requirement.scopes.every((scope) => hasScope(viewer, scope));
    default:
      return false;
  }
}
