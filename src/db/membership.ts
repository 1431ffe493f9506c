/**
 * The nested connections Collection.artifacts and Artifact.collections, loaded for many parents
 * in one statement each, with tenancy applied to the children as to any other read.
 */
import { PostgresAdapter, type Compilable, type ExpressionBuilder } from 'kysely';
import type { Viewer } from '../vocabulary/viewer.js';
import type { ArtifactRow, CollectionRow, Db, Tables } from './database.js';
import { toArtifact, toCollection, type Artifact, type Collection } from './model.js';
import { toPage, type Page, type PageWindow } from './pagination.js';
import { numberedValues, QueryTemplate, type SlotOf } from './query-template.js';
import { selectionKey, type RowSelection } from './read-plan.js';
import { joinsOwner, namedColumns, OWNER_ALIAS, ownerOf, selectedColumns } from './row-selection.js';
import { readAccess, visibleRowsOf, type ReadAccess } from './tenancy.js';

/**
 * Children pages for many parents in one statement: each parent's row joined with the children
 * whose ids its own subquery gives, a walk of the (parent, child) index in child id order that
 * stops at the page size plus one. Work grows with the page size, not with how big a collection
 * is (a window function over all members would rank every one of them first), and SQLite runs
 * it as one loop over the parents, which a UNION ALL of one subquery per parent is not
 * (docs/performance.md).
 */
const MAX_PARENTS_PER_STATEMENT = 100;

function groupPages<T extends { id: number }>(
  parentIds: readonly number[],
  rows: { parent_id: number; child: T }[],
  window: PageWindow,
): Map<number, Page<T>> {
  const byParent = new Map<number, T[]>(parentIds.map((id) => [id, []]));
  for (const { parent_id, child } of rows) byParent.get(parent_id)?.push(child);
  // The statement does not order the children (nothing in SQL would keep that order through the
  // join): each page is put in id order here.
  for (const children of byParent.values()) children.sort((a, b) => a.id - b.id);
  return new Map([...byParent].map(([id, children]) => [id, toPage(children, window)]));
}

/** Distinct parents in statements of at most MAX_PARENTS_PER_STATEMENT parent ids each. */
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

const parentSlots = (parents: number, slot: SlotOf) => Array.from({ length: parents }, (_, i) => slot<number>(`p${i}`));

/**
 * On PostgreSQL the same walk is a LATERAL join: there `a.id IN (the correlated subquery)` is a
 * subplan run for every (parent, child) pair, which takes seconds on the bench's data; SQLite
 * has no LATERAL and runs the IN list once per parent.
 */
const lateral = (db: Db) => db.getExecutor().adapter instanceof PostgresAdapter;

/** The artifacts on each collection's page: each collection p joined with the artifacts its page's subquery names. */
const artifactPages = new QueryTemplate(pagesKey, (db, shape: PagesShape, slot): Compilable<Record<string, unknown>> => {
  const visible = visibleRowsOf(shape.access, 's', slot('team'));
  const selection = namedColumns(shape.selection, 'artifacts');
  const page = (eb: ExpressionBuilder<Tables & { p: Tables['collections'] }, 'p'>) =>
    eb
      .selectFrom('collection_artifacts as ca')
      .innerJoin('artifacts as s', 's.id', 'ca.artifact_id')
      .select('ca.artifact_id')
      .whereRef('ca.collection_id', '=', 'p.id')
      .$if(visible !== null, (qb) => qb.where(visible!))
      .$if(shape.after, (qb) => qb.where('ca.artifact_id', '>', slot<number>('after')))
      .orderBy('ca.artifact_id')
      .limit(slot<number>('limit'));
  const parents = db.selectFrom('collections as p').where('p.id', 'in', parentSlots(shape.parents, slot));
  if (lateral(db)) {
    return parents
      .innerJoinLateral((eb) => page(eb).as('page'), (join) => join.onTrue())
      .innerJoin('artifacts as a', 'a.id', 'page.artifact_id')
      .$if(joinsOwner(selection), (qb) => qb.leftJoin(`users as ${OWNER_ALIAS}`, (join) => join.on(ownerOf('a'))))
      .select(selectedColumns('a', selection))
      .select('p.id as parent_id');
  }
  return parents
    .innerJoin('artifacts as a', (join) => join.on((eb) => eb('a.id', 'in', page(eb))))
    .$if(joinsOwner(selection), (qb) => qb.leftJoin(`users as ${OWNER_ALIAS}`, (join) => join.on(ownerOf('a'))))
    .select(selectedColumns('a', selection))
    .select('p.id as parent_id');
});

