/** User: the Node type and the users listing. */
import { viewerOf } from '../context/context.js';
import { countUsers, listUsers } from '../db/users.js';
import { pageWindow } from '../db/pagination.js';
import { builder } from './builder.js';
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
    name: t.exposeString('name', { nullable: true }),
    role: t.field({ type: RoleEnum, resolve: (user) => user.role }),
    teamId: t.exposeString('teamId', { nullable: true }),
    createdAt: t.field({ type: 'DateTime', resolve: (user) => user.createdAt }),
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
