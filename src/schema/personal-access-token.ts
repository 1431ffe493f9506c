/** PersonalAccessToken: the Node type, the caller's tokens, creating and revoking them. */
import { viewerOf } from '../context/context.js';
import { auditAction } from './audit-action.js';
import { pageWindow } from '../db/pagination.js';
import {
  countPersonalAccessTokens,
  createPersonalAccessToken,
  listPersonalAccessTokens,
  revokePersonalAccessToken,
  type PersonalAccessToken,
} from '../db/personal-access-tokens.js';
import { builder } from './builder.js';
import { decodeIdOf } from '../ids.js';
import { connectionOf, pageArgs, toConnection } from './refs.js';

const PatRef = builder.objectRef<PersonalAccessToken>('PersonalAccessToken');

builder.node(PatRef, {
  id: { resolve: (pat) => pat.id },
  isTypeOf: (value) => (value as { kind?: string }).kind === 'PersonalAccessToken',
  fields: (t) => ({
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix'),
    scopes: t.exposeStringList('scopes'),
    createdAt: t.field({ type: 'DateTime', resolve: (pat) => pat.createdAt }),
    expiresAt: t.field({ type: 'DateTime', nullable: true, resolve: (pat) => pat.expiresAt }),
    lastUsedAt: t.field({ type: 'DateTime', nullable: true, resolve: (pat) => pat.lastUsedAt }),
    revokedAt: t.field({ type: 'DateTime', nullable: true, resolve: (pat) => pat.revokedAt }),
  }),
});

const PatConnection = connectionOf(PatRef, 'PersonalAccessToken');

builder.queryField('personalAccessTokens', (t) =>
  t.field({
    type: PatConnection,
    description: "The caller's own personal access tokens.",
    args: pageArgs,
    resolve: async (_root, args, ctx) => {
      const viewer = viewerOf(ctx);
      const window = pageWindow(args);
      return toConnection(await listPersonalAccessTokens(ctx.db, viewer, window), () => countPersonalAccessTokens(ctx.db, viewer));
    },
  }),
);

const CreatePatInput = builder.inputType('CreatePersonalAccessTokenInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    scopes: t.stringList({ required: true, description: "Must be a subset of the caller's own scopes." }),
    expiresAt: t.field({ type: 'DateTime', required: false }),
  }),
});
const RevokePatInput = builder.inputType('RevokePersonalAccessTokenInput', { fields: (t) => ({ id: t.id({ required: true }) }) });

const CreatePatPayload = builder
  .objectRef<{ personalAccessToken: PersonalAccessToken; token: string }>('CreatePersonalAccessTokenPayload')
  .implement({
    fields: (t) => ({
      personalAccessToken: t.expose('personalAccessToken', { type: PatRef }),
      token: t.exposeString('token', { description: 'The whole token, sent as a Bearer token. Shown once.' }),
    }),
  });
const RevokePatPayload = builder.objectRef<{ personalAccessToken: PersonalAccessToken }>('RevokePersonalAccessTokenPayload').implement({
  fields: (t) => ({ personalAccessToken: t.expose('personalAccessToken', { type: PatRef }) }),
});

builder.mutationFields((t) => ({
  createPersonalAccessToken: t.field({
    type: CreatePatPayload,
    description: "A signed-in user (JWT); scopes must be a subset of the caller's.",
    args: { input: t.arg({ type: CreatePatInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const viewer = viewerOf(ctx);
      const created = await createPersonalAccessToken(ctx.db, viewer, input);
      await auditAction(ctx, viewer, 'pat.created', `pat:${created.personalAccessToken.id} ${created.personalAccessToken.prefix}`);
      return created;
    },
  }),
  revokePersonalAccessToken: t.field({
    type: RevokePatPayload,
    args: { input: t.arg({ type: RevokePatInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const viewer = viewerOf(ctx);
      const globalId = String(input.id);
      const personalAccessToken = await revokePersonalAccessToken(ctx.db, viewer, decodeIdOf('PersonalAccessToken', globalId), globalId);
      await auditAction(ctx, viewer, 'pat.revoked', `pat:${personalAccessToken.id} ${personalAccessToken.prefix}`);
      return { personalAccessToken };
    },
  }),
}));
