/**
 * The shield rule of each requirement of the permission table (permission-table.ts), each
 * returning true or the error that explains the denial (UNAUTHENTICATED without an identity,
 * FORBIDDEN without the right). The table is the data; these are how shield enforces it.
 */
import { allow, and, deny, rule } from 'graphql-shield';
import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../context/context.js';
import type { User } from '../db/model.js';
import { forbidden, unauthenticated } from '../errors.js';
import type { Requirement } from './permission-table.js';
import type { Scope } from '../vocabulary/scopes.js';
import { hasScope as viewerHasScope, seesEveryTeam } from '../vocabulary/viewer.js';

/** Any shield rule: a rule, or a logic rule made with and(). */
export type ShieldRule = ReturnType<ReturnType<typeof rule>> extends infer R ? R | ReturnType<typeof and> : never;

/** A FORBIDDEN answer; a denied root field is noted so the response can be a 403 when all were. */
function denied(ctx: Context, info: GraphQLResolveInfo, message: string) {
  if (info.path.prev === undefined) ctx.deniedRootFields.add(String(info.path.key));
  return forbidden(message);
}

// Rules that depend on the caller alone are decided once per request: shield's 'contextual' cache.
const isAuthenticated = rule('isAuthenticated', { cache: 'contextual' })((_parent, _args, ctx: Context) => (ctx.viewer ? true : unauthenticated()));

const isSignedInUser = rule('isSignedInUser', { cache: 'contextual' })((_parent, _args, ctx: Context, info) => {
  const viewer = ctx.viewer;
  if (!viewer) return unauthenticated();
  return viewer.authMethod === 'JWT' && viewer.userId !== null ? true : denied(ctx, info, 'This needs a signed-in user (a JWT), not a key or token.');
});

const isSelfOrUserAdmin = rule('isSelfOrUserAdmin', { cache: 'no_cache' })((user: User, _args, ctx: Context, info) => {
  if (ctx.signedInUserId !== null && ctx.signedInUserId === user.id) return true;
  const viewer = ctx.viewer;
  if (!viewer) return unauthenticated();
  if (viewer.userId !== null && viewer.userId === user.id) return true;
  const admin = viewerHasScope(viewer, 'admin:users') && (seesEveryTeam(viewer) || (viewer.teamId !== null && viewer.teamId === user.teamId));
  return admin ? true : denied(ctx, info, 'Only the user themself and user admins of their team may see this.');
});

const scopeRules = new Map<Scope, ShieldRule>();

/** The caller holds `scope`. */
function hasScope(scope: Scope): ShieldRule {
  let r = scopeRules.get(scope);
  if (!r) {
    r = rule(`hasScope(${scope})`, { cache: 'no_cache' })((_parent, _args, ctx: Context, info) => {
      if (!ctx.viewer) return unauthenticated();
      return viewerHasScope(ctx.viewer, scope) ? true : denied(ctx, info, `This needs the ${scope} scope.`);
    });
    scopeRules.set(scope, r);
  }
  return r;
}

/** The rule that enforces `requirement`; deny for a field the table does not name. */
export function ruleOf(requirement: Requirement | null): ShieldRule {
  switch (requirement?.kind) {
    case undefined:
      return deny;
    case 'public':
      return allow;
    case 'authenticated':
      return isAuthenticated;
    case 'signed-in-user':
      return isSignedInUser;
    case 'self-or-user-admin':
      return isSelfOrUserAdmin;
    case 'scopes':
      return requirement.scopes.length === 1 ? hasScope(requirement.scopes[0]!) : and(...requirement.scopes.map(hasScope));
  }
}
