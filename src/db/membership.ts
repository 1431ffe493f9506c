/**
 * The nested connections Collection.artifacts and Artifact.collections, loaded for many parents
 * in one statement each, with tenancy applied to the children as to any other read.
 */
import type { Viewer } from '../auth/viewer.js';
import type { ArtifactRow, CollectionRow, Db } from './database.js';
import { toArtifact, toCollection, type Artifact, type Collection } from './model.js';
import { toPage, type Page, type PageWindow } from './pagination.js';
import { numberedValues, QueryTemplate } from './query-template.js';
import { selectionKey, type RowSelection } from './read-plan.js';
import { joinsOwner, namedColumns, OWNER_ALIAS, ownerOf, selectedColumns } from './row-selection.js';
import { readAccess, visibleRows, visibleRowsOf, type ReadAccess } from './tenancy.js';

/**
 * Children pages for many parents in one statement: per parent, a subquery that walks the
 * (parent, child) index in child id order and stops at the page size plus one, the subqueries
 * joined with UNION ALL. Work grows with the page size, not with how big a collection is (a
 * window function over all members would rank every one of them first).
 */
const MAX_PARENTS_PER_STATEMENT = 100;

function groupPages<T extends { id: number }>(
  parentIds: readonly number[],
  rows: { parent_id: number; child: T }[],
  window: PageWindow,
): Map<number, Page<T>> {
  const byParent = new Map<number, T[]>(parentIds.map((id) => [id, []]));
  for (const { parent_id, child } of rows) byParent.get(parent_id)?.push(child);
  // Each parent's rows arrive in id order from its subquery; SQL does not promise that order
  // survives the UNION ALL, so it is restored here.
  for (const children of byParent.values()) children.sort((a, b) => a.id - b.id);
  return new Map([...byParent].map(([id, children]) => [id, toPage(children, window)]));
}

/** Distinct parents in statements of at most MAX_PARENTS_PER_STATEMENT subqueries (SQLite allows 500). */
async function perParentStatements<R>(parentIds: readonly number[], run: (ids: number[]) => Promise<R[]>): Promise<R[]> {
  const distinct = [...new Set(parentIds)];
  const rows: R[] = [];
  for (let i = 0; i < distinct.length; i += MAX_PARENTS_PER_STATEMENT) {
    rows.push(...(await run(distinct.slice(i, i + MAX_PARENTS_PER_STATEMENT))));
  }
  return rows;
}

/** What the SQL of a statement of nested pages depends on; the rest are slot values. */
interface PagesShape {
  parents: number;
  access: ReadAccess;
  after: boolean;
  selection: RowSelection;
}

const pagesKey = (shape: PagesShape) => `${shape.parents}:${shape.access}:${shape.after}:${selectionKey(shape.selection)}`;

/** The slot values of a statement of nested pages: parent ids p0…, the viewer's team, the window. */
function pagesValues(parentIds: readonly number[], viewer: Viewer, window: PageWindow): Record<string, unknown> {
  return { ...numberedValues('p', parentIds), team: viewer.teamId, after: window.afterId, limit: window.limit + 1 };
}

/** The per-parent subqueries p0…p(n-1) joined with UNION ALL. */
function unionOfPages<Q extends { unionAll(other: Q): Q }>(parents: number, pageOf: (i: number) => Q): Q {
  let query = pageOf(0);
  for (let i = 1; i < parents; i++) query = query.unionAll(pageOf(i));
  return query;
}

const artifactPages = new QueryTemplate(pagesKey, (db, shape: PagesShape, slot) => {
  const visible = visibleRowsOf(shape.access, 'a', slot('team'));
  const pageOf = (i: number) =>
    db
      .selectFrom(
        db
          .selectFrom('collection_artifacts as ca')
          .innerJoin('artifacts as a', 'a.id', 'ca.artifact_id')
          .where('ca.collection_id', '=', slot<number>(`p${i}`))
          .$if(visible !== null, (qb) => qb.where(visible!))
          .$if(shape.after, (qb) => qb.where('ca.artifact_id', '>', slot<number>('after')))
          .$if(joinsOwner(shape.selection), (qb) => qb.leftJoin(`users as ${OWNER_ALIAS}`, (join) => join.on(ownerOf('a'))))
          .select(selectedColumns('a', namedColumns(shape.selection, 'artifacts')))
          .select('ca.collection_id as parent_id')
          .orderBy('ca.artifact_id')
          .limit(slot<number>('limit'))
          .as(`p${i}`),
      )
      .selectAll();
  return unionOfPages(shape.parents, pageOf);
});

const collectionPages = new QueryTemplate(pagesKey, (db, shape: PagesShape, slot) => {
  const visible = visibleRowsOf(shape.access, 'c', slot('team'));
  const pageOf = (i: number) =>
    db
      .selectFrom(
        db
          .selectFrom('collection_artifacts as ca')
          .innerJoin('collections as c', 'c.id', 'ca.collection_id')
          .where('ca.artifact_id', '=', slot<number>(`p${i}`))
          .$if(visible !== null, (qb) => qb.where(visible!))
          .$if(shape.after, (qb) => qb.where('ca.collection_id', '>', slot<number>('after')))
          .select(selectedColumns('c', { ...namedColumns(shape.selection, 'collections'), owner: null }))
          .select('ca.artifact_id as parent_id')
          .orderBy('ca.collection_id')
          .limit(slot<number>('limit'))
          .as(`p${i}`),
      )
      .selectAll();
  return unionOfPages(shape.parents, pageOf);
});

/** A child row of a nested page, with the id of the parent whose page it is on. */
export type ChildRow = Record<string, unknown> & { parent_id: number };

/** The rows of each collection's page of artifacts (limit + 1 per collection, any order), with the columns `selection` names. */
export async function artifactRowsOfCollections(db: Db, viewer: Viewer, collectionIds: readonly number[], window: PageWindow, selection: RowSelection): Promise<ChildRow[]> {
  if (collectionIds.length === 0) return [];
  const access = readAccess(viewer, 'artifacts:read');
  return (await perParentStatements(collectionIds, (ids) =>
    artifactPages.execute(db, { parents: ids.length, access, after: window.afterId !== null, selection }, pagesValues(ids, viewer, window)),
  )) as ChildRow[];
}

/** The rows of each artifact's page of collections (limit + 1 per artifact, any order), with the columns `selection` names. */
export async function collectionRowsOfArtifacts(db: Db, viewer: Viewer, artifactIds: readonly number[], window: PageWindow, selection: RowSelection): Promise<ChildRow[]> {
  if (artifactIds.length === 0) return [];
  const access = readAccess(viewer, 'collections:read');
  return (await perParentStatements(artifactIds, (ids) =>
    collectionPages.execute(db, { parents: ids.length, access, after: window.afterId !== null, selection }, pagesValues(ids, viewer, window)),
  )) as ChildRow[];
}

export async function artifactsOfCollections(
  db: Db,
  viewer: Viewer,
  collectionIds: readonly number[],
  window: PageWindow,
): Promise<Map<number, Page<Artifact>>> {
  if (collectionIds.length === 0) return new Map();
  const rows = await artifactRowsOfCollections(db, viewer, collectionIds, window, 'all');
  return groupPages(
    collectionIds,
    rows.map((row) => ({ parent_id: row.parent_id, child: toArtifact(row as unknown as ArtifactRow) })),
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
  const rows = await collectionRowsOfArtifacts(db, viewer, artifactIds, window, 'all');
  return groupPages(
    artifactIds,
    rows.map((row) => ({ parent_id: row.parent_id, child: toCollection(row as unknown as CollectionRow) })),
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
