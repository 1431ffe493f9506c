/**
 * Per-request DataLoaders: every nested field (owner, Artifact.collections, Collection.artifacts,
 * node lookups) is batched into one statement per kind, and each loader carries the Viewer so
 * batching never bypasses tenancy.
 */
import DataLoader from 'dataloader';
import type { Viewer } from '../auth/viewer.js';
import { artifactsByIds } from '../db/artifacts.js';
import { collectionsByIds } from '../db/collections.js';
import type { Db } from '../db/database.js';
import {
  artifactsOfCollections,
  collectionsOfArtifacts,
  countArtifactsOfCollections,
  countCollectionsOfArtifacts,
} from '../db/membership.js';
import type { Artifact, Collection, User } from '../db/model.js';
import type { Page, PageWindow } from '../db/pagination.js';
import { usersByIds, visibleUsersByIds } from '../db/users.js';

interface ChildPageKey {
  parentId: number;
  window: PageWindow;
}

/** Batches child-page lookups: one statement per distinct page window, whatever the parents. */
function childPageLoader<T>(
  load: (parentIds: number[], window: PageWindow) => Promise<Map<number, Page<T>>>,
): DataLoader<ChildPageKey, Page<T>, string> {
  return new DataLoader(
    async (keys) => {
      const byWindow = new Map<string, { window: PageWindow; parentIds: number[] }>();
      for (const key of keys) {
        const windowKey = `${key.window.limit}:${key.window.afterId ?? ''}`;
        const group = byWindow.get(windowKey) ?? { window: key.window, parentIds: [] };
        group.parentIds.push(key.parentId);
        byWindow.set(windowKey, group);
      }
      const results = new Map<string, Map<number, Page<T>>>();
      await Promise.all(
        [...byWindow].map(async ([windowKey, group]) => results.set(windowKey, await load(group.parentIds, group.window))),
      );
      return keys.map((key) => {
        const page = results.get(`${key.window.limit}:${key.window.afterId ?? ''}`)?.get(key.parentId);
        return page ?? { items: [], hasNextPage: false, hasPreviousPage: key.window.afterId !== null };
      });
    },
    { cacheKeyFn: (key) => `${key.parentId}:${key.window.limit}:${key.window.afterId ?? ''}` },
  );
}

function countLoader(load: (ids: number[]) => Promise<Map<number, number>>): DataLoader<number, number> {
  return new DataLoader(async (ids) => {
    const counts = await load([...ids]);
    return ids.map((id) => counts.get(id) ?? 0);
  });
}

export function createLoaders(db: Db, viewer: Viewer | null) {
  // Unauthenticated requests never reach a data resolver; the empty answers are defence in depth.
  const as = <T>(fn: (v: Viewer) => T, empty: T): T => (viewer ? fn(viewer) : empty);
  return {
    user: new DataLoader<number, User | null>((ids) => usersByIds(db, ids)),
    visibleUser: new DataLoader<number, User | null>((ids) =>
      as((v) => visibleUsersByIds(db, v, ids), Promise.resolve(ids.map(() => null))),
    ),
    artifact: new DataLoader<number, Artifact | null>((ids) =>
      as((v) => artifactsByIds(db, v, ids), Promise.resolve(ids.map(() => null))),
    ),
    collection: new DataLoader<number, Collection | null>((ids) =>
      as((v) => collectionsByIds(db, v, ids), Promise.resolve(ids.map(() => null))),
    ),
    artifactsOfCollection: childPageLoader<Artifact>((ids, w) =>
      as((v) => artifactsOfCollections(db, v, ids, w), Promise.resolve(new Map())),
    ),
    collectionsOfArtifact: childPageLoader<Collection>((ids, w) =>
      as((v) => collectionsOfArtifacts(db, v, ids, w), Promise.resolve(new Map())),
    ),
    artifactCountOfCollection: countLoader((ids) => as((v) => countArtifactsOfCollections(db, v, ids), Promise.resolve(new Map()))),
    collectionCountOfArtifact: countLoader((ids) => as((v) => countCollectionsOfArtifacts(db, v, ids), Promise.resolve(new Map()))),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/** Forgets everything loaded so far: a mutation's payload must show the state after the write. */
export function forgetLoaded(loaders: Loaders): void {
  for (const loader of Object.values(loaders)) loader.clearAll();
}
