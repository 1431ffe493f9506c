/** The registry's records as the rest of the server sees them, and the row → record mappers. */
import type { ArtifactRow, CollectionRow, UserRow } from './database.js';
import type { Role } from '../vocabulary/scopes.js';

export const ARTIFACT_TYPES = ['SKILL', 'COMMAND', 'AGENT', 'MCP', 'HOOK'] as const;
export type ArtifactType = (typeof ARTIFACT_TYPES)[number];

export const VISIBILITIES = ['TEAM', 'PUBLIC'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

/** What an artifacts list may be filtered by (each set filter narrows it). */
export interface ArtifactFilter {
  type?: ArtifactType | null;
  tag?: string | null;
  search?: string | null;
}

export interface Artifact {
  readonly kind: 'Artifact';
  readonly id: number;
  readonly name: string;
  readonly type: ArtifactType;
  readonly description: string | null;
  readonly tags: string[];
  readonly visibility: Visibility;
  readonly teamId: string | null;
  readonly ownerId: number | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Collection {
  readonly kind: 'Collection';
  readonly id: number;
  readonly name: string;
  readonly description: string | null;
  readonly visibility: Visibility;
  readonly teamId: string | null;
  readonly ownerId: number | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface User {
  readonly kind: 'User';
  readonly id: number;
  readonly subject: string;
  readonly email: string | null;
  readonly name: string | null;
  readonly role: Role;
  readonly teamId: string | null;
  readonly createdAt: string;
}

export function toArtifact(row: ArtifactRow): Artifact {
  return {
    kind: 'Artifact',
    id: row.id,
    name: row.name,
    type: row.type as ArtifactType,
    description: row.description,
    tags: JSON.parse(row.tags) as string[],
    visibility: row.visibility as Visibility,
    teamId: row.team_id,
    ownerId: row.owner_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toCollection(row: CollectionRow): Collection {
  return {
    kind: 'Collection',
    id: row.id,
    name: row.name,
    description: row.description,
    visibility: row.visibility as Visibility,
    teamId: row.team_id,
    ownerId: row.owner_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The identity provider's team when it names one; otherwise a team an admin gave. */
function effectiveTeam(row: UserRow): string | null {
  return row.team_id ?? row.team_override;
}

/** A role set with setUserRole wins, but only in the team it was granted in. */
function effectiveRole(row: UserRow): Role {
  const override = row.role_override !== null && row.role_override_team === effectiveTeam(row);
  return (override ? row.role_override : row.role) as Role;
}

export function toUser(row: UserRow): User {
  return {
    kind: 'User',
    id: row.id,
    subject: row.subject,
    email: row.email,
    name: row.name,
    role: effectiveRole(row),
    teamId: effectiveTeam(row),
    createdAt: row.created_at,
  };
}
