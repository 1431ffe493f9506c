/** Artifact: the Node type, its queries and its mutations. */
import { viewerOf } from '../context/context.js';
import { forgetLoaded } from '../context/loaders.js';
import { countArtifacts, deleteArtifact, insertArtifact, listArtifacts, updateArtifact } from '../db/artifacts.js';
import { addArtifactToCollection, writableCollection } from '../db/collections.js';
import { pageWindow } from '../db/pagination.js';
import { builder } from './builder.js';
import { column } from './columns.js';
import { ArtifactTypeEnum, VisibilityEnum } from './enums.js';
import { decodeIdOf } from '../ids.js';
import { ArtifactConnection, ArtifactRef, CollectionConnection, UserRef, artifactPayload, pageArgs, toConnection } from './refs.js';

builder.node(ArtifactRef, {
  id: { resolve: (artifact) => artifact.id },
  isTypeOf: (value) => (value as { kind?: string }).kind === 'Artifact',
  fields: (t) => ({
    name: t.exposeString('name', column('name')),
    type: t.field({ type: ArtifactTypeEnum, resolve: (artifact) => artifact.type, ...column('type') }),
    description: t.exposeString('description', { nullable: true, ...column('description') }),
    tags: t.exposeStringList('tags', column('tags')),
    visibility: t.field({ type: VisibilityEnum, resolve: (artifact) => artifact.visibility, ...column('visibility') }),
    teamId: t.exposeString('teamId', { nullable: true, ...column('team_id') }),
    owner: t.field({
      type: UserRef,
      nullable: true,
      resolve: (artifact, _args, ctx) => (artifact.ownerId === null ? null : ctx.loaders.user.load(artifact.ownerId)),
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (artifact) => artifact.createdAt, ...column('created_at') }),
    updatedAt: t.field({ type: 'DateTime', resolve: (artifact) => artifact.updatedAt, ...column('updated_at') }),
    collections: t.field({
      type: CollectionConnection,
      args: pageArgs,
      resolve: async (artifact, args, ctx) => {
        const window = pageWindow(args);
        const page = await ctx.loaders.collectionsOfArtifact.load({ parentId: artifact.id, window });
        return toConnection(page, () => ctx.loaders.collectionCountOfArtifact.load(artifact.id));
      },
    }),
  }),
});

const ArtifactFilterInput = builder.inputType('ArtifactFilter', {
  fields: (t) => ({
    type: t.field({ type: ArtifactTypeEnum, required: false }),
    tag: t.string({ required: false }),
    search: t.string({ required: false, description: 'Case-insensitive match on name and description.' }),
  }),
});

builder.queryFields((t) => ({
  artifact: t.field({
    type: ArtifactRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => ctx.loaders.artifact.load(decodeIdOf('Artifact', String(args.id))),
  }),
  artifacts: t.field({
    type: ArtifactConnection,
    args: { ...pageArgs, filter: t.arg({ type: ArtifactFilterInput, required: false }) },
    resolve: async (_root, args, ctx) => {
      const viewer = viewerOf(ctx);
      const window = pageWindow(args);
      const filter = args.filter ?? {};
      return toConnection(await listArtifacts(ctx.db, viewer, window, filter), () => countArtifacts(ctx.db, viewer, filter));
    },
  }),
}));

const CreateArtifactInput = builder.inputType('CreateArtifactInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    type: t.field({ type: ArtifactTypeEnum, required: true }),
    description: t.string({ required: false }),
    tags: t.stringList({ required: false }),
    visibility: t.field({ type: VisibilityEnum, required: false }),
    collectionId: t.id({ required: false }),
  }),
});

const UpdateArtifactInput = builder.inputType('UpdateArtifactInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    name: t.string({ required: false }),
    description: t.string({ required: false }),
    tags: t.stringList({ required: false }),
    visibility: t.field({ type: VisibilityEnum, required: false }),
  }),
});

const DeleteArtifactInput = builder.inputType('DeleteArtifactInput', {
  fields: (t) => ({ id: t.id({ required: true }) }),
});

const CreateArtifactPayload = artifactPayload('CreateArtifactPayload');
const UpdateArtifactPayload = artifactPayload('UpdateArtifactPayload');
const DeleteArtifactPayload = builder.objectRef<{ deletedArtifactId: string }>('DeleteArtifactPayload').implement({
  fields: (t) => ({ deletedArtifactId: t.exposeID('deletedArtifactId') }),
});

builder.mutationFields((t) => ({
  createArtifact: t.field({
    type: CreateArtifactPayload,
    description: 'artifacts:write',
    args: { input: t.arg({ type: CreateArtifactInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const viewer = viewerOf(ctx);
      const collectionGlobalId = input.collectionId == null ? null : String(input.collectionId);
      const collectionId = collectionGlobalId === null ? null : decodeIdOf('Collection', collectionGlobalId, 'collectionId');
      const artifact = await ctx.db.transaction().execute(async (trx) => {
        if (collectionId !== null) await writableCollection(trx, viewer, collectionId, collectionGlobalId!);
        const created = await insertArtifact(trx, viewer, input);
        if (collectionId !== null) await addArtifactToCollection(trx, collectionId, created.id);
        return created;
      });
      forgetLoaded(ctx.loaders);
      return { artifact };
    },
  }),
  updateArtifact: t.field({
    type: UpdateArtifactPayload,
    description: 'artifacts:write',
    args: { input: t.arg({ type: UpdateArtifactInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const viewer = viewerOf(ctx);
      const globalId = String(input.id);
      const id = decodeIdOf('Artifact', globalId);
      const artifact = await ctx.db.transaction().execute((trx) => updateArtifact(trx, viewer, id, globalId, input));
      forgetLoaded(ctx.loaders);
      return { artifact };
    },
  }),
  deleteArtifact: t.field({
    type: DeleteArtifactPayload,
    description: 'artifacts:delete',
    args: { input: t.arg({ type: DeleteArtifactInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const viewer = viewerOf(ctx);
      const globalId = String(input.id);
      const id = decodeIdOf('Artifact', globalId);
      await ctx.db.transaction().execute((trx) => deleteArtifact(trx, viewer, id, globalId));
      forgetLoaded(ctx.loaders);
      return { deletedArtifactId: globalId };
    },
  }),
}));
