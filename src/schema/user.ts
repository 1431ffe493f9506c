/** User: the Node type and the users listing. */
import { viewerOf } from '../context/context.js';
import { auditAction } from './audit-action.js';
import type { User } from '../db/model.js';
import { countUsers, listUsers, setUserRole } from '../db/users.js';
import { forgetLoaded } from '../context/loaders.js';
import { identitiesChanged } from '../auth/viewer-cache.js';
import { decodeIdOf } from '../ids.js';
import { pageWindow } from '../db/pagination.js';
import { builder } from './builder.js';
import { column } from './columns.js';
import { RoleEnum } from './enums.js';
import { UserConnection, UserRef, pageArgs, toConnection } from './refs.js';

builder.node(UserRef, {
  id: { resolve: (user) => user.id },
  isTypeOf: (value) => (value as { kind?: string }).kind === 'User',
  fields: (t) => ({
    email: t.exposeString('email', {
      nullable: true,
      description: 'Visible to the user themself and to holders of admin:users; null with a FORBIDDEN error otherwise.',
    }),
    name: t.exposeString('name', { nullable: true, ...column('name') }),
    role: t.field({ type: RoleEnum, resolve: (user) => user.role }),
    // toUser: the identity provider's team, else the one an admin gave.
    teamId: t.exposeString('teamId', { nullable: true, ...column('team_id', 'team_override') }),
    createdAt: t.field({ type: 'DateTime', resolve: (user) => user.createdAt, ...column('created_at') }),
  }),
});

builder.queryField('users', (t) =>
  t.field({
    type: UserConnection,
    description: 'admin:users',
    args: pageArgs,
    resolve: async (_root, args, ctx) => {
      const viewer = viewerOf(ctx);
      const window = pageWindow(args);
      return toConnection(await listUsers(ctx.db, viewer, window), () => countUsers(ctx.db, viewer));
    },
  }),
);

const SetUserRoleInput = builder.inputType('SetUserRoleInput', {
  fields: (t) => ({ userId: t.id({ required: true }), role: t.field({ type: RoleEnum, required: true }) }),
});

const SetUserRolePayload = builder.objectRef<{ user: User }>('SetUserRolePayload').implement({
  fields: (t) => ({ user: t.expose('user', { type: UserRef }) }),
});

builder.mutationField('setUserRole', (t) =>
  t.field({
    type: SetUserRolePayload,
    description: 'admin:users; a TEAM_ADMIN only within its team and never above TEAM_ADMIN',
    args: { input: t.arg({ type: SetUserRoleInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const viewer = viewerOf(ctx);
      const globalId = String(input.userId);
      const { user, from } = await setUserRole(ctx.db, viewer, decodeIdOf('User', globalId, 'userId'), globalId, input.role);
      await auditAction(ctx, viewer, 'role.changed', `user:${user.id} ${from}->${user.role}`, user.teamId);
      forgetLoaded(ctx.loaders);
      identitiesChanged();
      return { user };
    },
  }),
);
