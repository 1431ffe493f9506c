/**
 * The permission rules, each named for what it checks, each returning true or the error that
 * explains the denial (UNAUTHENTICATED without an identity, FORBIDDEN without the right).
 * Every rule records what it requires, so the permission tests are generated from the table.
 */
import { allow, and, rule } from 'graphql-shield';
import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../context/context.js';
import type { User } from '../db/model.js';
import { forbidden, unauthenticated } from '../errors.js';
import type { Scope } from './scopes.js';
import { hasScope as viewerHasScope, seesEveryTeam, type Viewer } from './viewer.js';

/** Any shield rule: a rule, or a logic rule made with and()/or(). */
export type ShieldRule = ReturnType<ReturnType<typeof rule>> extends infer R ? R | ReturnType<typeof and> : never;

/** What a rule asks of the caller; the permission matrix test derives its expectations from it. */
export type Requirement =
  | { kind: 'public' }
  | { kind: 'authenticated' }
  | { kind: 'scopes'; scopes: Scope[] }
  | { kind: 'self-or-user-admin' }
  | { kind: 'signed-in-user' };

const requirements = new Map<ShieldRule, Requirement>();

/** A FORBIDDEN answer; a denied root field is noted so the response can be a 403 when all were. */
function denied(ctx: Context, info: GraphQLResolveInfo, message: string) {
  if (info.path.prev === undefined) ctx.deniedRootFields.add(String(info.path.key));
  return forbidden(message);
}

export function requirementOf(r: ShieldRule): Requirement | undefined {
  return requirements.get(r);
}

/**
 * Whether `viewer` passes `r` whatever the row it guards: true only for rules that read the
 * caller alone (public, authenticated, scopes) and that this caller passes, exactly as those
 * rules decide below. A rule that reads the row (isSelfOrUserAdmin), one for signed-in users, or
 * one without a recorded requirement is false: only running it can tell.
 */
export function passesForCaller(r: ShieldRule, viewer: Viewer | null): boolean {
  const requirement = requirements.get(r);
  switch (requirement?.kind) {
    case 'public':
      return true;
    case 'authenticated':
      return viewer !== null;
    case 'scopes':
      return viewer !== null && requirement.scopes.every((scope) => viewerHasScope(viewer, scope));
    default:
      return false;
  }
}

function described<R extends ShieldRule>(r: R, requirement: Requirement): R {
  requirements.set(r, requirement);
  return r;
}

/** Open to every caller, signed in or not. */
export const isPublic = described(allow, { kind: 'public' });

/**
 * Rules that depend on the caller alone, so shield decides them once per request: its
 * 'contextual' cache keeps the first answer in `ctx._shield.cache` under the rule's name.
 */
const perRequestRules = new Map<ShieldRule, string>();

function perRequest(name: string, check: Parameters<ReturnType<typeof rule>>[0]): ShieldRule {
  const r = rule(name, { cache: 'contextual' })(check);
  perRequestRules.set(r, name);
  return r;
}

/** The key under which shield caches `r`'s answer for the request, when `r` is decided once per request. */
export function perRequestCacheKey(r: ShieldRule): string | undefined {
  return perRequestRules.get(r);
}

export const isAuthenticated = described(
  perRequest('isAuthenticated', (_parent, _args, ctx: Context) => (ctx.viewer ? true : unauthenticated())),
  { kind: 'authenticated' },
);

const scopeRules = new Map<Scope, ShieldRule>();

/** The caller holds `scope`. */
export function hasScope(scope: Scope): ShieldRule {
  let r = scopeRules.get(scope);
  if (!r) {
    r = described(
      rule(`hasScope(${scope})`, { cache: 'no_cache' })((_parent, _args, ctx: Context, info) => {
        if (!ctx.viewer) return unauthenticated();
        return viewerHasScope(ctx.viewer, scope) ? true : denied(ctx, info, `This needs the ${scope} scope.`);
      }),
      { kind: 'scopes', scopes: [scope] },
    );
    scopeRules.set(scope, r);
  }
  return r;
}

/** The caller holds every one of `scopes`. */
export function hasScopes(...scopes: Scope[]): ShieldRule {
  return described(and(...scopes.map(hasScope)), { kind: 'scopes', scopes });
}

/** On a User: the user themself, or an admin:users holder of the user's team (or of every team). */
export const isSelfOrUserAdmin = described(
  rule('isSelfOrUserAdmin', { cache: 'no_cache' })((user: User, _args, ctx: Context, info) => {
    if (ctx.signedInUserId !== null && ctx.signedInUserId === user.id) return true;
    const viewer = ctx.viewer;
    if (!viewer) return unauthenticated();
    if (viewer.userId !== null && viewer.userId === user.id) return true;
    const admin = viewerHasScope(viewer, 'admin:users') && (seesEveryTeam(viewer) || (viewer.teamId !== null && viewer.teamId === user.teamId));
    return admin ? true : denied(ctx, info, 'Only the user themself and user admins of their team may see this.');
  }),
  { kind: 'self-or-user-admin' },
);

/** A person signed in with a JWT (not a key, a PAT or a service secret). */
export const isSignedInUser = described(
  perRequest('isSignedInUser', (_parent, _args, ctx: Context, info) => {
    const viewer = ctx.viewer;
    if (!viewer) return unauthenticated();
    return viewer.authMethod === 'JWT' && viewer.userId !== null
      ? true
      : denied(ctx, info, 'This needs a signed-in user (a JWT), not a key or token.');
  }),
  { kind: 'signed-in-user' },
);
