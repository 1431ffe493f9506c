/** The Viewer: who a request is, as the auth strategy chain resolved it. Immutable per request. */
import { ROLE_SCOPES, type Role, type Scope } from './scopes.js';

export const AUTH_METHODS = ['ZERO_AUTH', 'API_KEY', 'ENTERPRISE_PAT', 'JWT', 'PERSONAL_ACCESS_TOKEN'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

export interface Viewer {
  readonly role: Role;
  readonly scopes: ReadonlySet<Scope>;
  readonly teamId: string | null;
  readonly authMethod: AuthMethod;
  /** The users row this identity maps to; null for identities with no user (Enterprise PAT). */
  readonly userId: number | null;
  /** For local-provider JWTs: the session (refresh-token family) the access token belongs to. */
  readonly sessionId?: string | null;
  /**
   * The configured secret(s) this identity stands on (src/auth/minting-secrets.ts): the Enterprise
   * PAT's or the static key's fingerprint, or what the API key it came from was minted by. Keys it
   * creates are bound to the same.
   */
  readonly mintedBy?: string | null;
}

/** The team every zero-auth resource belongs to. */
export const LOCAL_TEAM = 'local';
/** The subject of the one user that stands for the person at the keyboard in zero-auth mode. */
export const LOCAL_SUBJECT = 'skillmeat:zero-auth';

export function makeViewer(fields: Omit<Viewer, 'scopes'> & { scopes?: Iterable<Scope> }): Viewer {
  const scopes = new Set<Scope>(fields.scopes ?? ROLE_SCOPES[fields.role]);
  return Object.freeze({ ...fields, scopes });
}

/** SYSTEM_ADMIN and LOCAL_ADMIN act on every team; everyone else on their own. */
export function seesEveryTeam(viewer: Viewer): boolean {
  return viewer.role === 'SYSTEM_ADMIN' || viewer.role === 'LOCAL_ADMIN';
}

export function hasScope(viewer: Viewer, scope: Scope): boolean {
  return viewer.scopes.has(scope);
}
