/** Accounts and sessions of the local identity provider: signUp, logIn, logOut, changePassword. */
import { revokeFamily, revokeOtherSessions, familyOf, startSession, type Session } from '../auth/local/sessions.js';
import { identityProviderOf, type LocalIdentityProvider } from '../auth/local/identity-provider.js';
import { underLoginLimits } from '../auth/local/password-attempts.js';
import { emailLimitKey } from '../auth/local/passwords.js';
import { type Context, viewerOf } from '../context/context.js';
import { authenticateAccount, checkCurrentPassword, checkNewPassword, createAccount, setAccountPassword } from '../auth/local/accounts.js';
import { localAccount } from '../db/accounts.js';
import { audit } from '../db/audit.js';
import { errorCode, forbidden } from '../errors.js';
import { builder } from './builder.js';
import { UserRef } from './refs.js';

function localIdp(ctx: Context): LocalIdentityProvider {
  const idp = identityProviderOf(ctx);
  if (!idp) throw forbidden('This server does not run the local identity provider (SKILLMEAT_AUTH_PROVIDER=local with auth enabled).');
  return idp;
}

const SessionRef = builder.objectRef<Session>('Session').implement({
  description: 'Tokens from the local identity provider (provider local).',
  fields: (t) => ({
    accessToken: t.exposeString('accessToken'),
    expiresIn: t.exposeInt('expiresIn', { description: 'Seconds until the access token expires.' }),
    refreshToken: t.exposeString('refreshToken'),
    user: t.expose('user', { type: UserRef }),
  }),
});

const sessionPayload = (name: string) =>
  builder.objectRef<{ session: Session }>(name).implement({ fields: (t) => ({ session: t.expose('session', { type: SessionRef }) }) });
const SignUpPayload = builder.objectRef<{ session: Session; adoptedTeam: string | null }>('SignUpPayload').implement({
  fields: (t) => ({
    session: t.expose('session', { type: SessionRef }),
    adoptedTeam: t.exposeString('adoptedTeam', {
      nullable: true,
      description:
        'The team this account adopted: `local` when it is the first account and team local holds what was made in zero-auth mode (it becomes that team\'s TEAM_ADMIN); null otherwise.',
    }),
  }),
});
const okPayload = (name: string) =>
  builder.objectRef<{ ok: boolean }>(name).implement({ fields: (t) => ({ ok: t.exposeBoolean('ok') }) });

const SignUpInput = builder.inputType('SignUpInput', {
  fields: (t) => ({ email: t.string({ required: true }), password: t.string({ required: true }), name: t.string({ required: false }) }),
});
const LogInInput = builder.inputType('LogInInput', {
  fields: (t) => ({ email: t.string({ required: true }), password: t.string({ required: true }) }),
});
const LogOutInput = builder.inputType('LogOutInput', { fields: (t) => ({ refreshToken: t.string({ required: true }) }) });
const ChangePasswordInput = builder.inputType('ChangePasswordInput', {
  fields: (t) => ({ currentPassword: t.string({ required: true }), newPassword: t.string({ required: true }) }),
});

builder.mutationFields((t) => ({
  signUp: t.field({
    type: SignUpPayload,
    description: 'Provider local only; open to unauthenticated callers; rate-limited.',
    args: { input: t.arg({ type: SignUpInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const idp = localIdp(ctx);
      if (!idp.signupEnabled) throw forbidden('Sign-up is turned off on this server; ask an administrator for an account.');
      await idp.limits.hit('signUpPerAddress', ctx.address ?? 'unknown');
      const { user, adoptedTeam } = await createAccount(ctx.db, input);
      await audit(ctx.db, { event: 'account.created', outcome: 'success', actorUserId: user.id, teamId: user.teamId, address: ctx.address });
      if (adoptedTeam !== null) {
        await audit(ctx.db, {
          event: 'team.adopted',
          outcome: 'success',
          strategy: 'sign-up',
          actorUserId: user.id,
          teamId: adoptedTeam,
          target: `team:${adoptedTeam} TEAM_ADMIN user:${user.id}`,
          address: ctx.address,
        });
      }
      ctx.signedInUserId = user.id;
      return { session: await startSession(ctx.db, idp, user), adoptedTeam };
    },
  }),
  logIn: t.field({
    type: sessionPayload('LogInPayload'),
    description: 'Provider local only; open to unauthenticated callers; rate-limited.',
    args: { input: t.arg({ type: LogInInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const idp = localIdp(ctx);
      const attempt = { account: emailLimitKey(input.email), address: ctx.address };
      try {
        const user = await underLoginLimits(idp.limits, attempt, () => authenticateAccount(ctx.db, input.email, input.password));
        await audit(ctx.db, { event: 'login.success', outcome: 'success', actorUserId: user.id, teamId: user.teamId, address: ctx.address });
        ctx.signedInUserId = user.id;
        return { session: await startSession(ctx.db, idp, user) };
      } catch (error) {
        if (errorCode(error) === 'UNAUTHENTICATED') {
          await audit(ctx.db, { event: 'login.failure', outcome: 'failure', reason: 'bad email or password', address: ctx.address });
        }
        throw error;
      }
    },
  }),
  logOut: t.field({
    type: okPayload('LogOutPayload'),
    description: "Revokes the refresh token's family.",
    args: { input: t.arg({ type: LogOutInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const viewer = viewerOf(ctx);
      const family = viewer.userId === null ? null : await familyOf(ctx.db, viewer.userId, input.refreshToken);
      // Logging out twice, or with a token that is not yours, changes nothing and is not an error.
      if (family !== null) {
        await revokeFamily(ctx.db, family);
        await audit(ctx.db, { event: 'logout', outcome: 'success', actorUserId: viewer.userId, address: ctx.address });
      }
      return { ok: true };
    },
  }),
  changePassword: t.field({
    type: okPayload('ChangePasswordPayload'),
    description: 'Provider local only; a signed-in user.',
    args: { input: t.arg({ type: ChangePasswordInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const idp = localIdp(ctx);
      const viewer = viewerOf(ctx);
      if (viewer.userId === null) throw forbidden('This identity has no password.');
      const userId = viewer.userId;
      const account = await localAccount(ctx.db, userId);
      checkNewPassword(account, input.currentPassword, input.newPassword);
      // A wrong current password is a guess like a failed logIn: it spends the same slots.
      try {
        await underLoginLimits(idp.limits, { account: emailLimitKey(account.email), address: ctx.address }, () =>
          checkCurrentPassword(account, input.currentPassword),
        );
      } catch (error) {
        const reason = errorCode(error) === 'RATE_LIMITED' ? 'rate limited' : 'wrong current password';
        await audit(ctx.db, { event: 'password.change_failed', outcome: 'failure', reason, actorUserId: userId, address: ctx.address });
        throw error;
      }
      await setAccountPassword(ctx.db, userId, input.newPassword);
      await revokeOtherSessions(ctx.db, viewer.userId, viewer.sessionId ?? null);
      await audit(ctx.db, { event: 'password.changed', outcome: 'success', actorUserId: viewer.userId, address: ctx.address });
      return { ok: true };
    },
  }),
}));
