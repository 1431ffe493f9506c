/** Viewer and `me`: the identity the auth strategy chain resolved for this request. */
import type { Viewer } from '../vocabulary/viewer.js';
import { viewerOf } from '../context/context.js';
import { builder } from './builder.js';
import { AuthMethodEnum, RoleEnum } from './enums.js';
import { UserRef } from './refs.js';

const ViewerRef = builder.objectRef<Viewer>('Viewer');

ViewerRef.implement({
  description: 'Who the request is, as the auth strategy chain resolved it.',
  fields: (t) => ({
    user: t.field({
      type: UserRef,
      nullable: true,
      resolve: (viewer, _args, ctx) => (viewer.userId === null ? null : ctx.loaders.user.load(viewer.userId)),
    }),
    role: t.field({ type: RoleEnum, resolve: (viewer) => viewer.role }),
    scopes: t.stringList({ resolve: (viewer) => [...viewer.scopes].sort() }),
    authMethod: t.field({ type: AuthMethodEnum, resolve: (viewer) => viewer.authMethod }),
    teamId: t.exposeString('teamId', { nullable: true }),
  }),
});

builder.queryField('me', (t) =>
  t.field({
    type: ViewerRef,
    description: 'The resolved identity. Unauthenticated requests get UNAUTHENTICATED when auth is enabled.',
    resolve: (_root, _args, ctx) => viewerOf(ctx),
  }),
);
