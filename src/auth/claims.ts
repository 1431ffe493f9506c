/**
 * JWT claims → identity, as SPEC says: `sub` is the user; team = org_id (or o.id); role from
 * org_role (or o.rol): org:admin/admin → TEAM_ADMIN, org:member/member → TEAM_MEMBER, else VIEWER.
 */
import type { JWTPayload } from 'jose';
import type { UserIdentity } from '../db/users.js';
import type { Role } from '../vocabulary/scopes.js';

const MAX_CLAIM_LENGTH = 255;

function text(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_CLAIM_LENGTH ? value : null;
}

function orgClaim(payload: JWTPayload, flat: string, nested: string): string | null {
  const o = payload.o;
  const fromNested = o !== null && typeof o === 'object' ? text((o as Record<string, unknown>)[nested]) : null;
  return text(payload[flat]) ?? fromNested;
}

export function roleFromClaim(value: string | null): Role {
  switch (value) {
    case 'org:admin':
    case 'admin':
      return 'TEAM_ADMIN';
    case 'org:member':
    case 'member':
      return 'TEAM_MEMBER';
    default:
      return 'VIEWER';
  }
}

/** The identity a verified token stands for; null when it has no usable `sub`. */
export function identityFromClaims(payload: JWTPayload): UserIdentity | null {
  const subject = text(payload.sub);
  if (subject === null) return null;
  const teamId = orgClaim(payload, 'org_id', 'id');
  return {
    subject,
    email: text(payload.email),
    name: text(payload.name),
    teamId,
    // A team role means nothing without a team: such a token is a VIEWER (deny by default).
    role: teamId === null ? 'VIEWER' : roleFromClaim(orgClaim(payload, 'org_role', 'rol')),
  };
}
