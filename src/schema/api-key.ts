/** ApiKey: the Node type, the caller's keys, and creating and revoking them. */
import { viewerOf } from '../context/context.js';
import { countApiKeys, createApiKey, listApiKeys, revokeApiKey, type ApiKey } from '../db/api-keys.js';
import { auditAction } from './audit-action.js';
import { pageWindow } from '../db/pagination.js';
import { builder } from './builder.js';
import { decodeIdOf } from '../ids.js';
import { connectionOf, pageArgs, toConnection } from './refs.js';

export const ApiKeyRef = builder.objectRef<ApiKey>('ApiKey');

builder.node(ApiKeyRef, {
  id: { resolve: (key) => key.id },
  isTypeOf: (value) => (value as { kind?: string }).kind === 'ApiKey',
  fields: (t) => ({
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix', {
      description: 'The first characters of the key, safe to show; the key itself is never stored or shown again.',
    }),
    scopes: t.exposeStringList('scopes'),
    createdAt: t.field({ type: 'DateTime', resolve: (key) => key.createdAt }),
    expiresAt: t.field({ type: 'DateTime', nullable: true, resolve: (key) => key.expiresAt }),
    lastUsedAt: t.field({ type: 'DateTime', nullable: true, resolve: (key) => key.lastUsedAt }),
    revokedAt: t.field({ type: 'DateTime', nullable: true, resolve: (key) => key.revokedAt }),
  }),
});

const ApiKeyConnection = connectionOf(ApiKeyRef, 'ApiKey');

builder.queryField('apiKeys', (t) =>
  t.field({
    type: ApiKeyConnection,
    description: "The caller's own keys; every team's keys for SYSTEM_ADMIN and LOCAL_ADMIN.",
    args: pageArgs,
    resolve: async (_root, args, ctx) => {
      const viewer = viewerOf(ctx);
      const window = pageWindow(args);
      return toConnection(await listApiKeys(ctx.db, viewer, window), () => countApiKeys(ctx.db, viewer));
    },
  }),
);

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    scopes: t.stringList({ required: true, description: "Must be a subset of the caller's own scopes." }),
    expiresAt: t.field({ type: 'DateTime', required: false }),
  }),
});

const RevokeApiKeyInput = builder.inputType('RevokeApiKeyInput', { fields: (t) => ({ id: t.id({ required: true }) }) });

const CreateApiKeyPayload = builder.objectRef<{ apiKey: ApiKey; secret: string }>('CreateApiKeyPayload').implement({
  fields: (t) => ({
    apiKey: t.expose('apiKey', { type: ApiKeyRef }),
    secret: t.exposeString('secret', { description: 'The whole key. Shown once.' }),
  }),
});

const RevokeApiKeyPayload = builder.objectRef<{ apiKey: ApiKey }>('RevokeApiKeyPayload').implement({
  fields: (t) => ({ apiKey: t.expose('apiKey', { type: ApiKeyRef }) }),
});

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: CreateApiKeyPayload,
    description: "any authenticated identity; scopes must be a subset of the caller's",
    args: { input: t.arg({ type: CreateApiKeyInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const viewer = viewerOf(ctx);
      const created = await createApiKey(ctx.db, viewer, input);
      await auditAction(ctx, viewer, 'api_key.created', `api_key:${created.apiKey.id} ${created.apiKey.prefix}`);
      return created;
    },
  }),
  revokeApiKey: t.field({
    type: RevokeApiKeyPayload,
    description: "the key's creator, or admin:users within the team",
    args: { input: t.arg({ type: RevokeApiKeyInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const viewer = viewerOf(ctx);
      const globalId = String(input.id);
      const apiKey = await revokeApiKey(ctx.db, viewer, decodeIdOf('ApiKey', globalId), globalId);
      await auditAction(ctx, viewer, 'api_key.revoked', `api_key:${apiKey.id} ${apiKey.prefix}`);
      return { apiKey };
    },
  }),
}));
