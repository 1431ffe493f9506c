/** node(id): any object by its global id, through the same tenancy-aware loaders as every read. */
import { builder } from './builder.js';
import { decodeGlobalId } from '../ids.js';

builder.queryField('node', (t) =>
  t.field({
    type: builder.nodeInterfaceRef(),
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const { type, id } = decodeGlobalId(String(args.id));
      switch (type) {
        case 'Artifact':
          return ctx.loaders.artifact.load(id);
        case 'Collection':
          return ctx.loaders.collection.load(id);
        case 'User':
          return ctx.loaders.visibleUser.load(id);
        default:
          // A well-formed id of a type that is not readable through node(): as good as absent.
          return null;
      }
    },
  }),
);
