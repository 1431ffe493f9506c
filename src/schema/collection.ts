/** Collection: the Node type, its queries, and the mutations on collections and membership. */
import { viewerOf } from '../context/context.js';
import { forgetLoaded } from '../context/loaders.js';
import { artifactsByIds } from '../db/artifacts.js';
import {
  addArtifactToCollection,
  countCollections,
  createCollection,
  listCollections,
  removeArtifactFromCollection,
  updateCollection,
  writableCollection,
} from '../db/collections.js';
import { pageWindow } from '../db/pagination.js';
import { notFound } from '../errors.js';
import { builder } from './builder.js';
import { column } from './columns.js';
import { VisibilityEnum } from './enums.js';
import { decodeIdOf } from '../ids.js';
import { ArtifactConnection, CollectionConnection, CollectionRef, collectionPayload, pageArgs, toConnection } from './refs.js';

builder.node(CollectionRef, {
  id: { resolve: (collection) => collection.id },
  isTypeOf: (value) => (value as { kind?: string }).kind === 'Collection',
  fields: (t) => ({
    name: t.exposeString('name', column('name')),
    description: t.exposeString('description', { nullable: true, ...column('description') }),
    visibility: t.field({ type: VisibilityEnum, resolve: (collection) => collection.visibility, ...column('visibility') }),
    teamId: t.exposeString('teamId', { nullable: true, ...column('team_id') }),
    createdAt: t.field({ type: 'DateTime', resolve: (collection) => collection.createdAt, ...column('created_at') }),
    artifacts: t.field({
      type: ArtifactConnection,
      args: pageArgs,
      resolve: async (collection, args, ctx) => {
        const window = pageWindow(args);
        const page = await ctx.loaders.artifactsOfCollection.load({ parentId: collection.id, window });
        return toConnection(page, () => ctx.loaders.artifactCountOfCollection.load(collection.id));
      },
    }),
  }),
});

builder.queryFields((t) => ({
  collection: t.field({
    type: CollectionRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => ctx.loaders.collection.load(decodeIdOf('Collection', String(args.id))),
  }),
  collections: t.field({
    type: CollectionConnection,
    args: pageArgs,
    resolve: async (_root, args, ctx) => {
      const viewer = viewerOf(ctx);
      const window = pageWindow(args);
      return toConnection(await listCollections(ctx.db, viewer, window), () => countCollections(ctx.db, viewer));
    },
  }),
}));

const CreateCollectionInput = builder.inputType('CreateCollectionInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    description: t.string({ required: false }),
    visibility: t.field({ type: VisibilityEnum, required: false }),
  }),
});

const UpdateCollectionInput = builder.inputType('UpdateCollectionInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    name: t.string({ required: false }),
    description: t.string({ required: false }),
    visibility: t.field({ type: VisibilityEnum, required: false }),
  }),
});

const membershipInput = (name: string) =>
  builder.inputType(name, {
    fields: (t) => ({ collectionId: t.id({ required: true }), artifactId: t.id({ required: true }) }),
  });
const AddArtifactToCollectionInput = membershipInput('AddArtifactToCollectionInput');
const RemoveArtifactFromCollectionInput = membershipInput('RemoveArtifactFromCollectionInput');


builder.mutationFields((t) => ({
  createCollection: t.field({
    type: collectionPayload('CreateCollectionPayload'),
    description: 'collections:write',
    args: { input: t.arg({ type: CreateCollectionInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({ collection: await createCollection(ctx.db, viewerOf(ctx), input) }),
  }),
  updateCollection: t.field({
    type: collectionPayload('UpdateCollectionPayload'),
    description: 'collections:write',
    args: { input: t.arg({ type: UpdateCollectionInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const globalId = String(input.id);
      const id = decodeIdOf('Collection', globalId);
      const collection = await ctx.db
        .transaction()
        .execute((trx) => updateCollection(trx, viewerOf(ctx), id, globalId, input));
      forgetLoaded(ctx.loaders);
      return { collection };
    },
  }),
  addArtifactToCollection: t.field({
    type: collectionPayload('AddArtifactToCollectionPayload'),
    description: 'collections:write (and artifacts:read on the artifact)',
    args: { input: t.arg({ type: AddArtifactToCollectionInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const viewer = viewerOf(ctx);
      const collectionGlobalId = String(input.collectionId);
      const artifactGlobalId = String(input.artifactId);
      const collectionId = decodeIdOf('Collection', collectionGlobalId, 'collectionId');
      const artifactId = decodeIdOf('Artifact', artifactGlobalId, 'artifactId');
      const collection = await ctx.db.transaction().execute(async (trx) => {
        const target = await writableCollection(trx, viewer, collectionId, collectionGlobalId);
        const [artifact] = await artifactsByIds(trx, viewer, [artifactId]);
        if (!artifact) throw notFound('artifact', artifactGlobalId);
        await addArtifactToCollection(trx, collectionId, artifactId);
        return target;
      });
      forgetLoaded(ctx.loaders);
      return { collection };
    },
  }),
  removeArtifactFromCollection: t.field({
    type: collectionPayload('RemoveArtifactFromCollectionPayload'),
    description: 'collections:write',
    args: { input: t.arg({ type: RemoveArtifactFromCollectionInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const viewer = viewerOf(ctx);
      const collectionGlobalId = String(input.collectionId);
      const collectionId = decodeIdOf('Collection', collectionGlobalId, 'collectionId');
      const artifactGlobalId = String(input.artifactId);
      const artifactId = decodeIdOf('Artifact', artifactGlobalId, 'artifactId');
      const collection = await ctx.db.transaction().execute(async (trx) => {
        const target = await writableCollection(trx, viewer, collectionId, collectionGlobalId);
        const [artifact] = await artifactsByIds(trx, viewer, [artifactId]);
        if (!artifact) throw notFound('artifact', artifactGlobalId);
        await removeArtifactFromCollection(trx, collectionId, artifactId);
        return target;
      });
      forgetLoaded(ctx.loaders);
      return { collection };
    },
  }),
}));
