/**
 * The object types that refer to each other (artifacts ↔ collections ↔ users), declared here
 * as refs so the type-family files can implement them without import cycles.
 */
import type { Artifact, Collection, User } from '../db/model.js';
import type { Page } from '../db/pagination.js';
import { encodeCursor } from '../ids.js';
import { builder } from './builder.js';

export const ArtifactRef = builder.objectRef<Artifact>('Artifact');
export const CollectionRef = builder.objectRef<Collection>('Collection');
export const UserRef = builder.objectRef<User>('User');

/** `first`/`after` arguments, as the contract spells them on every connection. */
export const pageArgs = builder.args((t) => ({
  first: t.int({ required: false }),
  after: t.string({ required: false }),
}));

/** A connection with edges, pageInfo and a lazily counted totalCount. */
export function connectionOf<T extends { id: number }>(ref: ReturnType<typeof builder.objectRef<T>>, name: string) {
  return builder.connectionObject(
    {
      type: ref,
      name: `${name}Connection`,
      fields: (t) => ({
        totalCount: t.int({ resolve: (parent) => parent.totalCount() }),
      }),
    },
    { name: `${name}Edge` },
  );
}

export const ArtifactConnection = connectionOf(ArtifactRef, 'Artifact');
export const CollectionConnection = connectionOf(CollectionRef, 'Collection');
export const UserConnection = connectionOf(UserRef, 'User');

export function toConnection<T extends { id: number }>(page: Page<T>, count: () => Promise<number>) {
  const edges = page.items.map((node) => ({ cursor: encodeCursor(node.id), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: count,
  };
}


/** `type <name> { artifact: Artifact! }`: the payload of the artifact mutations. */
export function artifactPayload(name: string) {
  return builder.objectRef<{ artifact: Artifact }>(name).implement({
    fields: (t) => ({ artifact: t.expose('artifact', { type: ArtifactRef }) }),
  });
}

/** `type <name> { collection: Collection! }`: the payload of the collection mutations. */
export function collectionPayload(name: string) {
  return builder.objectRef<{ collection: Collection }>(name).implement({
    fields: (t) => ({ collection: t.expose('collection', { type: CollectionRef }) }),
  });
}