/** The collections on each artifact's page: each artifact p joined with the collections its page's subquery names. */
const collectionPages = new QueryTemplate(pagesKey, (db, shape: PagesShape, slot): Compilable<Record<string, unknown>> => {
  const visible = visibleRowsOf(shape.access, 's', slot('team'));
  const selection = { ...namedColumns(shape.selection, 'collections'), owner: null };
  const page = (eb: ExpressionBuilder<Tables & { p: Tables['artifacts'] }, 'p'>) =>
    eb
      .selectFrom('collection_artifacts as ca')
      .innerJoin('collections as s', 's.id', 'ca.collection_id')
      .select('ca.collection_id')
      .whereRef('ca.artifact_id', '=', 'p.id')
      .$if(visible !== null, (qb) => qb.where(visible!))
      .$if(shape.after, (qb) => qb.where('ca.collection_id', '>', slot<number>('after')))
      .orderBy('ca.collection_id')
      .limit(slot<number>('limit'));
  const parents = db.selectFrom('artifacts as p').where('p.id', 'in', parentSlots(shape.parents, slot));
  if (lateral(db)) {
    return parents
      .innerJoinLateral((eb) => page(eb).as('page'), (join) => join.onTrue())
      .innerJoin('collections as c', 'c.id', 'page.collection_id')
      .select(selectedColumns('c', selection))
      .select('p.id as parent_id');
  }
  return parents
    .innerJoin('collections as c', (join) => join.on((eb) => eb('c.id', 'in', page(eb))))
    .select(selectedColumns('c', selection))
    .select('p.id as parent_id');
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

type CountsShape = { parents: number; access: ReadAccess };
const countsKey = (shape: CountsShape) => `${shape.parents}:${shape.access}`;

/** How many artifacts of each collection the viewer can see: the pages' own tenancy, grouped by collection. */
const artifactCounts = new QueryTemplate(countsKey, (db, shape: CountsShape, slot) => {
  const visible = visibleRowsOf(shape.access, 's', slot('team'));
  return db
    .selectFrom('collection_artifacts as ca')
    .innerJoin('artifacts as s', 's.id', 'ca.artifact_id')
    .where('ca.collection_id', 'in', parentSlots(shape.parents, slot))
    .$if(visible !== null, (qb) => qb.where(visible!))
    .select(['ca.collection_id as parent_id', (eb) => eb.fn.countAll<number | string>().as('count')])
    .groupBy('ca.collection_id');
});

/** How many collections of each artifact the viewer can see, grouped by artifact. */
const collectionCounts = new QueryTemplate(countsKey, (db, shape: CountsShape, slot) => {
  const visible = visibleRowsOf(shape.access, 's', slot('team'));
  return db
    .selectFrom('collection_artifacts as ca')
    .innerJoin('collections as s', 's.id', 'ca.collection_id')
    .where('ca.artifact_id', 'in', parentSlots(shape.parents, slot))
    .$if(visible !== null, (qb) => qb.where(visible!))
    .select(['ca.artifact_id as parent_id', (eb) => eb.fn.countAll<number | string>().as('count')])
    .groupBy('ca.artifact_id');
});

async function countChildren(db: Db, viewer: Viewer, children: 'artifacts' | 'collections', parentIds: readonly number[]): Promise<Map<number, number>> {
  const access = readAccess(viewer, children === 'artifacts' ? 'artifacts:read' : 'collections:read');
  const counts = children === 'artifacts' ? artifactCounts : collectionCounts;
  const rows = await perParentStatements(parentIds, (ids) => counts.execute(db, { parents: ids.length, access }, { ...numberedValues('p', ids), team: viewer.teamId }));
  return new Map(rows.map((r) => [r.parent_id, Number(r.count)]));
}

/** How many artifacts of each collection the viewer can see. */
export function countArtifactsOfCollections(db: Db, viewer: Viewer, collectionIds: readonly number[]): Promise<Map<number, number>> {
  return countChildren(db, viewer, 'artifacts', collectionIds);
}

/** How many collections of each artifact the viewer can see. */
export function countCollectionsOfArtifacts(db: Db, viewer: Viewer, artifactIds: readonly number[]): Promise<Map<number, number>> {
  return countChildren(db, viewer, 'collections', artifactIds);
}
