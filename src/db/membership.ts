/**
 * The nested connections Collection.artifacts and Artifact.collections, loaded for many parents
 * in one statement each (a window function ranks the children per parent), with tenancy applied
 * to the children as to any other read.
 */
import { sql } from 'kysely';
import type { Viewer } from '../auth/viewer.js';
import type { Db } from './database.js';
import { toArtifact, toCollection, type Artifact, type Collection } from './model.js';
import { toPage, type Page, type PageWindow } from './pagination.js';
import { visibleRows } from './tenancy.js';

function groupPages<T extends { id: number }>(
  parentIds: readonly number[],
  rows: { parent_id: number; child: T }[],
  window: PageWindow,
): Map<number, Page<T>> {
  const byParent = new Map<number, T[]>(parentIds.map((id) => [id, []]));
  for (const { parent_id, child } of rows) byParent.get(parent_id)?.push(child);
  return new Map([...byParent].map(([id, children]) => [id, toPage(children, window)]));
}

export async function artifactsOfCollections(
  db: Db,
  viewer: Viewer,
  collectionIds: readonly number[],
  window: PageWindow,
): Promise<Map<number, Page<Artifact>>> {
  if (collectionIds.length === 0) return new Map();
  const visible = visibleRows(viewer, 'a', 'artifacts:read');
  const rows = await db
    .with('ranked', (qc) =>
      qc
        .selectFrom('collection_artifacts as ca')
        .innerJoin('artifacts as a', 'a.id', 'ca.artifact_id')
        .where('ca.collection_id', 'in', [...new Set(collectionIds)])
        .$if(visible !== null, (qb) => qb.where(visible!))
        .$if(window.afterId !== null, (qb) => qb.where('a.id', '>', window.afterId!))
        .selectAll('a')
        .select([
          'ca.collection_id as parent_id',
          sql<number>`row_number() over (partition by ca.collection_id order by a.id)`.as('rn'),
        ]),
    )
    .selectFrom('ranked')
    .selectAll()
    .where('rn', '<=', window.limit + 1)
    .orderBy('parent_id')
    .orderBy('id')
    .execute();
  return groupPages(
    collectionIds,
    rows.map(({ parent_id, rn: _rn, ...row }) => ({ parent_id, child: toArtifact(row) })),
    window,
  );
}

export async function collectionsOfArtifacts(
  db: Db,
  viewer: Viewer,
  artifactIds: readonly number[],
  window: PageWindow,
): Promise<Map<number, Page<Collection>>> {
  if (artifactIds.length === 0) return new Map();
  const visible = visibleRows(viewer, 'c', 'collections:read');
  const rows = await db
    .with('ranked', (qc) =>
      qc
        .selectFrom('collection_artifacts as ca')
        .innerJoin('collections as c', 'c.id', 'ca.collection_id')
        .where('ca.artifact_id', 'in', [...new Set(artifactIds)])
        .$if(visible !== null, (qb) => qb.where(visible!))
        .$if(window.afterId !== null, (qb) => qb.where('c.id', '>', window.afterId!))
        .selectAll('c')
        .select([
          'ca.artifact_id as parent_id',
          sql<number>`row_number() over (partition by ca.artifact_id order by c.id)`.as('rn'),
        ]),
    )
    .selectFrom('ranked')
    .selectAll()
    .where('rn', '<=', window.limit + 1)
    .orderBy('parent_id')
    .orderBy('id')
    .execute();
  return groupPages(
    artifactIds,
    rows.map(({ parent_id, rn: _rn, ...row }) => ({ parent_id, child: toCollection(row) })),
    window,
  );
}

/** How many artifacts of each collection the viewer can see. */
export async function countArtifactsOfCollections(db: Db, viewer: Viewer, collectionIds: readonly number[]): Promise<Map<number, number>> {
  const visible = visibleRows(viewer, 'a', 'artifacts:read');
  const rows = await db
    .selectFrom('collection_artifacts as ca')
    .innerJoin('artifacts as a', 'a.id', 'ca.artifact_id')
    .where('ca.collection_id', 'in', [...new Set(collectionIds)])
    .$if(visible !== null, (qb) => qb.where(visible!))
    .select(['ca.collection_id as parent_id', (eb) => eb.fn.countAll<number | string>().as('count')])
    .groupBy('ca.collection_id')
    .execute();
  return new Map(rows.map((r) => [r.parent_id, Number(r.count)]));
}

/** How many collections of each artifact the viewer can see. */
export async function countCollectionsOfArtifacts(db: Db, viewer: Viewer, artifactIds: readonly number[]): Promise<Map<number, number>> {
  const visible = visibleRows(viewer, 'c', 'collections:read');
  const rows = await db
    .selectFrom('collection_artifacts as ca')
    .innerJoin('collections as c', 'c.id', 'ca.collection_id')
    .where('ca.artifact_id', 'in', [...new Set(artifactIds)])
    .$if(visible !== null, (qb) => qb.where(visible!))
    .select(['ca.artifact_id as parent_id', (eb) => eb.fn.countAll<number | string>().as('count')])
    .groupBy('ca.artifact_id')
    .execute();
  return new Map(rows.map((r) => [r.parent_id, Number(r.count)]));
}
