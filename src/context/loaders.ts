/**
 * Per-request DataLoaders: every nested field (owner, Artifact.collections, Collection.artifacts,
 * node lookups) is batched into one statement per kind, and each loader carries the Viewer so
 * batching never bypasses tenancy.
 */
import DataLoader from 'dataloader';
import type { Viewer } from '../vocabulary/viewer.js';
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

/**
 * A request's loaders, each made the first time a resolver asks for it: most requests use one
 * or two of them (`{ me }` none), and a DataLoader is several objects and closures to make.
 */
export class Loaders {
  readonly #db: Db;
  readonly #viewer: Viewer | null;
  readonly #made: DataLoader<never, unknown, unknown>[] = [];
  #user?: DataLoader<number, User | null>;
  #visibleUser?: DataLoader<number, User | null>;
  #artifact?: DataLoader<number, Artifact | null>;
  #collection?: DataLoader<number, Collection | null>;
  #artifactsOfCollection?: DataLoader<ChildPageKey, Page<Artifact>, string>;
  #collectionsOfArtifact?: DataLoader<ChildPageKey, Page<Collection>, string>;
  #artifactCountOfCollection?: DataLoader<number, number>;
  #collectionCountOfArtifact?: DataLoader<number, number>;

  constructor(db: Db, viewer: Viewer | null) {
    this.#db = db;
    this.#viewer = viewer;
  }

  /** Unauthenticated requests never reach a data resolver; the empty answers are defence in depth. */
  #as<T>(fn: (v: Viewer) => T, empty: T): T {
    return this.#viewer ? fn(this.#viewer) : empty;
  }

  #keep<L extends DataLoader<never, unknown, unknown>>(loader: L): L {
    this.#made.push(loader);
    return loader;
  }

  get user(): DataLoader<number, User | null> {
    return (this.#user ??= this.#keep(new DataLoader<number, User | null>((ids) => usersByIds(this.#db, ids))));
  }

  get visibleUser(): DataLoader<number, User | null> {
    return (this.#visibleUser ??= this.#keep(
      new DataLoader<number, User | null>((ids) => this.#as((v) => visibleUsersByIds(this.#db, v, ids), Promise.resolve(ids.map(() => null)))),
    ));
  }

  get artifact(): DataLoader<number, Artifact | null> {
    return (this.#artifact ??= this.#keep(
      new DataLoader<number, Artifact | null>((ids) => this.#as((v) => artifactsByIds(this.#db, v, ids), Promise.resolve(ids.map(() => null)))),
    ));
  }

  get collection(): DataLoader<number, Collection | null> {
    return (this.#collection ??= this.#keep(
      new DataLoader<number, Collection | null>((ids) => this.#as((v) => collectionsByIds(this.#db, v, ids), Promise.resolve(ids.map(() => null)))),
    ));
  }

  get artifactsOfCollection(): DataLoader<ChildPageKey, Page<Artifact>, string> {
    return (this.#artifactsOfCollection ??= this.#keep(
      childPageLoader<Artifact>((ids, w) => this.#as((v) => artifactsOfCollections(this.#db, v, ids, w), Promise.resolve(new Map()))),
    ));
  }

  get collectionsOfArtifact(): DataLoader<ChildPageKey, Page<Collection>, string> {
    return (this.#collectionsOfArtifact ??= this.#keep(
      childPageLoader<Collection>((ids, w) => this.#as((v) => collectionsOfArtifacts(this.#db, v, ids, w), Promise.resolve(new Map()))),
    ));
  }

  get artifactCountOfCollection(): DataLoader<number, number> {
    return (this.#artifactCountOfCollection ??= this.#keep(
      countLoader((ids) => this.#as((v) => countArtifactsOfCollections(this.#db, v, ids), Promise.resolve(new Map()))),
    ));
  }

  get collectionCountOfArtifact(): DataLoader<number, number> {
    return (this.#collectionCountOfArtifact ??= this.#keep(
      countLoader((ids) => this.#as((v) => countCollectionsOfArtifacts(this.#db, v, ids), Promise.resolve(new Map()))),
    ));
  }

  /** Forgets what every loader made so far has loaded (see forgetLoaded). */
  clearAll(): void {
    for (const loader of this.#made) loader.clearAll();
  }
}

export function createLoaders(db: Db, viewer: Viewer | null): Loaders {
  return new Loaders(db, viewer);
}

/** Forgets everything loaded so far: a mutation's payload must show the state after the write. */
export function forgetLoaded(loaders: Loaders): void {
  loaders.clearAll();
}
