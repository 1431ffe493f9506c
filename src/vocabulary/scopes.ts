/** Scope names and the scopes each role holds, exactly as the public contract lists them. */

export const SCOPES = [
  'artifacts:read',
  'artifacts:write',
  'artifacts:delete',
  'collections:read',
  'collections:write',
  'admin:users',
  'admin:settings',
] as const;

export type Scope = (typeof SCOPES)[number];

export const ROLES = ['VIEWER', 'TEAM_MEMBER', 'TEAM_ADMIN', 'SYSTEM_ADMIN', 'LOCAL_ADMIN'] as const;
export type Role = (typeof ROLES)[number];

const VIEWER_SCOPES: readonly Scope[] = ['artifacts:read', 'collections:read'];
const MEMBER_SCOPES: readonly Scope[] = [...VIEWER_SCOPES, 'artifacts:write', 'collections:write'];
const TEAM_ADMIN_SCOPES: readonly Scope[] = [...MEMBER_SCOPES, 'artifacts:delete', 'admin:users'];

export const ROLE_SCOPES: Readonly<Record<Role, readonly Scope[]>> = {
  VIEWER: VIEWER_SCOPES,
  TEAM_MEMBER: MEMBER_SCOPES,
  TEAM_ADMIN: TEAM_ADMIN_SCOPES,
  SYSTEM_ADMIN: SCOPES,
  LOCAL_ADMIN: SCOPES,
};

/** Higher rank = more power; used to refuse granting a role above one's own. */
export const ROLE_RANK: Readonly<Record<Role, number>> = {
  VIEWER: 0,
  TEAM_MEMBER: 1,
  TEAM_ADMIN: 2,
  SYSTEM_ADMIN: 3,
  LOCAL_ADMIN: 3,
};

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
